// Repository names as spur keeps them: "owner/name" (GitLab: "group/sub/name").
#pragma once

#include <string>

#include "common/status.h"

namespace spur::hooks {

// OK for a printable name with a '/' inside, no spaces, quotes or
// backslashes, at most 200 bytes; InvalidArgument (one line quoting it)
// otherwise.
Status ValidateRepoName(const std::string& name);

// The repository a webhook body of `forge` ("github" | "gitlab") names, read
// leniently: "" when the body is not JSON or names none. Used only to find
// the secret to verify the body with, never trusted further.
std::string RepoNameOf(const std::string& body, const std::string& forge);

}  // namespace spur::hooks
