#include "sync/runner.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <ctime>
#include <thread>

#include "audit/log.h"
#include "common/crash_point.h"
#include "common/names.h"
#include "common/untrusted_text.h"
#include "engine/sources.h"
#include "os/fs.h"
#include "subset/config.h"
#include "sync/logical.h"

namespace spur::sync {
namespace {

std::string SnapshotName(const std::string& source, int64_t now) {
  std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d-%H%M%S", &tm);
  return source.substr(0, 40) + "-" + buf;
}

// Two syncs in one second get "-2", "-3"...
std::string FreeSnapshotName(engine::Pool& pool, const std::string& source) {
  const std::string base = SnapshotName(source, pool.clock().NowSeconds());
  std::string name = base;
  for (int i = 2; pool.store().GetSnapshot(name).ok(); ++i) name = base + "-" + std::to_string(i);
  return name;
}

void Audit(const engine::Layout& layout, const SyncRequest& r, int64_t now,
           const std::string& result, const nlohmann::json& detail) {
  auto log = audit::AuditLog::Open(layout.audit_log());
  if (!log.ok()) return;
  audit::AuditRecord rec;
  rec.time = now;
  rec.actor = r.actor;
  rec.action = "sync";
  rec.target = r.into;
  rec.result = result;
  rec.detail = detail;
  auto st = log->Append(rec);
  if (!st.ok()) spdlog::error("audit log: {}", st.status().message());
}

struct Inputs {
  catalog::Source source;
  std::unique_ptr<mask::MaskConfig> mask;
  std::unique_ptr<subset::SubsetConfig> subset;
  mask::MaskKey key;
};

Result<Inputs> ReadInputs(const SyncRequest& r, const engine::Layout& layout, engine::Pool& pool) {
  Inputs in;
  RETURN_IF_ERROR(ValidateName("source", r.source));
  ASSIGN_OR_RETURN(in.source, pool.store().GetSource(r.source));
  if (in.source.mode == "physical") {
    if (!r.mask_path.empty() || !r.subset_path.empty()) {
      return FailedPrecondition(
          "source \"" + r.source +
          "\" is physical: its files are copied as they are, so they cannot be masked or "
          "subset; add the database again as a logical source for masked data");
    }
    return in;
  }
  if (r.no_mask && !r.mask_path.empty()) {
    return InvalidArgument("pass --mask or --no-mask, not both");
  }
  std::optional<mask::Strictness> strict;
  if (!r.strict.empty()) {
    strict = mask::StrictnessFromName(r.strict);
    if (!strict) {
      return InvalidArgument("--strict " + Quote(r.strict) + " is not all, guess or off");
    }
    if (r.mask_path.empty()) return InvalidArgument("--strict applies to a --mask file; pass one");
  }
  if (!r.mask_path.empty()) {
    ASSIGN_OR_RETURN(auto config, mask::LoadMaskConfig(r.mask_path));
    if (strict) config.strict = *strict;
    in.mask = std::make_unique<mask::MaskConfig>(std::move(config));
  } else if (!r.no_mask) {
    in.mask = std::make_unique<mask::MaskConfig>();  // strict and empty: refuses every column
  }
  if (!r.subset_path.empty()) {
    ASSIGN_OR_RETURN(std::string text, os::ReadFile(r.subset_path));
    ASSIGN_OR_RETURN(auto config, subset::ParseSubsetConfig(text));
    in.subset = std::make_unique<subset::SubsetConfig>(std::move(config));
  }
  ASSIGN_OR_RETURN(in.key, LoadMaskKey(layout, r.key_file));
  return in;
}

int DefaultJobs() {
  unsigned n = std::thread::hardware_concurrency();
  return n < 2 ? 2 : static_cast<int>(n);
}

}  // namespace

std::string ScheduleOptions(const SyncRequest& r) {
  return nlohmann::json{{"mask", r.mask_path}, {"subset", r.subset_path}, {"no_mask", r.no_mask},
                        {"jobs", r.jobs},      {"key_file", r.key_file},  {"strict", r.strict}}
      .dump();
}

SyncRequest RequestFromSchedule(const catalog::SyncSchedule& s) {
  SyncRequest r;
  r.source = s.source;
  r.into = s.branch;
  r.actor = "schedule";
  auto o = nlohmann::json::parse(s.options, nullptr, false);
  if (o.is_object()) {
    r.mask_path = o.value("mask", "");
    r.subset_path = o.value("subset", "");
    r.no_mask = o.value("no_mask", false);
    r.jobs = o.value("jobs", 0);
    r.key_file = o.value("key_file", "");
    r.strict = o.value("strict", "");
  }
  return r;
}

Result<mask::MaskKey> LoadMaskKey(const engine::Layout& layout, const std::string& key_file) {
  const std::string path = key_file.empty() ? layout.root + "/mask.key" : key_file;
  if (!os::PathExists(path)) {
    if (!key_file.empty()) return NotFound("no key file " + key_file);
    ASSIGN_OR_RETURN(mask::MaskKey fresh, mask::MaskKey::Generate());
    RETURN_IF_ERROR(os::WriteFileAtomic(path, fresh.ToHex() + "\n", 0600));
    spdlog::info("created the pool's masking key {} (keep a copy: masked values depend on it)",
                 path);
  }
  ASSIGN_OR_RETURN(std::string text, os::ReadFile(path));
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  auto key = mask::MaskKey::FromHex(text);
  if (!key.ok()) return InvalidArgument("key file " + path + " must hold 64 hex characters");
  return key;
}

namespace {

// A physical source: the branch becomes (or already is) its streaming
// standby; every run ends with a snapshot of it.
Result<catalog::SyncRun> RunPhysical(const SyncRequest& r, const engine::Layout& layout,
                                     const WithPool& with_pool,
                                     const std::function<void(const std::string&)>& say,
                                     const catalog::Source& source) {
  engine::SyncTarget target;
  catalog::SyncRun run;
  pg::Installation installation;
  bool following = false;
  RETURN_IF_ERROR(with_pool([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(catalog::Branch b, pool.store().GetBranch(r.into));
    ASSIGN_OR_RETURN(auto last, pool.store().LastDoneSyncRun(r.into));
    following = last && last->mode == "physical" && last->source == r.source &&
                pg::IsStandby(pool.layout().BranchData(b.id));
    installation = pool.installation();
    if (!following) {
      ASSIGN_OR_RETURN(target, pool.BeginStandbySync(r.into, source.url));
    }
    run = {0, r.source, r.into, "physical", "running", pool.clock().NowSeconds()};
    return pool.store().InsertSyncRun(run);
  }));
  Audit(layout, r, run.started_at, "started", {{"source", r.source}, {"masked", false}});
  Status loaded;
  if (!following) {
    if (say) say("copying the source with pg_basebackup; the branch will follow it as a standby");
    loaded = engine::StandbyBackup(source.url, target.spec.pgdata, installation, target.run_as);
    if (loaded.ok()) {
      auto settings = engine::StandbySettings(target.spec.pgdata, installation, target.run_as);
      if (settings.ok()) target.standby_settings = *settings;
      loaded = settings.status();
    }
  } else if (say) {
    say("branch \"" + r.into + "\" already follows " + r.source + "; taking a snapshot of it");
  }
  Result<catalog::Snapshot> snap = loaded;
  RETURN_IF_ERROR(with_pool([&](engine::Pool& pool) -> Status {
    const std::string name = FreeSnapshotName(pool, r.source);
    if (loaded.ok()) {
      snap = following ? pool.CreateSnapshot(r.into, name) : pool.FinishSync(target, name);
    }
    if (!snap.ok() && !following) pool.AbortSync(target);
    run.finished_at = pool.clock().NowSeconds();
    run.state = snap.ok() ? "done" : "failed";
    if (snap.ok()) run.snapshot = snap->name;
    if (!snap.ok()) run.error = snap.status().message();
    run.report = nlohmann::json{{"mode", "physical"}, {"followed", following}}.dump();
    return pool.store().UpdateSyncRun(run);
  }));
  const int64_t at = run.finished_at.value_or(run.started_at);
  if (!snap.ok()) {
    Audit(layout, r, at, "error: " + snap.status().message(), {{"source", r.source}});
    return snap.status().WithContext("sync of \"" + r.source + "\" into \"" + r.into + "\"");
  }
  Audit(layout, r, at, "ok", {{"source", r.source}, {"snapshot", run.snapshot}});
  return run;
}

}  // namespace

Result<catalog::SyncRun> RunSync(const SyncRequest& r, const engine::Layout& layout,
                                 const WithPool& with_pool,
                                 const std::function<void(const std::string&)>& say) {
  catalog::Source source;
  RETURN_IF_ERROR(with_pool([&](engine::Pool& pool) -> Status {
    RETURN_IF_ERROR(ValidateName("source", r.source));
    ASSIGN_OR_RETURN(source, pool.store().GetSource(r.source));
    return Status::Ok();
  }));
  if (source.mode == "physical") {
    RETURN_IF_ERROR(
        with_pool([&](engine::Pool& pool) { return ReadInputs(r, layout, pool).status(); }));
    return RunPhysical(r, layout, with_pool, say, source);
  }
  Inputs in;
  engine::SyncTarget target;
  catalog::SyncRun run;
  pg::Installation installation;
  RETURN_IF_ERROR(with_pool([&](engine::Pool& pool) -> Status {
    ASSIGN_OR_RETURN(in, ReadInputs(r, layout, pool));
    installation = pool.installation();
    ASSIGN_OR_RETURN(target, pool.BeginSync(r.into));
    run.source = r.source;
    run.branch = r.into;
    run.mode = "logical";
    run.state = "running";
    run.started_at = pool.clock().NowSeconds();
    run.masked = in.mask != nullptr;
    Status st = pool.store().InsertSyncRun(run);
    if (!st.ok()) pool.AbortSync(target);
    return st;
  }));
  Audit(layout, r, run.started_at, "started", {{"source", r.source}, {"masked", run.masked}});
  const std::string work = layout.run() + "/sync-" + std::to_string(target.branch.id) + ".work";
  LogicalOptions o;
  o.source = in.source.url;
  o.mask = in.mask.get();
  o.subset = in.subset.get();
  o.key = in.key;
  o.jobs = r.jobs > 0 ? r.jobs : DefaultJobs();
  if (r.mask_path.empty()) {
    o.unruled_hint = "pass --mask mask.yaml with a rule for each (`spur mask init --source " +
                     r.source + "` writes a first one), or --no-mask for an unmasked internal copy";
  }
  o.work_dir = work;
  o.installation = installation;
  o.say = say;
  Result<nlohmann::json> report = [&]() -> Result<nlohmann::json> {
    os::RemoveTree(work).IgnoreError();
    RETURN_IF_ERROR(os::MakeDirs(work, 0700));
    return LoadLogical(o, target);
  }();
  os::RemoveTree(work).IgnoreError();
  CrashPoint("sync.after_load");
  Result<catalog::Snapshot> snap = report.status();
  Status finished = with_pool([&](engine::Pool& pool) -> Status {
    if (report.ok()) {
      if (say) say("swapping the new data into branch \"" + r.into + "\"");
      snap = pool.FinishSync(target, FreeSnapshotName(pool, r.source));
    }
    if (!snap.ok()) pool.AbortSync(target);
    run.finished_at = pool.clock().NowSeconds();
    run.state = snap.ok() ? "done" : "failed";
    if (snap.ok()) run.snapshot = snap->name;
    if (report.ok()) {
      run.mask = (*report)["mask"].dump();
      run.report = report->dump();
    }
    if (!snap.ok()) run.error = snap.status().message();
    return pool.store().UpdateSyncRun(run);
  });
  const int64_t at = run.finished_at.value_or(run.started_at);
  if (!snap.ok()) {
    Audit(layout, r, at, "error: " + snap.status().message(), {{"source", r.source}});
    return snap.status().WithContext("sync of \"" + r.source + "\" into \"" + r.into + "\"");
  }
  Audit(layout, r, at, "ok", {{"source", r.source}, {"snapshot", run.snapshot}});
  RETURN_IF_ERROR(finished);
  return run;
}

}  // namespace spur::sync
