#include "diff/schema/comments.h"

#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

std::string Show(const Comment& c) { return c ? QuoteLiteral(*c) : "NULL"; }

}  // namespace

void AddCommentStatement(std::vector<Statement>& out, const std::string& target,
                         const Comment& from, const Comment& to, const std::string& object) {
  if (from == to) return;
  out.push_back(Sql("COMMENT ON " + target + " IS " + Show(to) + ";", object));
}

std::vector<std::string> CommentDetails(const Comment& from, const Comment& to,
                                        const std::string& what) {
  if (from == to) return {};
  std::string prefix = what.empty() ? "comment " : what + " comment ";
  return {prefix + Show(from) + " -> " + Show(to)};
}

}  // namespace spur::diff::schema
