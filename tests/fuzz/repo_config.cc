// .spur.yaml (hooks/repo_config.h), which the webhook flow reads from a
// repository anyone with push access writes. Properties: any text gives a
// config or InvalidArgument; a parsed config prints to YAML that parses back
// equal (the header's contract), and its JSON form dumps.
#include "hooks/repo_config.h"

#include <string>

#include "fuzz_target.h"

namespace spur::fuzz {

int FuzzRepoConfig(const uint8_t* data, size_t size) {
  auto config = hooks::ParseRepoConfig(AsText(data, size));
  if (!config.ok()) {
    SPUR_FUZZ_CHECK(config.status().code() == Code::kInvalidArgument);
    return 0;
  }
  auto again = hooks::ParseRepoConfig(hooks::RepoConfigToYaml(*config));
  SPUR_FUZZ_CHECK(again.ok());
  SPUR_FUZZ_CHECK(*again == *config);
  (void)hooks::RepoConfigToJson(*config).dump();  // throws on bytes JSON cannot hold
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzRepoConfig)
