#include "http/syntax.h"

#include <cstdint>
#include <limits>

namespace spur::http {
namespace {

bool IsTokenChar(unsigned char c) {
  if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) return true;
  return std::string_view("!#$%&'*+-.^_`|~").find(static_cast<char>(c)) != std::string_view::npos;
}

}  // namespace

std::string ToLower(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string_view TrimWhitespace(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t')) text.remove_suffix(1);
  return text;
}

bool IsToken(std::string_view text) {
  if (text.empty()) return false;
  for (const char c : text) {
    if (!IsTokenChar(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

bool IsFieldValue(std::string_view text) {
  return text.find_first_of(std::string_view("\r\n\0", 3)) == std::string_view::npos;
}

std::optional<size_t> FindHeaderEnd(std::string_view buffer, size_t* scanned) {
  for (size_t i = *scanned; i < buffer.size(); ++i) {
    if (buffer[i] != '\n') continue;
    // A blank line: "\n" right after the previous line's "\n", or "\r\n" after it.
    if ((i >= 1 && buffer[i - 1] == '\n') ||
        (i >= 2 && buffer[i - 1] == '\r' && buffer[i - 2] == '\n')) {
      *scanned = i + 1;
      return i + 1;
    }
  }
  *scanned = buffer.size();
  return std::nullopt;
}

std::optional<std::string> SplitHeaderBlock(std::string_view block, std::string_view* start_line,
                                            std::map<std::string, std::string>* fields) {
  bool first = true;
  while (!block.empty()) {
    const size_t nl = block.find('\n');
    std::string_view line = block.substr(0, nl);
    block.remove_prefix(nl == std::string_view::npos ? block.size() : nl + 1);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (first) {
      *start_line = line;
      first = false;
      continue;
    }
    if (line.empty()) break;  // the blank line that ends the block
    if (line.front() == ' ' || line.front() == '\t') {
      return "folded header lines are not allowed";
    }
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) return "header line without ':'";
    const std::string_view name = line.substr(0, colon);
    if (!IsToken(name)) return "invalid header name \"" + std::string(name) + "\"";
    const std::string_view value = TrimWhitespace(line.substr(colon + 1));
    if (value.find('\0') != std::string_view::npos || value.find('\r') != std::string_view::npos) {
      return "invalid byte in the value of header " + std::string(name);
    }
    const std::string key = ToLower(name);
    auto [it, inserted] = fields->try_emplace(key, value);
    if (!inserted) {
      it->second += key == "content-length" ? "\n" : ", ";
      it->second.append(value);
    }
  }
  if (first) return "empty message";
  return std::nullopt;
}

std::optional<size_t> ParseContentLength(std::string_view value) {
  if (value.empty()) return std::nullopt;
  size_t n = 0;
  constexpr size_t kMax = std::numeric_limits<size_t>::max();
  for (const char c : value) {
    if (c < '0' || c > '9') return std::nullopt;
    const size_t digit = static_cast<size_t>(c - '0');
    n = n > (kMax - digit) / 10 ? kMax : n * 10 + digit;
  }
  return n;
}

}  // namespace spur::http
