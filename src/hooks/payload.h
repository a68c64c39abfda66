// Typed reads from a webhook's JSON body by dotted path ("pull_request.head.sha"), with errors
// that name the forge and the field. Shared by the GitHub and GitLab parsers; pure.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>

#include "common/status.h"

namespace spur::hooks {

class Payload {
 public:
  // Parses `body`, which must be a JSON object. InvalidArgument otherwise, saying where the
  // JSON broke (or, for a form-encoded body, how to fix the webhook). `forge` ("github") only
  // prefixes error messages.
  static Result<Payload> Parse(std::string_view forge, std::string_view body);

  // The field's value. InvalidArgument naming `path` when it is missing, null or not of that
  // type; an int must also be a positive integer that fits int64_t.
  Result<std::string> String(std::string_view path) const;
  Result<int64_t> PositiveInt(std::string_view path) const;

  // Like the above, but a missing or null field is "" / false rather than an error.
  Result<std::string> OptionalString(std::string_view path) const;
  Result<bool> OptionalBool(std::string_view path) const;

  // True when the field is present and not null.
  bool Has(std::string_view path) const;
  // OK when Has(path); otherwise InvalidArgument naming it.
  Status Require(std::string_view path) const;

 private:
  Payload(std::string forge, nlohmann::json root)
      : forge_(std::move(forge)), root_(std::move(root)) {}

  // The field at `path`, or nullptr when a step is missing or not an object.
  const nlohmann::json* Find(std::string_view path) const;
  Status WrongType(std::string_view path, const nlohmann::json& value, const char* want) const;

  std::string forge_;
  nlohmann::json root_;
};

}  // namespace spur::hooks
