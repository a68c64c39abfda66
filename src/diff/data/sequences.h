// Sequences' current values on both sides: a branch that inserted rows has
// moved its sequences on, and a script that carries the rows but not the
// sequences leaves the next insert on the target to collide with them.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conn.h"

namespace spur::diff::data {

// A sequence's state as setval() takes it back.
struct SequenceState {
  std::string qualified;  // quote_ident(schema).quote_ident(name), for SQL
  std::string display;    // schema.name, for people
  std::string owner;      // qualified table whose column owns it (serial, identity), or ""
  std::string last_value;
  bool is_called = false;
  bool operator==(const SequenceState&) const = default;
};

// A sequence whose state differs: `from` is nullopt for a sequence only the
// branch has (the schema script creates it at its start value).
struct SequenceChange {
  std::optional<SequenceState> from;
  SequenceState to;
};

// Every user sequence of the database `conn` is connected to (no system or
// extension-owned ones), by qualified name. Reads each sequence (one query
// per couple of hundred of them); needs SELECT on them (the diff connects as
// superuser).
[[nodiscard]] Result<std::vector<SequenceState>> ReadSequences(pg::Connection& conn);

// Sequences of `to` whose state `from` does not have, in `to`'s order;
// when `owners` is not empty, only those owned by a table in it (the tables
// a diff was restricted to, qualified). Sequences only `from` has are the
// schema script's to drop.
std::vector<SequenceChange> DiffSequences(const std::vector<SequenceState>& from,
                                          const std::vector<SequenceState>& to,
                                          const std::vector<std::string>& owners);

}  // namespace spur::diff::data
