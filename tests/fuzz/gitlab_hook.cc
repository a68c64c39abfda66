// GitLab webhook deliveries (hooks/gitlab.h): X-Gitlab-Event on the first
// line, the body after it. Properties: see hook_check.h; the token check
// accepts exactly the configured secret and nothing when none is configured.
#include "fuzz_target.h"
#include "hook_check.h"
#include "hooks/gitlab.h"

namespace spur::fuzz {

int FuzzGitLabHook(const uint8_t* data, size_t size) {
  std::string_view header, body;
  SplitHook(AsText(data, size), &header, &body);
  CheckHookEvent(hooks::ParseGitLabEvent(header, "fuzz-delivery", body));
  // The first line doubles as the X-Gitlab-Token value.
  SPUR_FUZZ_CHECK(hooks::VerifyGitLabToken(kHookSecret, header).ok() == (header == kHookSecret));
  SPUR_FUZZ_CHECK(!hooks::VerifyGitLabToken("", header).ok());
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzGitLabHook)
