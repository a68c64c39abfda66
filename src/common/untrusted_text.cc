#include "common/untrusted_text.h"

#include <cstdio>

namespace spur {
namespace {

std::string Hex(unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02X", c);
  return buf;
}

}  // namespace

size_t Utf8SequenceLength(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  if (c < 0x80) return 1;
  size_t len = 0;
  unsigned char lo = 0x80, hi = 0xBF;  // range of the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    len = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    len = 3;
    if (c == 0xE0) lo = 0xA0;  // overlong
    if (c == 0xED) hi = 0x9F;  // surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    len = 4;
    if (c == 0xF0) lo = 0x90;  // overlong
    if (c == 0xF4) hi = 0x8F;  // above U+10FFFF
  } else {
    return 0;
  }
  if (i + len > text.size()) return 0;
  if (byte(i + 1) < lo || byte(i + 1) > hi) return 0;
  for (size_t k = 2; k < len; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return len;
}

size_t InvalidUtf8At(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

size_t ControlCharAt(std::string_view text, std::string_view allowed) {
  for (size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if ((c < 0x20 || c == 0x7f) && allowed.find(text[i]) == std::string_view::npos) return i;
  }
  return std::string_view::npos;
}

Status CheckTextFile(std::string_view name, std::string_view text) {
  if (size_t bad = InvalidUtf8At(text); bad != std::string_view::npos) {
    return InvalidArgument(std::string(name) + " is not valid UTF-8 (byte " +
                           std::to_string(bad + 1) + "); save it as UTF-8");
  }
  if (size_t bad = ControlCharAt(text, "\t\n\r"); bad != std::string_view::npos) {
    return InvalidArgument(std::string(name) + " holds a control character (byte " +
                           std::to_string(bad + 1) + "); it must be plain text");
  }
  return Status::Ok();
}

bool IsValidUtf8(std::string_view text) { return InvalidUtf8At(text) == std::string_view::npos; }

std::string Quote(std::string_view input, size_t max_chars) {
  std::string out = "\"";
  size_t i = 0;
  while (i < input.size() && i < max_chars) {
    size_t n = Utf8SequenceLength(input, i);
    unsigned char c = static_cast<unsigned char>(input[i]);
    if (n == 0) {
      out += Hex(c);
      ++i;
      continue;
    }
    if (n == 1) {
      if (c == '\n') {
        out += "\\n";
      } else if (c == '\r') {
        out += "\\r";
      } else if (c == '\t') {
        out += "\\t";
      } else if (c == '"' || c == '\\') {
        out += '\\';
        out += static_cast<char>(c);
      } else if (c < 0x20 || c == 0x7F) {
        out += Hex(c);
      } else {
        out += static_cast<char>(c);
      }
    } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(input[i + 1]) < 0xA0) {
      out += Hex(c) + Hex(static_cast<unsigned char>(input[i + 1]));  // C1 controls
    } else {
      out.append(input.substr(i, n));
    }
    i += n;
  }
  if (i < input.size()) out += "...";
  return out + "\"";
}

std::string ValidUtf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    size_t n = Utf8SequenceLength(text, i);
    if (n == 0) {
      out += Hex(static_cast<unsigned char>(text[i]));
      ++i;
    } else {
      out.append(text.substr(i, n));
      i += n;
    }
  }
  return out;
}

}  // namespace spur
