// Whose data a caller may read or copy. Every role sees every branch's
// metadata (name, owner, state, size, lineage); a branch's *data* (its rows,
// reachable by connecting to it, by creating a branch from it or from one of
// its snapshots, or by resetting onto one) is readable only as decided here.
// Every route that reads or copies data calls these functions, and nothing
// else decides it (docs/security.md, "Owners' data boundary").
//
// The model:
//  - admins, and the local operator (CLI, root Unix socket; it acts as an
//    admin), read everything;
//  - a developer reads the data of the branches she owns, and of pool-wide
//    baselines: root branches (no parent, such as `main`) and branches
//    labelled `spur.shared=true` (a label only the branch's owner or an admin
//    can set). Protection does not make a branch readable;
//  - viewers read metadata only, never data;
//  - a snapshot's data is readable exactly when its branch's is, judged now
//    (unsharing a branch unshares its snapshots); a snapshot whose branch is
//    gone is readable by admins only.
// Connecting needs the branch's password, which only its owner and admins see
// (views.h): sharing lets others copy a branch, not write to it.
#pragma once

#include <optional>
#include <string>

#include "authz/principal.h"
#include "catalog/records.h"
#include "catalog/store.h"
#include "common/status.h"

namespace spur::authz {

// The label that makes a branch (and its snapshots) readable by every
// developer.
inline constexpr char kSharedLabel[] = "spur.shared";

// True for pool-wide baselines: root branches and branches labelled
// spur.shared=true.
bool IsBaseline(const catalog::Branch& branch);

// True when `who` is a token scoped to the repository of `branch`, a
// pull-request branch (labels repo and pr, as PR branches get them): such a
// token acts for it as its owner would, for `ci up/down`, its connection and
// its data, whoever created it (a webhook: the PR's author).
bool ActsForRepoOf(const Principal& who, const catalog::Branch& branch);

// True when `who` may read or copy `branch`'s data (also ActsForRepoOf).
bool MayReadData(const Principal& who, const catalog::Branch& branch);

// OK when `who` may read `branch`'s data; otherwise PermissionDenied with one
// line naming the branch, its owner and how to get access. Changes nothing.
Status CheckReadData(const Principal& who, const catalog::Branch& branch);

// What a create or reset would copy: snapshot `snapshot` when given, else
// branch `from` ("main" when unset). OK for admins without looking anything
// up (the engine then reports what is missing); for others NotFound when the
// source does not exist and PermissionDenied when its data is not theirs to
// read. Reads `store` only.
Status CheckMayCopy(catalog::Store& store, const Principal& who,
                    const std::optional<std::string>& from,
                    const std::optional<std::string>& snapshot);

// What resetting branch `name` copies: snapshot `to` when given, else the
// branch's parent as it is now. Same results as CheckMayCopy; OK when the
// branch has no parent (the engine refuses that reset itself).
Status CheckMayResetFrom(catalog::Store& store, const Principal& who, const std::string& name,
                         const std::optional<std::string>& to);

}  // namespace spur::authz
