#include "sync/logical.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/stopwatch.h"
#include "common/untrusted_text.h"
#include "mask/aho_corasick.h"
#include "os/fs.h"
#include "os/process.h"
#include "pg/conninfo.h"
#include "pg/schema.h"
#include "subset/closure.h"
#include "sync/copier.h"
#include "sync/early_indexes.h"
#include "sync/plan.h"
#include "sync/schema_text.h"

namespace spur::sync {
namespace {

// Text forms both sides agree on, whatever the source's defaults.
constexpr const char* kSessionSettings =
    "SET DateStyle = ISO, YMD; SET IntervalStyle = postgres; SET extra_float_digits = 3; "
    "SET client_encoding = 'UTF8'";

Result<pg::Connection> OpenSource(const std::string& url) {
  ASSIGN_OR_RETURN(pg::Connection conn, pg::Connection::Open(url));
  RETURN_IF_ERROR(conn.Exec(kSessionSettings));
  return conn;
}

// Runs a client program; its stderr's last line becomes the error.
Status RunTool(const std::vector<std::string>& argv, const os::RunOptions& opts,
               const std::string& what) {
  ASSIGN_OR_RETURN(os::RunOutput r, os::Run(argv, opts));
  if (r.exit_code == 0) return Status::Ok();
  // The server's ERROR line says what went wrong; the lines after it quote SQL.
  std::string err = r.err;
  size_t at = err.find("ERROR:");
  if (at == std::string::npos) at = err.find("error:");
  if (at != std::string::npos) {
    err = err.substr(at, err.find('\n', at) - at);
  } else {
    while (!err.empty() && err.back() == '\n') err.pop_back();
    if (auto nl = err.rfind('\n'); nl != std::string::npos) err = err.substr(nl + 1);
  }
  return Internal(what + " failed: " + err);
}

// Prints a progress line every second until stopped.
class Reporter {
 public:
  Reporter(const Progress& p, std::function<void(const std::string&)> say)
      : progress_(p), say_(std::move(say)) {
    if (say_) thread_ = std::thread([this] { Loop(); });
  }
  ~Reporter() {
    {
      std::lock_guard<std::mutex> g(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }

 private:
  void Loop() {
    std::unique_lock<std::mutex> lock(mu_);
    while (!cv_.wait_for(lock, std::chrono::seconds(1), [this] { return done_; })) {
      say_(FormatProgress(progress_, timer_.ElapsedMs() / 1000.0));
    }
  }
  const Progress& progress_;
  std::function<void(const std::string&)> say_;
  Stopwatch timer_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::thread thread_;
};

struct Phases {
  nlohmann::json seconds = nlohmann::json::object();
  Stopwatch timer;
  void Done(const char* name) { seconds[name] = timer.LapMs() / 1000.0; }
};

std::string Unparenthesized(const std::string& list) { return list.substr(1, list.size() - 2); }

// Masked tables at least this large are copied in parts (block ranges), so
// their masking runs on every stream; each part is at least kPartBytes.
constexpr int64_t kSplitBytes = 64LL << 20;
constexpr int64_t kPartBytes = 32LL << 20;
constexpr int64_t kBlockBytes = 8192;

// How many parts a table is copied in: 1 unless it is masked, large, and
// there is more than one stream; then up to two per stream.
int PartsFor(const TablePlan& tp, int jobs) {
  const int64_t heap = tp.table->heap_blocks * kBlockBytes;
  if (tp.masker == nullptr || jobs < 2 || heap < kSplitBytes) return 1;
  return static_cast<int>(std::clamp<int64_t>(heap / kPartBytes, 2, 2 * jobs));
}

Result<std::vector<CopyTask>> MakeTasks(const Plan& plan, const subset::Selection* selection,
                                        EarlyIndexes& early, std::set<std::string>& skip,
                                        int jobs) {
  std::vector<CopyTask> tasks;
  for (const auto& tp : plan.tables) {
    CopyTask task;
    task.table = tp.table->qualified;
    task.columns = tp.columns;
    task.masker = tp.masker.get();
    task.bytes_estimate = tp.table->bytes;
    const std::string key = tp.table->schema + "." + tp.table->name;
    if (selection != nullptr) {
      auto sql = selection->SelectSql(*tp.table, Unparenthesized(tp.columns));
      if (!sql) continue;
      task.source_sql = "COPY (" + *sql + ") TO STDOUT";
    } else {
      task.source_sql = "COPY " + tp.table->qualified + " " + tp.columns + " TO STDOUT";
    }
    task.after_load = std::move(early.statements[key]);
    for (const auto& entry : early.skip[key]) skip.insert(entry);
    const int parts = selection == nullptr ? PartsFor(tp, jobs) : 1;
    const std::string select =
        "SELECT " + Unparenthesized(tp.columns) + " FROM ONLY " + tp.table->qualified;
    for (CopyTask& t : SplitByBlocks(std::move(task), select, tp.table->heap_blocks, parts)) {
      tasks.push_back(std::move(t));
    }
  }
  return tasks;
}

// Extra source connections for the data phase, in the coordinator's snapshot.
Result<std::vector<pg::Connection>> OpenWorkers(const std::string& url, const std::string& snap,
                                                int count) {
  std::vector<pg::Connection> out;
  for (int i = 0; i < count; ++i) {
    ASSIGN_OR_RETURN(pg::Connection c, OpenSource(url));
    RETURN_IF_ERROR(c.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    RETURN_IF_ERROR(c.Exec("SET TRANSACTION SNAPSHOT " + c.QuoteLiteral(snap)));
    out.push_back(std::move(c));
  }
  return out;
}

// pg_dump's schema leaves materialized views empty (their data is a data
// section); fill them from the copied, masked rows. One may read another, so
// passes repeat while some succeed.
Status RefreshMaterializedViews(pg::Connection& target) {
  ASSIGN_OR_RETURN(auto rows, target.Query("SELECT format('%I.%I', schemaname, matviewname) "
                                           "FROM pg_matviews ORDER BY 1"));
  std::vector<std::string> left;
  for (const auto& r : rows) left.push_back(*r[0]);
  Status last;
  while (!left.empty()) {
    std::vector<std::string> failed;
    for (const auto& mv : left) {
      last = target.Exec("REFRESH MATERIALIZED VIEW " + mv);
      if (!last.ok()) failed.push_back(mv);
    }
    if (failed.size() == left.size()) return last.WithContext("refreshing " + failed[0]);
    left = std::move(failed);
  }
  return Status::Ok();
}

Status CopySequences(pg::Connection& source, pg::Connection& target) {
  ASSIGN_OR_RETURN(auto rows,
                   source.Query("SELECT format('%I.%I', schemaname, sequencename), last_value "
                                "FROM pg_sequences WHERE last_value IS NOT NULL"));
  std::string sql;
  for (const auto& r : rows) {
    sql += "SELECT setval(" + target.QuoteLiteral(*r[0]) + ", " + *r[1] + ", true);";
  }
  return sql.empty() ? Status::Ok() : target.Exec(sql);
}

nlohmann::json TableReport(const std::vector<CopyTask>& tasks, const subset::Selection* sel) {
  nlohmann::json out = nlohmann::json::array();
  std::map<std::string, size_t> row_of;  // a split table's parts add up in one row
  for (const auto& t : tasks) {
    if (auto it = row_of.find(t.table); it != row_of.end()) {
      out[it->second]["rows"] = out[it->second]["rows"].get<int64_t>() + t.rows;
      out[it->second]["parts"] = out[it->second].value("parts", 1) + 1;
      continue;
    }
    row_of[t.table] = out.size();
    nlohmann::json row = {{"table", t.table}, {"rows", t.rows}, {"masked", t.masker != nullptr}};
    if (sel != nullptr) {
      if (const subset::TableReport* r = sel->Find(t.table)) {
        row["reach"] = subset::ReachName(r->reach);
        if (r->requested_rows >= 0) row["requested_rows"] = r->requested_rows;
      }
    }
    out.push_back(row);
  }
  return out;
}

// A few values of each masked column (the first rows: cheap), to look for
// in the schema text.
Result<std::vector<std::string>> MaskedValues(pg::Connection& conn, const Plan& plan) {
  std::vector<std::string> out;
  for (const TablePlan& tp : plan.tables) {
    for (const ColumnRule& r : tp.rules) {
      ASSIGN_OR_RETURN(auto rows,
                       conn.Query("SELECT DISTINCT v FROM (SELECT " + QuoteIdent(r.column) +
                                  "::text AS v FROM ONLY " + tp.table->qualified + " LIMIT 20) s"));
      for (const pg::Row& row : rows) {
        // Words, not numbers or dates: those turn up in expressions by chance.
        const bool letters = row[0] && std::any_of(row[0]->begin(), row[0]->end(), [](char c) {
                               return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
                             });
        if (letters && row[0]->size() >= 6) out.push_back(*row[0]);
      }
    }
  }
  return out;
}

// Strict masking covers the schema too: text of views, functions, defaults,
// comments, indexes, checks and policies that holds personal literals or
// values of masked columns stops the sync, naming the objects, unless
// mask.yaml's `schema:` accepts them.
Status CheckSchemaText(pg::Connection& conn, const Plan& plan, const mask::MaskConfig& config) {
  ASSIGN_OR_RETURN(std::vector<SchemaText> texts, ReadSchemaText(conn));
  ASSIGN_OR_RETURN(std::vector<std::string> values, MaskedValues(conn, plan));
  const mask::AhoCorasick search(values);
  std::vector<std::string> flagged;
  for (const SchemaText& t : texts) {
    if (config.schema_keep.count(t.object) != 0) continue;
    std::vector<std::string> kinds = PersonalLiterals(t.text);
    bool value = false;
    search.Feed(t.text, mask::AhoCorasick::kStart, [&](size_t, size_t) { value = true; });
    if (value) kinds.push_back("a value of a masked column");
    if (kinds.empty()) continue;
    std::string what;
    for (const std::string& k : kinds) what += (what.empty() ? "" : ", ") + k;
    flagged.push_back(Quote(t.object, 200) + " (" + what + ")");
  }
  if (flagged.empty()) return Status::Ok();
  std::string list;
  for (size_t i = 0; i < flagged.size() && i < 10; ++i) list += (i ? ", " : "") + flagged[i];
  if (flagged.size() > 10) list += " and " + std::to_string(flagged.size() - 10) + " more";
  return FailedPrecondition(std::to_string(flagged.size()) +
                            " schema object(s) hold personal data in their text, which the sync "
                            "would copy as is: " +
                            list +
                            "; remove it in the source, or accept each after reading it with "
                            "`schema: { \"<object>\": keep }` in mask.yaml");
}

// Writes the copied rows back to disk on a thread of its own while the
// post-data and vacuum phases keep the cores busy, so that the flush before
// the swap finds little left to write. Its error is the load's error: once one
// syncfs has reported a failed write-back, a later one on the same file
// system may not report it again.
class EarlyFlush {
 public:
  explicit EarlyFlush(const std::string& path)
      : thread_([this, path] { status_ = os::SyncFilesystem(path); }) {}
  ~EarlyFlush() {
    if (thread_.joinable()) thread_.join();
  }
  [[nodiscard]] Status Wait() {
    thread_.join();
    return status_.WithContext("flushing the copied data");
  }

 private:
  Status status_;
  std::thread thread_;
};

}  // namespace

Result<nlohmann::json> LoadLogical(const LogicalOptions& o, const engine::SyncTarget& target) {
  auto say = [&](const std::string& s) {
    if (o.say) o.say(s);
  };
  Phases phases;
  ASSIGN_OR_RETURN(pg::Connection coordinator, OpenSource(o.source));
  // Not READ ONLY: a subset's closure lives in temp tables of this session.
  RETURN_IF_ERROR(coordinator.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ"));
  ASSIGN_OR_RETURN(std::string snap, coordinator.QueryValue("SELECT pg_export_snapshot()"));
  ASSIGN_OR_RETURN(pg::Schema schema, pg::ReadSchema(coordinator));
  if (o.mask != nullptr) {
    auto unruled = FindUnruledColumns(schema, *o.mask);
    if (!unruled.empty()) {
      return FailedPrecondition(
          std::to_string(unruled.size()) +
          " column(s) have no mask rule (strict: " + mask::StrictnessName(o.mask->strict) +
          "): " + DescribeUnruled(unruled) + "; " + o.unruled_hint);
    }
  }
  ASSIGN_OR_RETURN(Plan plan, BuildPlan(schema, o.mask, o.key));
  if (o.mask != nullptr && o.mask->strict != mask::Strictness::kOff) {
    RETURN_IF_ERROR(CheckSchemaText(coordinator, plan, *o.mask));
  }

  say("schema: dumping and restoring the pre-data section");
  ASSIGN_OR_RETURN(pg::ServiceFile service,
                   pg::ServiceFile::Write(o.work_dir + "/source.conf", o.source));
  const std::string dump = o.work_dir + "/schema.dump";
  os::RunOptions source_env;
  source_env.env.insert(service.env());
  RETURN_IF_ERROR(RunTool(
      {o.installation.Binary("pg_dump"), "-d", pg::ServiceFile::dsn(), "--schema-only", "-Fc", "-f",
       dump, "--snapshot=" + snap, "--no-owner", "--no-privileges", "--no-publications",
       "--no-subscriptions", "--no-tablespaces", "--no-security-labels"},
      source_env, "pg_dump of the source schema"));
  const std::string target_db = target.branch.database;
  std::vector<std::string> restore = {o.installation.Binary("pg_restore"),
                                      "-h",
                                      target.spec.socket_dir,
                                      "-p",
                                      std::to_string(target.spec.port),
                                      "-U",
                                      target.branch.role,
                                      "-d",
                                      target_db,
                                      "--no-owner",
                                      "--no-privileges",
                                      "--exit-on-error"};
  auto section = [&](const std::string& name, int jobs, const std::string& list) {
    std::vector<std::string> argv = restore;
    argv.push_back("--section=" + name);
    if (!list.empty()) argv.push_back("--use-list=" + list);
    if (jobs > 1) argv.push_back("--jobs=" + std::to_string(jobs));
    argv.push_back(dump);
    return RunTool(argv, {}, "restoring the " + name + " section");
  };
  RETURN_IF_ERROR(section("pre-data", 1, ""));
  phases.Done("schema");

  std::unique_ptr<subset::Selection> selection;
  if (o.subset != nullptr) {
    say("subset: computing the foreign-key closure in the source");
    ASSIGN_OR_RETURN(subset::Selection sel, subset::ComputeClosure(coordinator, schema, *o.subset));
    selection = std::make_unique<subset::Selection>(std::move(sel));
    phases.Done("subset");
  }
  ASSIGN_OR_RETURN(EarlyIndexes early, PlanEarlyIndexes(coordinator, schema));
  std::set<std::string> skip;  // built early, so left out of the post-data restore
  ASSIGN_OR_RETURN(std::vector<CopyTask> tasks,
                   MakeTasks(plan, selection.get(), early, skip, o.jobs));
  std::vector<pg::Connection> workers;
  std::vector<pg::Connection*> sources = {&coordinator};
  if (selection == nullptr && o.jobs > 1) {
    // A subset's closure lives in the coordinator's temp tables; only a full
    // copy can read through several connections.
    ASSIGN_OR_RETURN(workers, OpenWorkers(o.source, snap, o.jobs - 1));
    for (auto& w : workers) sources.push_back(&w);
  }
  Progress progress;
  std::set<std::string> tables;
  for (const CopyTask& t : tasks) tables.insert(t.table);
  progress.tables_total = static_cast<int64_t>(tables.size());
  for (const auto& t : tasks) progress.bytes_estimate += t.bytes_estimate;
  say("data: copying " + std::to_string(tables.size()) + " tables with " +
      std::to_string(sources.size()) + " stream(s)");
  {
    Reporter reporter(progress, o.say);
    RETURN_IF_ERROR(CopyTables(tasks, sources, target.Conninfo(target_db), progress));
  }
  {
    ASSIGN_OR_RETURN(pg::Connection t, pg::Connection::Open(target.Conninfo(target_db)));
    RETURN_IF_ERROR(CopySequences(coordinator, t));
  }
  for (auto& w : workers) w.Exec("COMMIT").IgnoreError();
  coordinator.Exec("ROLLBACK").IgnoreError();
  say(FormatProgress(progress, phases.timer.ElapsedMs() / 1000.0));
  phases.Done("data");

  EarlyFlush flush(target.spec.pgdata);
  say("indexes and constraints: restoring the post-data section");
  // Keys and indexes built during the copy are left out of the restore list.
  ASSIGN_OR_RETURN(os::RunOutput toc,
                   os::Run({o.installation.Binary("pg_restore"), "--list", dump}));
  if (toc.exit_code != 0) return Internal("pg_restore --list failed: " + toc.err);
  const std::string list = o.work_dir + "/post-data.list";
  RETURN_IF_ERROR(os::WriteFileAtomic(list, FilterRestoreList(toc.out, skip), 0600));
  RETURN_IF_ERROR(section("post-data", o.jobs, list));
  {
    ASSIGN_OR_RETURN(pg::Connection t, pg::Connection::Open(target.Conninfo(target_db)));
    RETURN_IF_ERROR(RefreshMaterializedViews(t));
  }
  phases.Done("post_data");
  say("vacuum: freezing and analysing");
  RETURN_IF_ERROR(
      RunTool({o.installation.Binary("vacuumdb"), "-h", target.spec.socket_dir, "-p",
               std::to_string(target.spec.port), "-U", pg::kSuperuser, "-d", target_db, "--freeze",
               "--analyze", "--quiet", "--jobs=" + std::to_string(std::max(1, o.jobs))},
              {}, "vacuumdb"));
  phases.Done("vacuum");
  RETURN_IF_ERROR(flush.Wait());
  return nlohmann::json{{"tables", TableReport(tasks, selection.get())},
                        {"rows", progress.rows.load()},
                        {"bytes", progress.bytes.load()},
                        {"mask", plan.mask},
                        {"strict", o.mask ? mask::StrictnessName(o.mask->strict) : "off"},
                        {"mask_config", o.mask ? o.mask->ToJson() : nlohmann::json()},
                        {"seconds", phases.seconds}};
}

}  // namespace spur::sync
