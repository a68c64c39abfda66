#include "hooks/repo_name.h"

#include "common/untrusted_json.h"

namespace spur::hooks {

Status ValidateRepoName(const std::string& name) {
  bool ok = !name.empty() && name.size() <= 200 && name.find('/') != std::string::npos &&
            name.front() != '/' && name.back() != '/';
  for (unsigned char c : name) ok = ok && c > 0x20 && c < 0x7f && c != '"' && c != '\\';
  if (!ok) return InvalidArgument("repository must look like owner/name, got \"" + name + "\"");
  return Status::Ok();
}

std::string RepoNameOf(const std::string& body, const std::string& forge) {
  auto parsed = ParseUntrustedJson(body, "webhook body");
  if (!parsed.ok() || !parsed->is_object()) return "";
  const nlohmann::json& j = *parsed;
  const char* outer = forge == "github" ? "repository" : "project";
  const char* inner = forge == "github" ? "full_name" : "path_with_namespace";
  if (j.contains(outer) && j[outer].is_object() && j[outer].contains(inner) &&
      j[outer][inner].is_string()) {
    return j[outer][inner].get<std::string>();
  }
  return "";
}

}  // namespace spur::hooks
