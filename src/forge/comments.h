// The one comment spur keeps on a pull request (GitHub) or merge request
// (GitLab), posted through the forge's REST API and then edited in place on
// every update: found again by the marker it starts with
// (hooks::CommentMarker), so nothing needs to remember its id.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"

namespace spur::forge {

struct CommentTarget {
  std::string forge;    // "github" | "gitlab"
  std::string api_url;  // https://api.github.com, https://HOST/api/v3, https://HOST/api/v4
  std::string repo;     // owner/name (GitLab: group/sub/name)
  int64_t pr = 0;       // PR number (GitLab: the merge request's iid)
  std::string token;    // never logged, never in an error
  std::string ca_file;  // PEM CAs to trust for https ("" = the system's)
};

// Posts or edits the comment. Behind an interface so the pull-request flow
// is tested without a network.
class CommentPoster {
 public:
  virtual ~CommentPoster() = default;
  // Edits the first comment of `target`'s PR that the token's own user wrote
  // and whose body starts with `marker` (looking through at most 1,000
  // comments), or posts `body` as a new one.
  // Returns the comment's id. Unavailable when the forge cannot be reached
  // or answers with an error (its status and the first line of its message,
  // never the token); InvalidArgument for an unknown forge or a bad URL.
  // Retries nothing; a failed call may have posted the comment.
  [[nodiscard]] virtual Result<int64_t> Upsert(const CommentTarget& target,
                                               const std::string& marker,
                                               const std::string& body) = 0;
};

// The real one, over http::HttpClient (TLS verified).
std::unique_ptr<CommentPoster> MakeHttpCommentPoster();

// The forge's default API URL: https://api.github.com, https://gitlab.com/api/v4.
std::string DefaultApiUrl(const std::string& forge);

}  // namespace spur::forge
