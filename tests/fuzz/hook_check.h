// Shared by the webhook targets (github_hook.cc, gitlab_hook.cc): the input
// layout and the properties every parsed event keeps.
#pragma once

#include <string_view>

#include "common/status.h"
#include "fuzz_target.h"
#include "hooks/event.h"

namespace spur::fuzz {

// The event header is the input's first line, the body the rest.
inline void SplitHook(std::string_view in, std::string_view* header, std::string_view* body) {
  size_t nl = in.find('\n');
  *header = nl == std::string_view::npos ? in : in.substr(0, nl);
  *body = nl == std::string_view::npos ? std::string_view() : in.substr(nl + 1);
}

// An event or InvalidArgument; an ignored event says why; one to act on names
// its repository, a positive number and (open/sync) the head SHA.
inline void CheckHookEvent(const Result<hooks::PullRequestEvent>& event) {
  if (!event.ok()) {
    SPUR_FUZZ_CHECK(event.status().code() == Code::kInvalidArgument);
    return;
  }
  if (event->action == hooks::PrAction::kIgnore) {
    SPUR_FUZZ_CHECK(!event->ignore_reason.empty());
    return;
  }
  SPUR_FUZZ_CHECK(!event->repo.empty() && event->number > 0);
  if (event->action != hooks::PrAction::kClose) SPUR_FUZZ_CHECK(!event->head_sha.empty());
}

inline constexpr std::string_view kHookSecret = "0123456789abcdef0123456789abcdef";

}  // namespace spur::fuzz
