// Where, and with which token, a pull request's comment is posted through
// the forge's API: from the repository's settings (forge, forge_url,
// forge_token_env or forge_token_file; docs/ci.md).
#pragma once

#include <cstdint>
#include <string>

#include "common/status.h"
#include "forge/comments.h"
#include "hooks/repo_config.h"

namespace spur::pr {

// The target for `repo`#`pr` under `cfg` (whose `forge` is set). The token
// comes from the environment variable cfg.forge_token_env when set, else
// from the file `token_file` (the pool's forge-tokens/<forge_token_file>),
// without its trailing line breaks. FailedPrecondition, naming the variable
// or file and never the token, when it is unset, unreadable, empty or more
// than one line. Reads the environment and that file only.
Result<forge::CommentTarget> CommentTargetFor(const hooks::RepoConfig& cfg, const std::string& repo,
                                              int64_t pr, const std::string& token_file);

}  // namespace spur::pr
