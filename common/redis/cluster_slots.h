#pragma once

// Redis Cluster's key-to-slot rule and where a command's key is, as the
// cluster client routes them. Pure; no I/O.

#include <optional>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace gracilis {

inline constexpr int kClusterSlots = 16384;

// CRC16 (XMODEM) of the key's hash tag (the text between the first '{' and
// the next '}', when non-empty) or of the whole key, modulo 16384.
int KeySlot(absl::string_view key);

// The slot a command touches: that of its first key, or nullopt for
// commands without one (PING, SCAN, FUNCTION, CLUSTER, INFO, ...). FCALL,
// FCALL_RO, EVAL and EVALSHA name their keys after numkeys; every other
// command used here has its key first.
std::optional<int> CommandSlot(const std::vector<std::string>& args);

// A redirection error reply ("MOVED 3999 127.0.0.1:6381" or "ASK ...").
struct Redirect {
  bool ask = false;  // ASK: this command only; MOVED: the slot moved
  int slot = 0;
  std::string address;  // host:port
};
std::optional<Redirect> ParseRedirect(absl::string_view error);

}  // namespace gracilis
