// mask.yaml (mask/config.h). Properties: parsing any text returns a config or
// one InvalidArgument line starting "mask.yaml line N: "; a parsed config's
// JSON form (which is YAML too) parses back to a config with the same
// fingerprint, so equal meaning gives one fingerprint.
#include <string>

#include "fuzz_target.h"
#include "mask/config.h"

namespace spur::fuzz {

int FuzzMaskConfig(const uint8_t* data, size_t size) {
  auto config = mask::ParseMaskConfig(AsText(data, size));
  if (!config.ok()) {
    SPUR_FUZZ_CHECK(config.status().code() == Code::kInvalidArgument);
    SPUR_FUZZ_CHECK(config.status().message().rfind("mask.yaml", 0) == 0);
    return 0;
  }
  const std::string json = config->ToJson().dump();
  auto again = mask::ParseMaskConfig(json);
  SPUR_FUZZ_CHECK(again.ok());
  SPUR_FUZZ_CHECK(again->Fingerprint() == config->Fingerprint());
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzMaskConfig)
