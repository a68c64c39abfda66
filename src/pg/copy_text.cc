#include "pg/copy_text.h"

#include <algorithm>

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

// The letter COPY writes after a backslash for byte `c`, or 0 if `c` is
// written as itself.
char EscapeLetter(char c) {
  switch (c) {
    case '\\':
      return '\\';
    case '\b':
      return 'b';
    case '\f':
      return 'f';
    case '\n':
      return 'n';
    case '\r':
      return 'r';
    case '\t':
      return 't';
    case '\v':
      return 'v';
    default:
      return 0;
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
  size_t i = 0;
  while (i < raw.size()) {
    // The bytes up to the next backslash are themselves: one append.
    const size_t slash = std::min(raw.find('\\', i), raw.size());
    out.append(raw.data() + i, slash - i);
    i = slash;
    if (i == raw.size()) break;
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
    ++i;
  }
}

void Escape(std::string_view value, std::string& out) {
  out.reserve(out.size() + value.size());
  size_t run = 0;  // start of the bytes not yet appended, all plain
  for (size_t i = 0; i < value.size(); ++i) {
    const char letter = EscapeLetter(value[i]);
    if (letter == 0) continue;
    out.append(value.data() + run, i - run);
    out.push_back('\\');
    out.push_back(letter);
    run = i + 1;
  }
  out.append(value.data() + run, value.size() - run);
}

}  // namespace spur::pg::copy_text
