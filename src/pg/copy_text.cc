#include "pg/copy_text.h"

namespace spur::pg::copy_text {
namespace {

bool IsOctal(char c) { return c >= '0' && c <= '7'; }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the octal escape whose first digit is raw[i]; leaves i on its last digit.
char ReadOctal(std::string_view raw, size_t& i) {
  int value = raw[i] - '0';
  for (int more = 0; more < 2 && i + 1 < raw.size() && IsOctal(raw[i + 1]); ++more) {
    value = value * 8 + (raw[++i] - '0');
  }
  return static_cast<char>(value & 0377);
}

// The byte a one-letter escape stands for: 'n' -> '\n'; any other letter itself.
char NamedEscape(char c) {
  switch (c) {
    case 'b':
      return '\b';
    case 'f':
      return '\f';
    case 'n':
      return '\n';
    case 'r':
      return '\r';
    case 't':
      return '\t';
    case 'v':
      return '\v';
    default:
      return c;
  }
}

}  // namespace

Status SplitRow(std::string_view row, std::vector<std::string_view>& fields) {
  fields.clear();
  if (row.empty() || row.back() != '\n') {
    return InvalidArgument("COPY row does not end in a newline; rows must be passed whole");
  }
  const char* p = row.data();
  const size_t n = row.size() - 1;
  size_t start = 0;
  for (size_t i = 0; i < n; ++i) {
    if (p[i] == '\\') {
      if (++i == n) {
        return InvalidArgument("COPY row ends in a lone backslash; the row is cut short");
      }
    } else if (p[i] == '\t') {
      fields.emplace_back(p + start, i - start);
      start = i + 1;
    }
  }
  fields.emplace_back(p + start, n - start);
  return Status::Ok();
}

void Unescape(std::string_view raw, std::string& out) {
  out.reserve(out.size() + raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '\\') {
      out.push_back(raw[i]);
      continue;
    }
    if (++i == raw.size()) break;  // lone trailing backslash: dropped
    const char c = raw[i];
    if (IsOctal(c)) {
      out.push_back(ReadOctal(raw, i));
    } else if (c == 'x' && i + 1 < raw.size() && HexValue(raw[i + 1]) >= 0) {
      int value = HexValue(raw[++i]);
      if (i + 1 < raw.size() && HexValue(raw[i + 1]) >= 0) value = value * 16 + HexValue(raw[++i]);
      out.push_back(static_cast<char>(value));
    } else {
      out.push_back(NamedEscape(c));
    }
  }
}

void Escape(std::string_view value, std::string& out) {
  out.reserve(out.size() + value.size());
  for (char c : value) {
    char letter = 0;
    switch (c) {
      case '\\':
        letter = '\\';
        break;
      case '\b':
        letter = 'b';
        break;
      case '\f':
        letter = 'f';
        break;
      case '\n':
        letter = 'n';
        break;
      case '\r':
        letter = 'r';
        break;
      case '\t':
        letter = 't';
        break;
      case '\v':
        letter = 'v';
        break;
      default:
        out.push_back(c);
        continue;
    }
    out.push_back('\\');
    out.push_back(letter);
  }
}

}  // namespace spur::pg::copy_text
