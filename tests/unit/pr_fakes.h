// Fakes of the pull-request flow's outside effects, for unit tests: the
// repository's commands (pr::CommandRunner) and the forge's API
// (forge::CommentPoster). Each records what it was asked and gives the answer
// the test set.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "forge/comments.h"
#include "pr/command_runner.h"

namespace spur::test {

class FakeRunner : public pr::CommandRunner {
 public:
  pr::CommandResult Run(const pr::CommandSpec& spec) override {
    seen.push_back(spec);
    return answer;
  }
  pr::CommandResult answer;
  std::vector<pr::CommandSpec> seen;
};

class FakePoster : public forge::CommentPoster {
 public:
  Result<int64_t> Upsert(const forge::CommentTarget& t, const std::string& marker,
                         const std::string& body) override {
    targets.push_back(t);
    markers.push_back(marker);
    bodies.push_back(body);
    return answer;
  }
  Result<int64_t> answer = int64_t{77};
  std::vector<forge::CommentTarget> targets;
  std::vector<std::string> markers, bodies;
};

}  // namespace spur::test
