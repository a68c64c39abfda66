// The migration script splitter of `spur rehearse` (rehearse/script.h).
// Properties: statements or one InvalidArgument line "line N: ..." in
// printable ASCII; every statement non-empty, trimmed, free of NUL, with a
// line inside the script, found in the script in order; the statements
// joined with ";\n" split into the same statements, on the lines the join
// puts them; a limit of one statement fewer is refused.
#include <algorithm>
#include <string>
#include <vector>

#include "fuzz_target.h"
#include "rehearse/script.h"

namespace spur::fuzz {
namespace {

bool IsSqlSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }

size_t Newlines(std::string_view text, size_t from, size_t to) {
  return static_cast<size_t>(std::count(text.begin() + static_cast<std::ptrdiff_t>(from),
                                        text.begin() + static_cast<std::ptrdiff_t>(to), '\n'));
}

void CheckRefusal(const Status& status) {
  SPUR_FUZZ_CHECK(status.code() == Code::kInvalidArgument);
  const std::string& m = status.message();
  SPUR_FUZZ_CHECK(m.rfind("line ", 0) == 0);
  SPUR_FUZZ_CHECK(std::all_of(m.begin(), m.end(), [](char c) { return c >= ' ' && c <= '~'; }));
}

void CheckStatements(std::string_view script, const std::vector<rehearse::Statement>& statements) {
  const size_t lines = 1 + Newlines(script, 0, script.size());
  size_t prev_end = 0;
  for (const auto& st : statements) {
    const std::string& t = st.text;
    SPUR_FUZZ_CHECK(!t.empty());
    SPUR_FUZZ_CHECK(!IsSqlSpace(t.front()) && !IsSqlSpace(t.back()));
    SPUR_FUZZ_CHECK(t.find('\0') == std::string::npos);
    SPUR_FUZZ_CHECK(t.rfind("--", 0) != 0 && t.rfind("/*", 0) != 0);
    const size_t at = script.find(t, prev_end);
    SPUR_FUZZ_CHECK(at != std::string_view::npos);
    // The statement is at `at` or later (an earlier copy may sit in a comment).
    SPUR_FUZZ_CHECK(st.line >= 1 + Newlines(script, 0, at) && st.line <= lines);
    prev_end = at + t.size();
  }
}

// Joined with ";\n" after a leading newline (a byte order mark is skipped
// only at the very start).
void CheckResplit(const std::vector<rehearse::Statement>& statements) {
  std::string joined = "\n";
  std::vector<size_t> expected_lines;
  size_t line = 2;
  for (size_t i = 0; i < statements.size(); ++i) {
    if (i > 0) joined += ";\n";
    expected_lines.push_back(line);
    joined += statements[i].text;
    line += 1 + Newlines(statements[i].text, 0, statements[i].text.size());
  }
  auto again = rehearse::SplitScript(joined, statements.size());
  SPUR_FUZZ_CHECK(again.ok());
  SPUR_FUZZ_CHECK(again->size() == statements.size());
  for (size_t i = 0; i < statements.size(); ++i) {
    SPUR_FUZZ_CHECK((*again)[i].text == statements[i].text);
    SPUR_FUZZ_CHECK((*again)[i].line == expected_lines[i]);
  }
}

}  // namespace

int FuzzRehearseScript(const uint8_t* data, size_t size) {
  const std::string_view script = AsText(data, size);
  auto r = rehearse::SplitScript(script);
  if (!r.ok()) {
    CheckRefusal(r.status());
    return 0;
  }
  CheckStatements(script, *r);
  CheckResplit(*r);
  if (!r->empty()) {
    auto fewer = rehearse::SplitScript(script, r->size() - 1);
    SPUR_FUZZ_CHECK(!fewer.ok());
    CheckRefusal(fewer.status());
    SPUR_FUZZ_CHECK(fewer.status().message().find("more than") != std::string::npos);
  }
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzRehearseScript)
