#include "common/compress/gzip.h"

#include <zlib.h>

#include <algorithm>
#include <cstring>

namespace gracilis {
namespace {

constexpr int kGzipWindowBits = 16 + MAX_WBITS;  // zlib's "gzip wrapper"
constexpr size_t kChunk = 64 << 10;

Bytef* In(absl::string_view bytes) {
  return reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
}

}  // namespace

bool IsGzip(absl::string_view bytes) {
  return bytes.size() >= 2 && static_cast<unsigned char>(bytes[0]) == 0x1f &&
         static_cast<unsigned char>(bytes[1]) == 0x8b;
}

std::string Gzip(absl::string_view data) {
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  deflateInit2(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, kGzipWindowBits, 8,
               Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, data.size()), '\0');
  stream.next_in = In(data);
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  deflate(&stream, Z_FINISH);  // the bound makes one call enough
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

absl::StatusOr<std::string> Gunzip(absl::string_view packed, size_t max_bytes) {
  z_stream stream;
  std::memset(&stream, 0, sizeof(stream));
  if (inflateInit2(&stream, kGzipWindowBits) != Z_OK) {
    return absl::InternalError("zlib could not start");
  }
  stream.next_in = In(packed);
  stream.avail_in = static_cast<uInt>(packed.size());
  std::string out;
  int result = Z_OK;
  // One byte past the limit tells "too big" from "exactly the limit".
  while (result == Z_OK && out.size() <= max_bytes) {
    const size_t have = out.size();
    const size_t chunk = std::min(kChunk, max_bytes + 1 - have);
    out.resize(have + chunk);
    stream.next_out = reinterpret_cast<Bytef*>(out.data() + have);
    stream.avail_out = static_cast<uInt>(chunk);
    result = inflate(&stream, Z_NO_FLUSH);
    out.resize(have + chunk - stream.avail_out);
  }
  inflateEnd(&stream);
  if (out.size() > max_bytes) {
    return absl::OutOfRangeError("unpacks to more than the limit");
  }
  if (result != Z_STREAM_END) {
    return absl::InvalidArgumentError("not a whole gzip stream");
  }
  return out;
}

}  // namespace gracilis
