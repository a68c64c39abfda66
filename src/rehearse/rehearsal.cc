#include "rehearse/rehearsal.h"

#include <libpq-fe.h>

#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "pg/conn.h"
#include "pg/instance.h"
#include "rehearse/relations.h"

namespace spur::rehearse {
namespace {

double Ms(Clock::duration d) { return std::chrono::duration<double, std::milli>(d).count(); }

// What the catalog says beyond relations: names of invalid indexes, NOT VALID
// constraints and every user column, read before and after.
struct CatalogFacts {
  std::set<std::string> invalid_indexes, unvalidated_constraints;
  // (table oid, attnum) -> column name: a renamed column keeps its number,
  // a dropped one leaves it (attisdropped).
  std::map<std::pair<int64_t, int64_t>, std::string> columns;
};

Result<CatalogFacts> ReadCatalogFacts(pg::Connection& conn) {
  CatalogFacts f;
  ASSIGN_OR_RETURN(auto idx, conn.Query("SELECT indexrelid::regclass::text FROM pg_index "
                                        "WHERE NOT indisvalid AND indexrelid >= 16384"));
  for (const pg::Row& r : idx) f.invalid_indexes.insert(r[0].value_or(""));
  ASSIGN_OR_RETURN(auto con, conn.Query("SELECT conrelid::regclass::text || ' ' || "
                                        "quote_ident(conname) FROM pg_constraint "
                                        "WHERE NOT convalidated AND oid >= 16384"));
  for (const pg::Row& r : con) f.unvalidated_constraints.insert(r[0].value_or(""));
  ASSIGN_OR_RETURN(auto cols,
                   conn.Query("SELECT a.attrelid, a.attnum, quote_ident(a.attname) "
                              "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
                              "WHERE c.relkind IN ('r','p','m') AND c.oid >= 16384 "
                              "AND a.attnum > 0 AND NOT a.attisdropped"));
  for (const pg::Row& r : cols) {
    f.columns.emplace(std::make_pair(std::strtoll(r[0].value_or("0").c_str(), nullptr, 10),
                                     std::strtoll(r[1].value_or("0").c_str(), nullptr, 10)),
                      r[2].value_or(""));
  }
  return f;
}

// Relation locks this connection's own backend holds now.
Result<std::vector<LockSpan>> OwnLocks(pg::Connection& conn) {
  ASSIGN_OR_RETURN(auto rows, conn.Query("SELECT l.relation, l.mode, l.relation::regclass::text, "
                                         "l.virtualtransaction "
                                         "FROM pg_locks l WHERE l.pid = pg_backend_pid() "
                                         "AND l.locktype = 'relation' AND l.granted "
                                         "AND l.relation >= 16384"));
  std::vector<LockSpan> out;
  for (const pg::Row& r : rows) {
    LockSpan s;
    s.oid = std::strtoll(r[0].value_or("0").c_str(), nullptr, 10);
    s.mode = r[1].value_or("");
    s.relation = r[2].value_or("");
    s.transaction = r[3].value_or("");
    out.push_back(std::move(s));
  }
  return out;
}

bool IsToast(const std::string& name) { return name.rfind("pg_toast.", 0) == 0; }

bool HadData(const RelationState& r) { return r.rows > 0 || (r.rows < 0 && r.bytes > 0); }

// Storage changes between two readings: rewrites (same oid, new file),
// creations, drops and size changes of relations that have storage.
std::vector<RelationChange> Changes(const Relations& before, const Relations& after,
                                    bool rewrites_only) {
  std::vector<RelationChange> out;
  for (const auto& [oid, a] : after) {
    auto b = before.find(oid);
    RelationChange c{a.name, KindName(a.kind), -1, a.bytes, false, -1};
    if (b != before.end()) {
      c.bytes_before = b->second.bytes;
      c.rows_before = b->second.rows;
      c.rewritten = b->second.filenode != a.filenode && a.filenode != 0;
      if (!c.rewritten && (rewrites_only || c.bytes_before == c.bytes_after)) continue;
    } else if (rewrites_only || a.filenode == 0 || IsToast(a.name)) {
      continue;  // a rewrite's new TOAST table is part of the rewrite
    }
    out.push_back(std::move(c));
  }
  if (rewrites_only) return out;
  for (const auto& [oid, b] : before) {
    if (after.count(oid) || b.filenode == 0 || IsToast(b.name)) continue;
    out.push_back(RelationChange{b.name, KindName(b.kind), b.bytes, -1, false, b.rows});
  }
  return out;
}

// Cancels the migration's statement once `deadline` passes, until Done().
class Watchdog {
 public:
  Watchdog(PGconn* conn, Clock::time_point deadline)
      : cancel_(PQgetCancel(conn)), thread_([this, deadline] { Wait(deadline); }) {}
  ~Watchdog() {
    Done();
    if (cancel_) PQfreeCancel(cancel_);
  }
  void Done() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    if (thread_.joinable()) thread_.join();
  }
  bool fired() const { return fired_; }

 private:
  void Wait(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!done_) {
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && !done_) {
        fired_ = true;
        char err[256];
        if (cancel_) PQcancel(cancel_, err, sizeof err);
        deadline = Clock::now() + std::chrono::seconds(1);  // again, if it is still running
      }
    }
  }

  PGcancel* cancel_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::atomic<bool> fired_{false};
  std::thread thread_;
};

// The facts read after one statement on the migration's own connection.
void AfterStatement(pg::Connection& conn, const RehearseOptions& options, Observer& observer,
                    const std::string& lsn_before, Relations& current, StatementFacts& facts) {
  if (PQtransactionStatus(conn.raw()) == PQTRANS_INERROR) return;  // nothing can be read
  if (auto held = OwnLocks(conn); held.ok()) observer.AddHeld(*held, Clock::now());
  if (!lsn_before.empty()) {
    if (auto wal = conn.QueryValue("SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), '" +
                                   lsn_before + "')::bigint");
        wal.ok()) {
      facts.wal_bytes = std::strtoll(wal->c_str(), nullptr, 10);
    }
  }
  if (auto now = ReadRelations(conn, options.pgdata); now.ok()) {
    facts.rewrites = Changes(current, *now, /*rewrites_only=*/true);
    current = std::move(*now);
  }
}

void FindDroppedData(const Relations& before, const Relations& after, const CatalogFacts& was,
                     const CatalogFacts& is, Report& report) {
  for (const auto& [oid, b] : before) {
    if ((b.kind != 'r' && b.kind != 'm') || !HadData(b)) continue;
    if (!after.count(oid)) {
      report.dropped.push_back(DroppedData{b.name, "", b.rows});
      continue;
    }
    for (auto it = was.columns.lower_bound({oid, 0});
         it != was.columns.end() && it->first.first == oid; ++it) {
      if (!is.columns.count(it->first)) {
        report.dropped.push_back(DroppedData{b.name, it->second, b.rows});
      }
    }
  }
}

// The owner of the copy's database, which must not be a superuser.
Result<std::string> MigrationRole(const std::string& admin_conninfo, const std::string& database) {
  ASSIGN_OR_RETURN(pg::Connection admin, pg::Connection::Open(admin_conninfo));
  ASSIGN_OR_RETURN(auto rows, admin.Query("SELECT r.rolname, r.rolsuper FROM pg_database d "
                                          "JOIN pg_roles r ON r.oid = d.datdba "
                                          "WHERE d.datname = current_database()"));
  if (rows.empty() || !rows[0][0]) return Internal("the copy's database has no owner");
  if (rows[0][1].value_or("f") == "t") {
    return FailedPrecondition("database \"" + database + "\" is owned by superuser \"" +
                              *rows[0][0] +
                              "\"; spur runs a migration as the database's owner and never as "
                              "a superuser (COPY ... TO PROGRAM would reach this host); make "
                              "the application's role own it");
  }
  return *rows[0][0];
}

}  // namespace

Result<Report> Rehearse(const RehearseOptions& options) {
  Report report;
  report.interval_ms = static_cast<int>(options.interval.count());
  const std::string admin_conninfo =
      pg::SocketConninfo(options.socket_dir, options.port, pg::kSuperuser, options.database);
  ASSIGN_OR_RETURN(report.role, MigrationRole(admin_conninfo, options.database));
  ASSIGN_OR_RETURN(pg::Connection conn,
                   pg::Connection::Open(pg::SocketConninfo(options.socket_dir, options.port,
                                                           report.role, options.database)));
  RETURN_IF_ERROR(conn.Exec("SET application_name = 'spur-rehearse'"));
  ASSIGN_OR_RETURN(std::string pid, conn.QueryValue("SELECT pg_backend_pid()"));
  ASSIGN_OR_RETURN(const Relations before, ReadRelations(conn, options.pgdata));
  ASSIGN_OR_RETURN(const CatalogFacts facts_before, ReadCatalogFacts(conn));

  for (size_t i = 0; i < options.queries.size(); ++i) {
    PlanComparison c;
    c.index = i;
    c.line = options.queries[i].line;
    c.query = options.queries[i].text;
    c.before = Explain(conn, c.query);
    report.plans.push_back(std::move(c));
  }

  ObserverOptions oo;
  oo.conninfo = admin_conninfo;
  oo.migration_pid = std::atoi(pid.c_str());
  oo.interval = options.interval;
  oo.max_probed = options.max_probed;
  oo.before = &before;
  Observer observer(oo);
  ASSIGN_OR_RETURN(const Clock::time_point start, observer.Start());

  Relations current = before;
  {
    Watchdog watchdog(conn.raw(), start + options.timeout);
    for (size_t i = 0; i < options.statements.size(); ++i) {
      const Statement& s = options.statements[i];
      StatementFacts f;
      f.index = i;
      f.line = s.line;
      f.text = s.text;
      if (!report.failure.empty()) {
        report.statements.push_back(std::move(f));
        continue;
      }
      observer.SetStatement(i);
      auto lsn = conn.QueryValue("SELECT pg_current_wal_insert_lsn()::text");
      f.in_transaction = PQtransactionStatus(conn.raw()) == PQTRANS_INTRANS;
      const Clock::time_point t0 = Clock::now();
      Status st = conn.Exec(s.text);
      const Clock::time_point t1 = Clock::now();
      f.ran = true;
      f.start_ms = Ms(t0 - start);
      f.ms = Ms(t1 - t0);
      if (!st.ok()) {
        f.error = st.message();
        report.failure = watchdog.fired()
                             ? "timed out after " + std::to_string(options.timeout.count() / 1000) +
                                   " s in statement " + std::to_string(i + 1) + " (line " +
                                   std::to_string(s.line) + ")"
                             : "statement " + std::to_string(i + 1) + " (line " +
                                   std::to_string(s.line) + ") failed: " + st.message();
        report.timed_out = watchdog.fired();
      }
      AfterStatement(conn, options, observer, lsn.ok() ? *lsn : "", current, f);
      report.statements.push_back(std::move(f));
    }
    watchdog.Done();
  }
  const PGTransactionStatusType tx = PQtransactionStatus(conn.raw());
  if (tx == PQTRANS_INTRANS || tx == PQTRANS_INERROR) {
    report.left_transaction_open = report.failure.empty();
    conn.Exec("ROLLBACK").IgnoreError();
  }
  report.total_ms = Ms(Clock::now() - start);
  observer.Stop();
  // Locks on relations the migration created are invisible to every other
  // session until it commits: they block nobody, so they are not reported.
  for (const LockSpan& l : observer.locks()) {
    auto rel = before.find(l.oid);
    if (rel == before.end()) continue;
    report.locks.push_back(l);
    report.locks.back().kind = rel->second.kind;
  }
  report.probes = observer.probes();
  report.max_sample_gap_ms = observer.max_gap_ms();
  report.completed = report.failure.empty() && !report.left_transaction_open;
  if (report.left_transaction_open) {
    report.failure = "the script left a transaction open; it was rolled back, as psql does at exit";
  }

  for (PlanComparison& c : report.plans) {
    c.after = Explain(conn, c.query);
    CompareShapes(c);
  }
  ASSIGN_OR_RETURN(const Relations after, ReadRelations(conn, options.pgdata));
  ASSIGN_OR_RETURN(const CatalogFacts facts_after, ReadCatalogFacts(conn));
  report.relations = Changes(before, after, /*rewrites_only=*/false);
  for (const std::string& i : facts_after.invalid_indexes) {
    if (!facts_before.invalid_indexes.count(i)) report.invalid_indexes.push_back(i);
  }
  for (const std::string& c : facts_after.unvalidated_constraints) {
    if (!facts_before.unvalidated_constraints.count(c)) report.unvalidated_constraints.push_back(c);
  }
  FindDroppedData(before, after, facts_before, facts_after, report);
  for (const StatementFacts& f : report.statements) {
    if (f.wal_bytes > 0) report.wal_bytes += f.wal_bytes;
  }
  return report;
}

}  // namespace spur::rehearse
