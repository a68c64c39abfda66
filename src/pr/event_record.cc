#include "pr/event_record.h"

namespace spur::pr {

nlohmann::json EventToJson(const hooks::PullRequestEvent& e) {
  return {{"forge", e.forge},
          {"delivery_id", e.delivery_id},
          {"repo", e.repo},
          {"number", e.number},
          {"action", hooks::PrActionName(e.action)},
          {"merged", e.merged},
          {"head_sha", e.head_sha},
          {"head_ref", e.head_ref},
          {"base_ref", e.base_ref},
          {"title", e.title},
          {"author", e.author},
          {"url", e.url},
          {"updated_at", e.updated_at}};
}

Result<hooks::PullRequestEvent> EventFromJson(const std::string& json) {
  auto j = nlohmann::json::parse(json, nullptr, false);
  if (!j.is_object()) return Internal("stored delivery is not valid JSON");
  hooks::PullRequestEvent e;
  e.forge = j.value("forge", "");
  e.delivery_id = j.value("delivery_id", "");
  e.repo = j.value("repo", "");
  e.number = j.value("number", int64_t{0});
  std::string action = j.value("action", "");
  e.action = action == "open"    ? hooks::PrAction::kOpen
             : action == "sync"  ? hooks::PrAction::kSync
             : action == "close" ? hooks::PrAction::kClose
                                 : hooks::PrAction::kIgnore;
  e.merged = j.value("merged", false);
  e.head_sha = j.value("head_sha", "");
  e.head_ref = j.value("head_ref", "");
  e.base_ref = j.value("base_ref", "");
  e.title = j.value("title", "");
  e.author = j.value("author", "");
  e.url = j.value("url", "");
  e.updated_at = j.value("updated_at", int64_t{0});
  return e;
}

}  // namespace spur::pr
