#include "pr/forge_target.h"

#include <cstdlib>

#include "os/fs.h"

namespace spur::pr {
namespace {

Result<std::string> TokenFrom(const hooks::RepoConfig& cfg, const std::string& token_file) {
  if (!cfg.forge_token_env.empty()) {
    const char* v = std::getenv(cfg.forge_token_env.c_str());
    if (!v || !*v) {
      return FailedPrecondition("$" + cfg.forge_token_env +
                                " is not set in the environment of spur serve");
    }
    return std::string(v);
  }
  auto text = os::ReadFile(token_file);
  if (!text.ok()) {
    return FailedPrecondition("the forge token file " + token_file +
                              " cannot be read; put the token there (mode 0600)");
  }
  std::string token = std::move(*text);
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  return token;
}

}  // namespace

Result<forge::CommentTarget> CommentTargetFor(const hooks::RepoConfig& cfg, const std::string& repo,
                                              int64_t pr, const std::string& token_file) {
  forge::CommentTarget t;
  t.forge = cfg.forge;
  t.api_url = cfg.forge_url.empty() ? forge::DefaultApiUrl(cfg.forge) : cfg.forge_url;
  t.repo = repo;
  t.pr = pr;
  ASSIGN_OR_RETURN(t.token, TokenFrom(cfg, token_file));
  if (t.token.empty() || t.token.find_first_of("\r\n") != std::string::npos) {
    return FailedPrecondition("the forge token for " + repo + " is empty or not one line");
  }
  return t;
}

}  // namespace spur::pr
