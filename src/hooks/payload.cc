#include "hooks/payload.h"

#include <limits>
#include <utility>

#include "common/untrusted_json.h"

namespace spur::hooks {

Result<Payload> Payload::Parse(std::string_view forge, std::string_view body) {
  const std::string what = std::string(forge) + " webhook body";
  if (body.starts_with("payload=")) {
    return InvalidArgument(what +
                           " is form-encoded; set the webhook's content type to application/json");
  }
  ASSIGN_OR_RETURN(nlohmann::json root, ParseUntrustedJson(body, what));
  if (!root.is_object()) {
    return InvalidArgument(what + " is JSON " + std::string(root.type_name()) + ", not an object");
  }
  return Payload(std::string(forge), std::move(root));
}

const nlohmann::json* Payload::Find(std::string_view path) const {
  const nlohmann::json* node = &root_;
  while (!path.empty()) {
    size_t dot = path.find('.');
    std::string_view step = path.substr(0, dot);
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (!node->is_object()) return nullptr;
    auto it = node->find(step);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node;
}

bool Payload::Has(std::string_view path) const {
  const nlohmann::json* v = Find(path);
  return v != nullptr && !v->is_null();
}

Status Payload::Require(std::string_view path) const {
  if (Has(path)) return Status::Ok();
  return InvalidArgument(forge_ + " webhook body has no \"" + std::string(path) +
                         "\"; is the webhook sending the right events?");
}

Status Payload::WrongType(std::string_view path, const nlohmann::json& value,
                          const char* want) const {
  return InvalidArgument(forge_ + " webhook body field \"" + std::string(path) + "\" is " +
                         value.type_name() + ", expected " + want);
}

Result<std::string> Payload::String(std::string_view path) const {
  RETURN_IF_ERROR(Require(path));
  return OptionalString(path);
}

Result<std::string> Payload::OptionalString(std::string_view path) const {
  const nlohmann::json* v = Find(path);
  if (v == nullptr || v->is_null()) return std::string();
  if (!v->is_string()) return WrongType(path, *v, "a string");
  return v->get<std::string>();
}

Result<int64_t> Payload::PositiveInt(std::string_view path) const {
  const nlohmann::json* v = Find(path);
  RETURN_IF_ERROR(Require(path));
  if (v->is_number_unsigned()) {
    uint64_t u = v->get<uint64_t>();
    if (u > 0 && u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
      return static_cast<int64_t>(u);
    }
  } else if (v->is_number_integer() && v->get<int64_t>() > 0) {
    return v->get<int64_t>();
  }
  return WrongType(path, *v, "a positive integer");
}

Result<bool> Payload::OptionalBool(std::string_view path) const {
  const nlohmann::json* v = Find(path);
  if (v == nullptr || v->is_null()) return false;
  if (!v->is_boolean()) return WrongType(path, *v, "true or false");
  return v->get<bool>();
}

}  // namespace spur::hooks
