// Duration and size parsing (common/units.h), as the CLI and the API read
// "--ttl 3d" and "10G". Properties: a parsed duration is positive and leaves
// room to be turned into milliseconds; a parsed value reads back the same from
// its decimal form; formatting any parsed value works.
#include "common/units.h"

#include <limits>
#include <string>

#include "fuzz_target.h"

namespace spur::fuzz {

int FuzzUnits(const uint8_t* data, size_t size) {
  std::string_view text = AsText(data, size);

  auto d = ParseDuration(text);
  if (d.ok()) {
    SPUR_FUZZ_CHECK(*d > 0);
    SPUR_FUZZ_CHECK(*d <= std::numeric_limits<int64_t>::max() / 1000);
    auto again = ParseDuration(std::to_string(*d));
    SPUR_FUZZ_CHECK(again.ok() && *again == *d);
    SPUR_FUZZ_CHECK(!FormatDuration(*d).empty());
  } else {
    SPUR_FUZZ_CHECK(!d.status().message().empty());
  }

  auto ms = ParseDurationMs(text);
  if (ms.ok()) {
    SPUR_FUZZ_CHECK(*ms > 0);
    auto again = ParseDurationMs(std::to_string(*ms) + "ms");
    SPUR_FUZZ_CHECK(again.ok() && *again == *ms);
    SPUR_FUZZ_CHECK(!d.ok() || *ms == *d * 1000);
  } else {
    SPUR_FUZZ_CHECK(!d.ok() && !ms.status().message().empty());
  }

  auto s = ParseSize(text);
  if (s.ok()) {
    auto again = ParseSize(std::to_string(*s));
    SPUR_FUZZ_CHECK(again.ok() && *again == *s);
    SPUR_FUZZ_CHECK(!FormatBytes(*s).empty());
  } else {
    SPUR_FUZZ_CHECK(!s.status().message().empty());
  }
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzUnits)
