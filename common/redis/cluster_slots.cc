#include "common/redis/cluster_slots.h"

#include <array>
#include <cstdint>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"

namespace gracilis {
namespace {

constexpr std::array<uint16_t, 256> Crc16Table() {
  std::array<uint16_t, 256> table{};
  for (int i = 0; i < 256; ++i) {
    uint16_t crc = static_cast<uint16_t>(i << 8);
    for (int bit = 0; bit < 8; ++bit) {
      crc = (crc & 0x8000) != 0 ? static_cast<uint16_t>((crc << 1) ^ 0x1021)
                                : static_cast<uint16_t>(crc << 1);
    }
    table[i] = crc;
  }
  return table;
}

uint16_t Crc16(absl::string_view data) {
  static constexpr std::array<uint16_t, 256> kTable = Crc16Table();
  uint16_t crc = 0;
  for (unsigned char c : data) {
    crc = static_cast<uint16_t>((crc << 8) ^ kTable[((crc >> 8) ^ c) & 0xff]);
  }
  return crc;
}

}  // namespace

int KeySlot(absl::string_view key) {
  const size_t open = key.find('{');
  if (open != absl::string_view::npos) {
    const size_t close = key.find('}', open + 1);
    if (close != absl::string_view::npos && close > open + 1) {
      key = key.substr(open + 1, close - open - 1);
    }
  }
  return Crc16(key) % kClusterSlots;
}

std::optional<int> CommandSlot(const std::vector<std::string>& args) {
  if (args.size() < 2) {
    return std::nullopt;
  }
  // On every command sent: compared in place, no copy.
  const auto is = [&](absl::string_view name) {
    return absl::EqualsIgnoreCase(args[0], name);
  };
  if (is("FCALL") || is("FCALL_RO") || is("EVAL") || is("EVALSHA")) {
    int numkeys = 0;
    if (args.size() < 4 || !absl::SimpleAtoi(args[2], &numkeys) ||
        numkeys < 1) {
      return std::nullopt;
    }
    return KeySlot(args[3]);
  }
  for (absl::string_view keyless :
       {"PING", "SCAN", "FUNCTION", "CLUSTER", "INFO", "AUTH", "DBSIZE",
        "ASKING", "CONFIG", "BGREWRITEAOF", "FLUSHALL", "KEYS", "TIME",
        "SCRIPT", "MEMORY", "DEBUG", "CLIENT", "WAIT"}) {
    if (is(keyless)) {
      return std::nullopt;
    }
  }
  return KeySlot(args[1]);
}

std::optional<Redirect> ParseRedirect(absl::string_view error) {
  const std::vector<absl::string_view> parts =
      absl::StrSplit(error, ' ', absl::SkipEmpty());
  if (parts.size() != 3 || (parts[0] != "MOVED" && parts[0] != "ASK")) {
    return std::nullopt;
  }
  Redirect redirect;
  redirect.ask = parts[0] == "ASK";
  if (!absl::SimpleAtoi(parts[1], &redirect.slot) || redirect.slot < 0 ||
      redirect.slot >= kClusterSlots) {
    return std::nullopt;
  }
  redirect.address = std::string(parts[2]);
  return redirect;
}

}  // namespace gracilis
