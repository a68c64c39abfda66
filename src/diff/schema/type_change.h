// What changing a column's type costs, judged from the two format_type()
// spellings: whether postgres rewrites the table and whether values may be
// lost. Conservative: anything not known to be safe counts as unsafe.
#pragma once

#include <string>

namespace spur::diff::schema {

// True unless the change is binary-coercible (varchar(n) -> varchar(m >= n),
// varchar -> text, numeric(p, s) -> numeric(q >= p, s), ...).
bool TypeChangeRewrites(const std::string& from, const std::string& to);

// True unless every old value fits the new type unchanged (the binary-
// coercible changes, integer widening, float widening, integer -> numeric,
// anything -> text).
bool TypeChangeMayLoseData(const std::string& from, const std::string& to);

// True when a default expression may be volatile (nextval, random, uuid
// generators, clock_timestamp...): adding a column with it rewrites the table.
// User functions are judged by the caller (from their definitions).
bool LooksVolatile(const std::string& expression);

}  // namespace spur::diff::schema
