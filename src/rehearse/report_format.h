// A rehearsal's report as the user reads it: JSON (every fact), plain text
// for a terminal, Markdown for a pull-request comment.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "rehearse/guardrails.h"
#include "rehearse/rehearsal.h"

namespace spur::rehearse {

// Where a rehearsal ran, for the report's header.
struct RehearsalContext {
  std::string branch;                    // whose migration ("" when none was named)
  std::string against;                   // the branch or snapshot the copy was made of
  double setup_ms = 0, teardown_ms = 0;  // making the copy, removing it
};

nlohmann::json ReportJson(const RehearsalContext& context, const Report& report,
                          const std::vector<Finding>& findings);
std::string ReportText(const RehearsalContext& context, const Report& report,
                       const std::vector<Finding>& findings);
std::string ReportMarkdown(const RehearsalContext& context, const Report& report,
                           const std::vector<Finding>& findings);

}  // namespace spur::rehearse
