// COMMENT ON statements and their Change details.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "diff/schema/plan.h"

namespace spur::diff::schema {

using Comment = std::optional<std::string>;

// COMMENT ON `target` IS '...' (or IS NULL) when `from` and `to` differ, to
// `out`. target: "TABLE public.t", "COLUMN public.t.c", "CONSTRAINT c ON public.t".
void AddCommentStatement(std::vector<Statement>& out, const std::string& target,
                         const Comment& from, const Comment& to, const std::string& object);

// "comment 'a' -> 'b'" / "comment NULL -> 'b'", empty when equal. `what`
// prefixes the detail ("column c comment ...") when not empty.
std::vector<std::string> CommentDetails(const Comment& from, const Comment& to,
                                        const std::string& what = "");

}  // namespace spur::diff::schema
