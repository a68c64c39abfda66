// Administration: /tokens, /quotas, /schedules, /config, /audit.
#include <charconv>
#include <cstdint>
#include <optional>

#include "api/auth.h"
#include "api/body.h"
#include "api/service.h"
#include "api/views.h"
#include "common/cron.h"
#include "common/names.h"
#include "engine/options.h"

namespace spur::api {
namespace {

// A chain verifies on its own even when records were cut off its end or it
// was rewritten with fresh hashes. A head kept elsewhere ("SEQ:HASH", from an
// earlier verify) catches both: that record must still be there, unchanged.
Status CheckKeptHead(audit::AuditLog& log, const std::string& expect, audit::VerifyReport& report) {
  auto colon = expect.find(':');
  int64_t seq = 0;
  try {
    seq = colon == std::string::npos ? 0 : std::stoll(expect.substr(0, colon));
  } catch (const std::exception&) {
  }
  if (seq <= 0 || expect.size() - colon - 1 != 64) {
    return InvalidArgument(
        "--expect takes SEQ:HASH as printed by an earlier `spur audit --verify`");
  }
  std::string hash = expect.substr(colon + 1);
  std::optional<std::string> found;  // the hash of record `seq`
  audit::AuditFilter f;
  f.before = seq < INT64_MAX ? seq + 1 : seq;
  f.limit = 1;
  RETURN_IF_ERROR(log.Scan(f, [&](const audit::AuditRecord& r) {
    if (r.seq == seq) found = r.hash;
    return false;
  }));
  if (found && *found == hash) return Status::Ok();
  if (found) {
    report.ok = false;
    report.first_bad_seq = seq;
    report.problem = "record " + std::to_string(seq) +
                     " differs from the head you kept: the chain was rewritten";
    return Status::Ok();
  }
  report.ok = false;
  report.first_bad_seq = seq;
  report.problem = "record " + std::to_string(seq) + " is gone: the log ends at record " +
                   std::to_string(report.records) + " (records were cut off its end)";
  return Status::Ok();
}

constexpr int64_t kAuditDefaultLimit = 50;
constexpr int64_t kAuditMaxLimit = 1000;

// Query parameter `key` of GET /audit: a whole number from 1 to `max`;
// `fallback` when absent.
Result<int64_t> AuditQueryNumber(const Call& call, const char* key, int64_t fallback, int64_t max) {
  auto it = call.query.find(key);
  if (it == call.query.end()) return fallback;
  const std::string& text = it->second;
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || v < 1 || v > max) {
    return InvalidArgument(std::string(key) + " must be a whole number from 1 to " +
                           std::to_string(max) + "; page back with before=SEQ for older records");
  }
  return v;
}

}  // namespace

Result<Reply> Service::ListTokens(const Call&, const Principal&, const Params&) {
  nlohmann::json arr = nlohmann::json::array();
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto tokens, pool.store().ListTokens());
    for (const auto& t : tokens) arr.push_back(TokenJson(t));
    return Status::Ok();
  }));
  return JsonReply(arr);
}

Result<Reply> Service::CreateToken(const Call& call, const Principal&, const Params&) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"role", "owner", "note", "repos"}));
  ASSIGN_OR_RETURN(auto role_text, ReqString(call.body, "role"));
  ASSIGN_OR_RETURN(Role role, RoleFrom(role_text));
  ASSIGN_OR_RETURN(auto owner, ReqString(call.body, "owner"));
  ASSIGN_OR_RETURN(auto note, OptString(call.body, "note"));
  ASSIGN_OR_RETURN(auto repos, OptStringList(call.body, "repos", 20));
  nlohmann::json out;
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto t, api::CreateToken(pool.store(), role, owner, note.value_or(""),
                                              pool.clock().NowSeconds(),
                                              repos.value_or(std::vector<std::string>{})));
    out = TokenJson(t.record);
    out["token"] = t.secret;
    return Status::Ok();
  }));
  return JsonReply(out, 201);
}

Result<Reply> Service::RevokeToken(const Call&, const Principal&, const Params& p) {
  int64_t id = 0;
  try {
    id = std::stoll(p.at("id"));
  } catch (const std::exception&) {
    return InvalidArgument("token id must be a number; `spur token list` shows them");
  }
  RETURN_IF_ERROR(pool_.With(
      [&](engine::Pool& pool) { return pool.store().RevokeToken(id, pool.clock().NowSeconds()); }));
  return JsonReply({{"revoked", id}});
}

Result<Reply> Service::ListQuotas(const Call&, const Principal&, const Params&) {
  nlohmann::json arr = nlohmann::json::array();
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto quotas, pool.store().ListQuotas());
    for (const auto& q : quotas) arr.push_back(QuotaJson(q));
    return Status::Ok();
  }));
  return JsonReply(arr);
}

Result<Reply> Service::PutQuota(const Call& call, const Principal&, const Params&) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"owner", "max_branches", "max_bytes"}));
  catalog::Quota q;
  ASSIGN_OR_RETURN(auto owner, OptString(call.body, "owner"));
  // Owners as tokens and PR branches hold them ("Alice" is alice), or no quota ever applies.
  if (owner && !owner->empty()) {
    ASSIGN_OR_RETURN(q.owner, OwnerName(*owner));
  }
  ASSIGN_OR_RETURN(q.max_branches, OptInt(call.body, "max_branches", 0, engine::kMaxQuotaBranches));
  ASSIGN_OR_RETURN(q.max_bytes, OptSize(call.body, "max_bytes"));
  if (!q.max_branches && !q.max_bytes) {
    return InvalidArgument("give --max-branches and/or --max-bytes");
  }
  if (q.max_branches && *q.max_branches < 0) return InvalidArgument("max_branches must be >= 0");
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) { return pool.store().PutQuota(q); }));
  return JsonReply(QuotaJson(q));
}

Result<Reply> Service::DeleteQuota(const Call& call, const Principal&, const Params&) {
  std::string owner = call.query.count("owner") ? call.query.at("owner") : "";
  if (!owner.empty()) {
    ASSIGN_OR_RETURN(owner, OwnerName(owner));
  }
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) { return pool.store().DeleteQuota(owner); }));
  return JsonReply({{"deleted", owner.empty() ? "pool" : owner}});
}

Result<Reply> Service::ListSchedules(const Call&, const Principal&, const Params&) {
  nlohmann::json arr = nlohmann::json::array();
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto list, pool.store().ListSchedules());
    for (const auto& s : list) arr.push_back(ScheduleJson(s));
    return Status::Ok();
  }));
  return JsonReply(arr);
}

Result<Reply> Service::PutSchedule(const Call& call, const Principal&, const Params& p) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"label", "stop", "start"}));
  catalog::Schedule s;
  s.name = p.at("name");
  RETURN_IF_ERROR(ValidateName("schedule", s.name));
  ASSIGN_OR_RETURN(s.label, ReqString(call.body, "label"));
  RETURN_IF_ERROR(engine::ParseLabels({s.label}).status());
  ASSIGN_OR_RETURN(s.stop_cron, ReqString(call.body, "stop"));
  ASSIGN_OR_RETURN(s.start_cron, ReqString(call.body, "start"));
  RETURN_IF_ERROR(CronExpr::Parse(s.stop_cron).status().WithContext("--stop"));
  RETURN_IF_ERROR(CronExpr::Parse(s.start_cron).status().WithContext("--start"));
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) {
    s.created_at = pool.clock().NowSeconds();
    return pool.store().PutSchedule(s);
  }));
  return JsonReply(ScheduleJson(s));
}

Result<Reply> Service::DeleteSchedule(const Call&, const Principal&, const Params& p) {
  RETURN_IF_ERROR(
      pool_.With([&](engine::Pool& pool) { return pool.store().DeleteSchedule(p.at("name")); }));
  return JsonReply({{"deleted", p.at("name")}});
}

Result<Reply> Service::ListConfig(const Call&, const Principal&, const Params&) {
  nlohmann::json arr = nlohmann::json::array();
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto list, engine::ListOptions(pool.store()));
    const engine::PoolConfig& c = pool.config();
    arr.push_back(
        {{"key", "listen_addresses"},
         {"value", c.listen_addresses},
         {"default", c.listen_addresses == "127.0.0.1"},
         {"description", "where branch postgres listens (from each branch's next start)"}});
    arr.push_back({{"key", "advertise_host"},
                   {"value", c.advertise_host},
                   {"default", c.advertise_host == "127.0.0.1"},
                   {"description", "the host printed URIs and the PR comment name"}});
    for (const auto& o : list) {
      arr.push_back({{"key", o.key},
                     {"value", o.value},
                     {"default", o.is_default},
                     {"description", o.description}});
    }
    return Status::Ok();
  }));
  return JsonReply(arr);
}

Result<Reply> Service::SetConfig(const Call& call, const Principal&, const Params& p) {
  RETURN_IF_ERROR(OnlyKeys(call.body, {"value"}));
  ASSIGN_OR_RETURN(auto value, ReqString(call.body, "value"));
  if (p.at("key") == "listen_addresses" || p.at("key") == "advertise_host") {
    std::vector<std::string> running;
    RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
      ASSIGN_OR_RETURN(running, pool.SetAddress(p.at("key"), value));
      return Status::Ok();
    }));
    return JsonReply({{"key", p.at("key")}, {"value", value}, {"restart_to_apply", running}});
  }
  RETURN_IF_ERROR(pool_.With([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(auto before, engine::LoadOptions(pool.store()));
    RETURN_IF_ERROR(engine::SetOption(pool.store(), p.at("key"), value));
    ASSIGN_OR_RETURN(auto after, engine::LoadOptions(pool.store()));
    // Use was not watched while idle suspend was off: start counting now.
    if (before.idle_suspend == 0 && after.idle_suspend > 0) return pool.RestartIdleClocks();
    return Status::Ok();
  }));
  return JsonReply({{"key", p.at("key")}, {"value", value}});
}

// GET /audit?limit=N&actor=A&action=PREFIX&target=T&verify=1
Result<Reply> Service::ListAudit(const Call& call, const Principal&, const Params&) {
  if (QueryFlag(call.query, "verify")) {
    ASSIGN_OR_RETURN(auto report, audit_.Verify());
    if (report.ok && call.query.count("expect")) {
      RETURN_IF_ERROR(CheckKeptHead(audit_, call.query.at("expect"), report));
    }
    return JsonReply({{"ok", report.ok},
                      {"records", report.records},
                      {"first_bad_seq", JsonOrNull(report.first_bad_seq)},
                      {"problem", report.problem},
                      {"torn_tail", report.torn_tail},
                      {"head", std::to_string(report.records) + ":" + report.last_hash}});
  }
  audit::AuditFilter f;
  auto q = [&](const char* k) { return call.query.count(k) ? call.query.at(k) : std::string(); };
  f.actor = q("actor");
  f.action = q("action");
  f.target = q("target");
  ASSIGN_OR_RETURN(int64_t limit,
                   AuditQueryNumber(call, "limit", kAuditDefaultLimit, kAuditMaxLimit));
  f.limit = static_cast<size_t>(limit);
  if (call.query.count("before")) {
    ASSIGN_OR_RETURN(f.before, AuditQueryNumber(call, "before", 0, INT64_MAX));
  }
  // Newest first from the end of the file, at most `limit` records of at most
  // a few KiB each; answered oldest first.
  std::vector<audit::AuditRecord> records;
  RETURN_IF_ERROR(audit_.Scan(f, [&](const audit::AuditRecord& r) {
    records.push_back(r);
    return true;
  }));
  nlohmann::json arr = nlohmann::json::array();
  for (auto r = records.rbegin(); r != records.rend(); ++r) {
    arr.push_back({{"seq", r->seq},
                   {"time", r->time},
                   {"actor", r->actor},
                   {"action", r->action},
                   {"target", r->target},
                   {"result", r->result},
                   {"detail", r->detail},
                   {"hash", r->hash}});
  }
  return JsonReply(arr);
}

}  // namespace spur::api
