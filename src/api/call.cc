#include "api/call.h"

#include "common/untrusted_text.h"

namespace spur::api {

Reply JsonReply(nlohmann::json body, int status) {
  Reply r;
  r.status = status;
  r.body = std::move(body);
  return r;
}

int HttpStatusFor(Code code) {
  switch (code) {
    case Code::kOk:
      return 200;
    case Code::kInvalidArgument:
      return 400;
    case Code::kUnauthenticated:
      return 401;
    case Code::kPermissionDenied:
      return 403;
    case Code::kNotFound:
      return 404;
    case Code::kAlreadyExists:
    case Code::kFailedPrecondition:
      return 409;
    case Code::kResourceExhausted:
      return 429;
    case Code::kStorageFull:
      return 507;
    case Code::kUnavailable:
      return 503;
    case Code::kInternal:
      return 500;
  }
  return 500;
}

const char* CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "ok";
    case Code::kInvalidArgument:
      return "invalid_argument";
    case Code::kNotFound:
      return "not_found";
    case Code::kAlreadyExists:
      return "already_exists";
    case Code::kFailedPrecondition:
      return "failed_precondition";
    case Code::kUnavailable:
      return "unavailable";
    case Code::kUnauthenticated:
      return "unauthenticated";
    case Code::kPermissionDenied:
      return "permission_denied";
    case Code::kResourceExhausted:
      return "resource_exhausted";
    case Code::kStorageFull:
      return "storage_full";
    case Code::kInternal:
      return "internal";
  }
  return "internal";
}

Reply ErrorReply(const Status& status) {
  Reply r;
  r.status = HttpStatusFor(status.code());
  // Valid UTF-8 whatever a message echoes, so the reply always serializes.
  r.body = {
      {"error", {{"code", CodeName(status.code())}, {"message", ValidUtf8(status.message())}}}};
  return r;
}

Status StatusFromReply(int http_status, const nlohmann::json& body) {
  if (http_status < 400) return Status::Ok();
  std::string code, message = "HTTP " + std::to_string(http_status);
  if (body.is_object() && body.contains("error") && body["error"].is_object()) {
    code = body["error"].value("code", "");
    message = body["error"].value("message", message);
  }
  for (Code c :
       {Code::kInvalidArgument, Code::kNotFound, Code::kAlreadyExists, Code::kFailedPrecondition,
        Code::kUnavailable, Code::kUnauthenticated, Code::kPermissionDenied,
        Code::kResourceExhausted, Code::kStorageFull, Code::kInternal}) {
    if (code == CodeName(c)) return Status(c, message);
  }
  switch (http_status) {
    case 401:
      return Unauthenticated(message);
    case 403:
      return PermissionDenied(message);
    case 404:
      return NotFound(message);
    default:
      return Internal(message);
  }
}

}  // namespace spur::api
