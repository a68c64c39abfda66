#include "common/names.h"

#include <string>

namespace spur {
namespace {

bool IsLeadChar(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsBodyChar(char c) { return IsLeadChar(c) || c == '.' || c == '_' || c == '-'; }

// Shows a bad name safely: quoted, control characters escaped, long ones cut.
std::string Printable(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 40)) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
      out += '?';
    } else {
      out += c;
    }
  }
  if (name.size() > 40) out += "...";
  return "\"" + out + "\"";
}

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
  bool printable = value.size() <= 200;
  for (unsigned char c : value) printable = printable && c >= 0x20 && c != 0x7f;
  if (!printable) {
    return InvalidArgument("label \"" + std::string(key) +
                           "\" has a value that is too long or not printable; use at most 200 "
                           "printable characters on one line");
  }
  return Status::Ok();
}

}  // namespace spur
