// Wire bytes built by hand for the protocol tests (pg/wire_startup, proxy/),
// independently of the code under test.
#pragma once

#include <cstdint>
#include <string>

namespace spur::wire_test {

// `v` as the 4 big-endian bytes every length and code on the wire is.
inline std::string U32(uint32_t v) {
  std::string s;
  for (int i = 24; i >= 0; i -= 8) s.push_back(static_cast<char>(v >> i));
  return s;
}

}  // namespace spur::wire_test
