// The proxy's reading of what postgres answers a StartupMessage with
// (proxy/backend_startup.h). Properties: fed whole or in input-chosen pieces,
// the state, the cancel key, the error code and the number of bytes that
// belong to the startup phase are the same; that count is never more than
// the input, and a finished reader takes nothing more.
#include "proxy/backend_startup.h"

#include "fuzz_target.h"

namespace spur::fuzz {

int FuzzBackendStartup(const uint8_t* data, size_t size) {
  const std::string_view in = AsText(data, size);
  proxy::BackendStartup whole;
  const size_t used = whole.Feed(in);
  SPUR_FUZZ_CHECK(used <= in.size());
  if (whole.state() != proxy::BackendStartup::State::kInProgress) {
    SPUR_FUZZ_CHECK(whole.Feed("x") == 0);
  } else {
    SPUR_FUZZ_CHECK(used == in.size());
  }
  const size_t piece = in.empty() ? 1 : 1 + static_cast<uint8_t>(in[0]) % 7;
  proxy::BackendStartup split;
  size_t used_split = 0;
  for (size_t at = 0; at < in.size(); at += piece) used_split += split.Feed(in.substr(at, piece));
  SPUR_FUZZ_CHECK(split.state() == whole.state());
  SPUR_FUZZ_CHECK(split.has_cancel_key() == whole.has_cancel_key());
  SPUR_FUZZ_CHECK(split.pid() == whole.pid() && split.cancel_key() == whole.cancel_key());
  SPUR_FUZZ_CHECK(split.error_sqlstate() == whole.error_sqlstate());
  SPUR_FUZZ_CHECK(used_split == used);
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzBackendStartup)
