#include "common/names.h"

#include <string>

#include "common/untrusted_text.h"

namespace spur {
namespace {

bool IsLeadChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsBodyChar(char c) { return IsLeadChar(c) || c == '.' || c == '_' || c == '-'; }

std::string Printable(std::string_view name) { return Quote(name, 40); }

}  // namespace

Status ValidateName(std::string_view what, std::string_view name) {
  const std::string rule =
      "; use 1-63 characters: lowercase letters, digits, '.', '_' or '-', starting with a "
      "letter or digit";
  if (name.empty()) return InvalidArgument(std::string(what) + " name is empty" + rule);
  if (name.size() > 63) {
    return InvalidArgument(std::string(what) + " name is " + std::to_string(name.size()) +
                           " characters long" + rule);
  }
  if (!IsLeadChar(name[0])) {
    return InvalidArgument(std::string(what) + " name " + Printable(name) +
                           " starts with an invalid character" + rule);
  }
  for (char c : name) {
    if (!IsBodyChar(c)) {
      return InvalidArgument(std::string(what) + " name " + Printable(name) +
                             " contains an invalid character" + rule);
    }
  }
  return Status::Ok();
}

Result<std::string> OwnerName(std::string_view raw) {
  std::string owner(raw);
  for (char& c : owner) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  RETURN_IF_ERROR(ValidateName("owner", owner));
  return owner;
}

Status ValidateLabel(std::string_view key, std::string_view value) {
  RETURN_IF_ERROR(ValidateName("label key", key));
  bool printable = value.size() <= 200 && IsValidUtf8(value);
  for (unsigned char c : value) printable = printable && c >= 0x20 && c != 0x7f;
  if (!printable) {
    return InvalidArgument(
        "label \"" + std::string(key) +
        "\" has a value that is too long, not printable or not UTF-8; use at most 200 "
        "printable UTF-8 characters on one line");
  }
  return Status::Ok();
}

}  // namespace spur
