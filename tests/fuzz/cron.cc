// Cron expressions (common/cron.h), as schedules store them. Properties: a
// parsed expression parses again from its text; the next and last matching
// minutes it finds really match, lie on the right side of the reference time
// and start on a minute. Times are UTC (TZ is set once) so runs repeat.
#include "common/cron.h"

#include <cstdlib>
#include <ctime>
#include <string>

#include "fuzz_target.h"

namespace spur::fuzz {
namespace {

constexpr int64_t kNow = 1'800'000'000;  // Friday 2027-01-15 08:00:00 UTC

void UseUtc() {
  static const bool once = [] {
    ::setenv("TZ", "UTC", 1);
    ::tzset();
    return true;
  }();
  (void)once;
}

bool MatchesAt(const CronExpr& cron, int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  ::localtime_r(&tt, &tm);
  return cron.Matches(tm);
}

}  // namespace

int FuzzCron(const uint8_t* data, size_t size) {
  UseUtc();
  std::string text(AsText(data, size));
  auto cron = CronExpr::Parse(text);
  if (!cron.ok()) {
    SPUR_FUZZ_CHECK(!cron.status().message().empty());
    SPUR_FUZZ_CHECK(cron.status().message().find('\n') == std::string::npos ||
                    text.find('\n') != std::string::npos);
    return 0;
  }
  SPUR_FUZZ_CHECK(cron->text() == text);
  SPUR_FUZZ_CHECK(CronExpr::Parse(cron->text()).ok());

  if (auto next = cron->NextAfter(kNow)) {
    SPUR_FUZZ_CHECK(*next > kNow && *next % 60 == 0);
    SPUR_FUZZ_CHECK(MatchesAt(*cron, *next));
  }
  if (auto last = cron->LastAtOrBefore(kNow)) {
    SPUR_FUZZ_CHECK(*last <= kNow && *last % 60 == 0);
    SPUR_FUZZ_CHECK(MatchesAt(*cron, *last));
  }
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzCron)
