// Runs every fuzz target (tests/fuzz/*.cc) on every seed of its corpus
// directory, tests/fuzz/corpus/<target>/, in the ordinary build: the seeds,
// and the regression inputs added for each finding, stay fixed. A target
// reports a broken property by aborting, which fails this test. Each target's
// corpus must exist and hold files, and every file must have run.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace spur::fuzz {
namespace {

namespace fs = std::filesystem;

struct Target {
  const char* name;  // corpus directory and source file name
  int (*fn)(const uint8_t*, size_t);
};

const Target kTargets[] = {
    {"http_request", FuzzHttpRequest},
    {"api_request", FuzzApiRequest},
    {"github_hook", FuzzGitHubHook},
    {"gitlab_hook", FuzzGitLabHook},
    {"repo_config", FuzzRepoConfig},
    {"copy_text", FuzzCopyText},
    {"array_text", FuzzArrayText},
    {"mask_config", FuzzMaskConfig},
    {"subset_config", FuzzSubsetConfig},
    {"cron", FuzzCron},
    {"units", FuzzUnits},
    {"wire_startup", FuzzWireStartup},
    {"backend_startup", FuzzBackendStartup},
    {"rehearse_script", FuzzRehearseScript},
};

class FuzzCorpus : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzCorpus, EverySeedRuns) {
  const fs::path dir = fs::path(SPUR_FUZZ_CORPUS_DIR) / GetParam().name;
  ASSERT_TRUE(fs::is_directory(dir)) << dir << " is missing";
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) {
    if (e.is_regular_file()) files.push_back(e.path());
  }
  ASSERT_GE(files.size(), 3u) << dir << " needs seeds (valid and invalid inputs)";
  size_t ran = 0;
  for (const auto& f : files) {
    std::ifstream in(f, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << f;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    SCOPED_TRACE(f.string());
    const std::string seed = f.string();
    CurrentSeed() = seed.c_str();
    EXPECT_EQ(GetParam().fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
    CurrentSeed() = nullptr;
    ++ran;
  }
  EXPECT_EQ(ran, files.size());
}

INSTANTIATE_TEST_SUITE_P(Targets, FuzzCorpus, ::testing::ValuesIn(kTargets),
                         [](const auto& info) { return std::string(info.param.name); });

// Every source in tests/fuzz/ that defines a target is in kTargets.
TEST(FuzzCorpusList, NamesEveryTarget) {
  for (const auto& e : fs::directory_iterator(fs::path(SPUR_FUZZ_CORPUS_DIR).parent_path())) {
    const std::string name = e.path().stem().string();
    if (e.path().extension() != ".cc" || name == "corpus_test") continue;
    bool listed = false;
    for (const auto& t : kTargets) listed = listed || name == t.name;
    EXPECT_TRUE(listed) << e.path() << " is not run on its corpus by corpus_test.cc";
  }
}

}  // namespace
}  // namespace spur::fuzz
