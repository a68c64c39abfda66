// What differs between two versions of one object, as short lines for people.
#pragma once

#include <string>
#include <vector>

#include "diff/schema/object_set.h"

namespace spur::diff::schema {

struct Details {
  std::vector<std::string> object;    // the object itself: "type integer -> bigint"
  std::vector<std::string> grants;    // "+ SELECT to app"
  std::vector<std::string> comments;  // "comment NULL -> 'orders'"
};

Details Describe(const ObjectRef& from, const ObjectRef& to);
// A short line for an added object ("bigint NOT NULL" for a column), or none.
std::vector<std::string> DescribeAdded(const ObjectRef& to);

}  // namespace spur::diff::schema
