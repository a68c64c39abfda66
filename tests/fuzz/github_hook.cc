// GitHub webhook deliveries (hooks/github.h): X-GitHub-Event on the first
// line, the body after it. The parser runs on what any peer sends once the
// signature passed; the signature check runs on everything. Properties: see
// hook_check.h; a wrong or unconfigured signature never verifies.
#include "fuzz_target.h"
#include "hook_check.h"
#include "hooks/github.h"

namespace spur::fuzz {

int FuzzGitHubHook(const uint8_t* data, size_t size) {
  std::string_view header, body;
  SplitHook(AsText(data, size), &header, &body);
  CheckHookEvent(hooks::ParseGitHubEvent(header, "fuzz-delivery", body));
  // The first line doubles as the X-Hub-Signature-256 value: never right.
  SPUR_FUZZ_CHECK(!hooks::VerifyGitHubSignature(kHookSecret, body, header).ok());
  SPUR_FUZZ_CHECK(!hooks::VerifyGitHubSignature("", body, header).ok());
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzGitHubHook)
