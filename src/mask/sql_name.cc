#include "mask/sql_name.h"

#include <vector>

#include "common/untrusted_text.h"

namespace spur::mask {
namespace {

bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentByte(char c) { return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$'; }

Status NotAName(std::string_view text, std::string_view why) {
  return InvalidArgument(
      Quote(text) + " is not a valid name (" + std::string(why) +
      "); write plain names like users or sales.orders, or quote them: '\"My Table\"'");
}

// Reads a quoted identifier starting at text[i] == '"'; leaves i past the closing quote.
Status ReadQuoted(std::string_view text, size_t& i, std::string& out) {
  for (++i; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c == 0x7f) {
      // PostgreSQL names cannot hold NUL; other control characters would make
      // a rule that prints and serializes badly for a name nobody can type.
      return NotAName(text, "control character in a quoted name");
    }
    if (text[i] != '"') {
      out.push_back(text[i]);
    } else if (i + 1 < text.size() && text[i + 1] == '"') {
      out.push_back('"');
      ++i;
    } else {
      ++i;
      return out.empty() ? NotAName(text, "empty quoted name") : Status::Ok();
    }
  }
  return NotAName(text, "unbalanced quotes");
}

// Reads an unquoted identifier at text[i], folded to lower case.
Status ReadPlain(std::string_view text, size_t& i, std::string& out) {
  if (i >= text.size() || !IsIdentStart(text[i])) {
    return NotAName(text,
                    i >= text.size() || text[i] == '.' ? "empty part" : "bad first character");
  }
  for (; i < text.size() && IsIdentByte(text[i]); ++i) {
    const char c = text[i];
    out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  return Status::Ok();
}

// Splits `text` into dot-separated identifiers.
Result<std::vector<std::string>> ReadParts(std::string_view text) {
  std::vector<std::string> parts;
  size_t i = 0;
  while (true) {
    std::string part;
    if (i < text.size() && text[i] == '"') {
      RETURN_IF_ERROR(ReadQuoted(text, i, part));
    } else {
      RETURN_IF_ERROR(ReadPlain(text, i, part));
    }
    parts.push_back(std::move(part));
    if (i == text.size()) return parts;
    if (text[i] != '.') return NotAName(text, "unexpected character; quote the name");
    ++i;
  }
}

}  // namespace

std::string TableRef::ToString() const { return QuoteIdent(schema) + "." + QuoteIdent(name); }

Result<TableRef> ParseTableName(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<std::string> parts, ReadParts(text));
  if (parts.size() > 2) return NotAName(text, "more than schema.table");
  if (parts.size() == 1) return TableRef{"public", std::move(parts[0])};
  return TableRef{std::move(parts[0]), std::move(parts[1])};
}

Result<std::string> ParseColumnName(std::string_view text) {
  ASSIGN_OR_RETURN(std::vector<std::string> parts, ReadParts(text));
  if (parts.size() != 1) return NotAName(text, "a column name has no dots; quote it");
  return std::move(parts[0]);
}

std::string QuoteIdent(std::string_view name) {
  bool plain = !name.empty() && IsIdentStart(name[0]);
  for (char c : name) plain = plain && IsIdentByte(c) && !(c >= 'A' && c <= 'Z');
  if (plain) return std::string(name);
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  return out + "\"";
}

}  // namespace spur::mask
