// One rehearsal: a migration script run statement by statement on a
// throw-away copy (engine::Pool::OpenScratch) while an Observer watches its
// locks and probes the tables it touches, with what each statement did read
// back from the catalog and the data directory afterwards.
//
// The copy is the caller's: Rehearse connects to it, changes it and leaves it
// changed; the caller destroys it.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "rehearse/observer.h"
#include "rehearse/plans.h"
#include "rehearse/script.h"

namespace spur::rehearse {

// The migration runs as the copy database's owner, the role that owns the
// application's objects (spur's branch role), never as a superuser: a
// migration from a pull request must not reach the host (COPY ... TO
// PROGRAM). Observation (locks, probes) connects as the superuser.
struct RehearseOptions {
  std::string socket_dir;  // the copy's Unix socket directory and port
  int port = 5432;
  std::string database;
  std::string pgdata;  // the copy's data directory (file sizes)
  std::vector<Statement> statements;
  std::chrono::milliseconds timeout{std::chrono::minutes(30)};  // the whole script
  std::chrono::milliseconds interval{10};                       // lock samples, probe pauses
  size_t max_probed = 4;                                        // tables probed
  std::vector<Statement> queries;  // planned before and after (rehearse/plans.h)
};

// A relation whose storage a statement or the whole migration changed.
struct RelationChange {
  std::string relation;
  std::string kind;           // KindName()
  int64_t bytes_before = -1;  // -1: did not exist (or size unknown)
  int64_t bytes_after = -1;   // -1: dropped (or size unknown)
  bool rewritten = false;     // same relation, new storage file
  double rows_before = -1;    // reltuples before, -1 unknown
};

struct StatementFacts {
  size_t index = 0;  // 0-based position in the script
  size_t line = 0;
  std::string text;
  double start_ms = 0, ms = 0;
  bool in_transaction = false;  // ran inside an explicit transaction block
  bool ran = false;             // false for the statements after a failure
  std::string error;            // postgres's message when it failed
  int64_t wal_bytes = -1;       // -1 when unknown (its transaction aborted)
  std::vector<RelationChange> rewrites;
};

// Data a migration removed: a table or materialized view with rows dropped,
// or a column dropped from one.
struct DroppedData {
  std::string relation;
  std::string column;  // "" for the whole relation
  double rows = -1;    // estimate (reltuples); -1 unknown but the relation had data
};

struct Report {
  std::vector<StatementFacts> statements;
  std::vector<LockSpan> locks;
  std::vector<ProbeResult> probes;
  std::vector<RelationChange> relations;  // created, dropped, resized or rewritten
  std::vector<DroppedData> dropped;
  std::vector<std::string> invalid_indexes;          // left invalid (and not before)
  std::vector<std::string> unvalidated_constraints;  // NOT VALID (and not before)
  std::vector<PlanComparison> plans;                 // one per query, in order
  double total_ms = 0;
  int64_t wal_bytes = 0;
  bool completed = false;  // every statement ran and the last transaction ended
  bool timed_out = false;
  bool left_transaction_open = false;  // rolled back at the end, as psql would
  std::string failure;                 // why it did not complete
  std::string role;                    // who ran the migration (the database's owner)
  int interval_ms = 0;
  double max_sample_gap_ms = 0;
};

// Runs the script. A failing or timed-out migration is a Report with
// `completed` false and `failure` set (the copy is then in whatever state the
// failure left); an error Status only when the copy cannot be reached
// (Unavailable) or read, and FailedPrecondition when the database's owner is
// a superuser (nothing run then). Stops at the first failing statement.
[[nodiscard]] Result<Report> Rehearse(const RehearseOptions& options);

}  // namespace spur::rehearse
