// Hashes, MACs and comparisons for tokens, webhook signatures and the audit
// chain (OpenSSL underneath). Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace spur {

// Lower-case hex SHA-256 of `data` (64 characters).
std::string Sha256Hex(std::string_view data);

// Lower-case hex HMAC-SHA-256 of `data` under `key` (64 characters).
std::string HmacSha256Hex(std::string_view key, std::string_view data);

// True when `a` and `b` are equal. Takes the same time for every pair of
// equal-length inputs, so it leaks nothing about secrets compared with it.
bool ConstantTimeEquals(std::string_view a, std::string_view b);

}  // namespace spur
