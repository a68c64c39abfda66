// `spur mask init --source S`: a first mask.yaml for a source, so the
// allowlist (every copied column has a rule) costs minutes, not hours.
//
// Every column of every table gets a line. Where the column's name and type
// say what it holds (mask/pii.h), the rule is guessed (email, phone,
// first_name...); keys, booleans, numbers and timestamps are `keep`; columns
// that follow a key through a foreign key are left out (they take the key's
// rule); everything else (free text, json, enums, unknown types) is `todo`,
// which every strictness but off refuses by name until someone decides.
// Each line carries a comment saying why.
#pragma once

#include <string>

#include "common/status.h"
#include "pg/schema.h"

namespace spur::sync {

struct StarterMask {
  std::string yaml;  // parses with mask::ParseMaskConfig
  int guessed = 0;   // columns given a masking rule
  int kept = 0;      // columns given keep
  int todo = 0;      // columns left todo
  int skipped = 0;   // columns mask.yaml cannot name (control characters in the name)
};

// Writes the starter mask.yaml for `schema`. `source` names the source in
// the header comment. Internal when the text written does not parse back (a
// bug, never the schema's fault).
[[nodiscard]] Result<StarterMask> WriteStarterMask(const pg::Schema& schema,
                                                   const std::string& source);

// Reads the schema of the database at `source_url` and writes its starter mask.
[[nodiscard]] Result<StarterMask> InitMask(const std::string& source_url,
                                           const std::string& source);

}  // namespace spur::sync
