// UTF-8 well-formedness of text read from outside (mask.yaml, .spur.yaml).
#pragma once

#include <cstddef>
#include <string_view>

namespace spur {

// Offset of the first byte that is not part of a well-formed UTF-8 sequence
// (by lead byte and continuation bytes), or npos when there is none.
inline size_t InvalidUtf8At(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    const size_t len = c < 0x80           ? 1
                       : (c >> 5) == 0x6  ? 2
                       : (c >> 4) == 0xE  ? 3
                       : (c >> 3) == 0x1E ? 4
                                          : 0;
    if (len == 0 || i + len > s.size()) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

}  // namespace spur
