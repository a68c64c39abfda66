// `spur mask verify SNAPSHOT|BRANCH --source S`: proving a masked sync's
// snapshot (or a branch since, against its last sync's rules) holds no
// original personal value. Three passes, each able to fail:
//
//  (a) logical: original values of every masked or unruled column of every
//      relation in the source (children, partitions and matviews each on
//      their own, ONLY) are looked for in every masked or unruled column of
//      every relation of the snapshot, read through a throw-away instance
//      (so TOASTed, compressed values are read detoasted): whole values,
//      JSON leaves and array elements exactly, and a sample as substrings
//      (inside free text);
//  (b) raw bytes: the same values searched in every file of the snapshot
//      (WAL and free space included; mask/scanner);
//  (c) schema text: view and function bodies, defaults, comments, index,
//      policy and check expressions of the snapshot.
//
// A found value is a coincidental collision, not a leak, when the row it
// sits in holds exactly what the column's rule makes of that row's source
// value (looked up by primary key; the rules and key of the sync are
// replayed): a dictionary name that is also someone's real name, a
// birthdate already on January 1st, a shifted date that is another row's
// original. Any other found value is a leak wherever it is. Without a key
// to look the row up by, a value a dictionary rule can output
// (mask/dictionaries.h) in a dictionary-masked column counts as an
// unchecked collision. Collisions are reported and never fail verification. Reports
// name relations, columns and row keys, never the values; values stay in
// memory only.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/status.h"
#include "engine/pool.h"
#include "mask/transformer.h"

namespace spur::sync {

struct VerifyOptions {
  std::string snapshot;  // a snapshot taken by `spur sync`, or a branch it refreshed
  std::string source_url;
  int64_t sample = 100;                  // originals per column; 0 = every distinct value
  size_t min_length = 5;                 // shorter values are skipped (chance matches)
  int examples = 5;                      // example locations per column
  size_t max_substring_needles = 20000;  // values also searched inside text (a sample of all)
  size_t max_byte_needles = 50000;       // values searched in the schema text and raw files
  // The key the sync masked with: found values are checked against what the
  // rules make of their row's source value. Without it (or for syncs that
  // did not record their rules) only dictionary outputs are recognised.
  std::optional<mask::MaskKey> key;
};

// {"snapshot", "masked_sync", "sample": N | "all", "values_searched",
//  "substring_values", "byte_values" (how many of them the substring,
//  schema-text and raw-byte passes searched for: bounded samples),
//  "byte_hits_of_collisions" (raw-byte hits of values rows hold as
//  collisions, not counted as leaks),
//  "relations": [{"relation", "column", "sampled", "skipped"}],
//  "found": [{"relation", "column", "leaks", "collisions", "unchecked",
//             "examples": ["public.t (id)=(7)"]}],
//  "schema": [{"object", "leaks"}], "scan": ScanReport json, "replay": "rules replayed" or
//  why not (no key; the source's schema no longer fits the rules),
//  "leaks": N, "collisions": N, "clean": bool}.
// Starts a throw-away instance of the snapshot and removes it afterwards
// (also on error; a branch is read as it runs, started if stopped).
// NotFound when the name is neither; FailedPrecondition when the snapshot
// keeps no data or the branch was never synced.
[[nodiscard]] Result<nlohmann::json> VerifySnapshot(engine::Pool& pool,
                                                    const VerifyOptions& options);

}  // namespace spur::sync
