// JSON shapes of the API's resources (documented in docs/api.yaml).
#pragma once

#include <nlohmann/json.hpp>

#include "catalog/records.h"
#include "engine/pool.h"

namespace spur::api {

// `show_password`: the URI carries the password; otherwise it is left out
// and "password_hidden" is true.
nlohmann::json BranchJson(const engine::Pool& pool, const engine::BranchInfo& info,
                          bool show_password, int64_t now);
nlohmann::json SnapshotJson(const catalog::Snapshot& snapshot);
nlohmann::json TokenJson(const catalog::Token& token);
nlohmann::json QuotaJson(const catalog::Quota& quota);
nlohmann::json ScheduleJson(const catalog::Schedule& schedule);
nlohmann::json DeliveryJson(const catalog::Delivery& delivery);
nlohmann::json JsonOrNull(const std::optional<int64_t>& v);

}  // namespace spur::api
