// A pull-request event as spur stores it: the JSON kept in a webhook
// delivery's row (replayed by the delivery worker after a restart) and in the
// "started" audit record of every PR action.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "hooks/event.h"

namespace spur::pr {

// Every field of `event`; the action by its name (hooks::PrActionName).
nlohmann::json EventToJson(const hooks::PullRequestEvent& event);

// The event EventToJson stored. Internal when `json` is not a JSON object;
// missing fields take their defaults, an unknown action is kIgnore.
Result<hooks::PullRequestEvent> EventFromJson(const std::string& json);

}  // namespace spur::pr
