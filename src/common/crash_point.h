// Named crash points for testing multi-step mutations (after RocksDB's sync
// points): when the environment variable SPUR_CRASH_POINT equals `name`, the
// process dies on the spot with _exit(99), as if killed. Tests run spur with
// each point set and check that the next command reconciles.
//
// Every point is listed once in kCrashPoints; CrashPoint aborts on a name that
// is not listed, and tests/integration/pool_test.cc checks that each listed
// point is exercised, so a new step cannot go untested.
#pragma once

#include <array>
#include <string_view>

namespace spur {

inline constexpr std::array<std::string_view, 23> kCrashPoints = {
    // engine/init.cc: main's row (creating), then main made and running; an
    // init killed before main is committed is redone by the next `spur init`
    "init.after_insert",
    "init.after_main",
    // engine/snapshots.cc
    "snapshot.after_insert",
    "snapshot.after_clone",
    // engine/branches.cc: create
    "branch.create.after_insert",
    "branch.create.after_clone",
    "branch.create.after_start",
    // engine/pool.cc: every start, before the branch's own credentials are set
    "branch.start.before_credentials",
    // engine/branches.cc: reset (with --keep-backup first snapshots the
    // branch), builds <id>.new beside the live data, records its swap intent
    // (the point of no return), swaps, then commits the record
    "branch.reset.after_backup",
    "branch.reset.after_stage",
    "branch.reset.after_intent",
    "branch.reset.after_swap",
    // engine/branches.cc: the swap (reset and sync): live -> <id>.old,
    // <id>.new -> live, then <id>.old is destroyed
    "branch.swap.after_move_away",
    "branch.swap.after_rename_in",
    // engine/branches.cc: delete
    "branch.delete.after_stop",
    "branch.delete.after_destroy",
    // sync/runner.cc and engine/sync_target.cc
    "sync.after_load",
    "sync.before_swap",
    "sync.after_staging_rename",
    "sync.after_swap",
    // api/
    "pr.after_branch",
    "hook.after_store",
    "hook.before_finish",
};

// Dies with _exit(99) when SPUR_CRASH_POINT (or ArmCrashPointForTesting) names
// `name`. Aborts when `name` is not in kCrashPoints.
void CrashPoint(std::string_view name);

// Unit tests: what happens at an armed point instead of _exit(99) (e.g. a
// throw the test catches, leaving the fakes as a kill would). Arming replaces
// the environment variable; an empty `name` disarms.
using CrashHandler = void (*)(std::string_view name);
void ArmCrashPointForTesting(std::string_view name, CrashHandler handler);

}  // namespace spur
