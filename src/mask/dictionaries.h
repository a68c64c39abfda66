// Built-in word lists for the dictionary transformers (first_name,
// last_name, full_name, street, city): common, culturally mixed, ASCII-only
// words in Title Case, without duplicates. The lists are part of the masking
// output contract: masked values are indices into them, so any edit (even an
// append) changes outputs across runs under the same key.
#pragma once

#include <span>
#include <string_view>

namespace spur::mask {

std::span<const std::string_view> FirstNames();      // >= 200 entries
std::span<const std::string_view> LastNames();       // >= 200 entries
std::span<const std::string_view> Cities();          // >= 100 entries
std::span<const std::string_view> StreetNames();     // >= 100 entries ("Maple")
std::span<const std::string_view> StreetSuffixes();  // "Street", "Avenue", ...

// True when `value` occurs inside a word of any list above ("Julia" inside
// "Julian"): spur's own replacements may then contain it, so finding it in
// masked data proves nothing (mask verify skips such values).
bool InsideDictionaryWord(std::string_view value);

// True when a dictionary rule (first_name, last_name, full_name, city,
// street) can output `value`, in any case style: a first or last name, "First
// Last", a city, "<1-9999> <Name> <Suffix>". mask verify counts such values
// found in a dictionary-masked column as coincidences, not leaks, unless the
// row they sit in held them in the source.
bool IsDictionaryOutput(std::string_view value);

}  // namespace spur::mask
