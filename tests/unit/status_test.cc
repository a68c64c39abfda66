#include "common/status.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "os/errno_status.h"

namespace spur {
namespace {

TEST(Status, DefaultIsOkWithNoMessage) {
  Status st;
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.code(), Code::kOk);
  EXPECT_EQ(st.message(), "");
  EXPECT_TRUE(Status::Ok().ok());
}

TEST(Status, HelpersSetTheirCodeAndMessage) {
  EXPECT_EQ(InvalidArgument("a").code(), Code::kInvalidArgument);
  EXPECT_EQ(NotFound("a").code(), Code::kNotFound);
  EXPECT_EQ(AlreadyExists("a").code(), Code::kAlreadyExists);
  EXPECT_EQ(FailedPrecondition("a").code(), Code::kFailedPrecondition);
  EXPECT_EQ(Unavailable("a").code(), Code::kUnavailable);
  Status st = Internal("mkdir /x failed");
  EXPECT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kInternal);
  EXPECT_EQ(st.message(), "mkdir /x failed");
}

// Issue 11: "No space left on device" exited 1 (internal).
TEST(Status, FullDiskIsOutOfSpaceWithWhatToDo) {
  for (int err : {ENOSPC, EDQUOT}) {
    Status s = os::ErrnoStatus(err, "cannot write /pool/data/x");
    EXPECT_EQ(s.code(), Code::kStorageFull);
    EXPECT_NE(s.message().find("cannot write /pool/data/x: "), std::string::npos) << s.message();
    EXPECT_NE(s.message().find("delete branches or snapshots"), std::string::npos) << s.message();
  }
  EXPECT_EQ(os::ErrnoStatus(EIO, "read").code(), Code::kInternal);
}

TEST(Status, WithContextPrefixesTheMessageAndKeepsTheCode) {
  Status st = NotFound("no branch \"x\"").WithContext("reset");
  EXPECT_EQ(st.code(), Code::kNotFound);
  EXPECT_EQ(st.message(), "reset: no branch \"x\"");
  EXPECT_EQ(st.WithContext("outer").message(), "outer: reset: no branch \"x\"");
}

TEST(Status, WithContextLeavesOkAlone) {
  Status st = Status::Ok().WithContext("anything");
  EXPECT_TRUE(st.ok());
  EXPECT_EQ(st.message(), "");
}

TEST(Result, HoldsAValue) {
  Result<std::string> r = std::string("value");
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r.status().ok());
  EXPECT_EQ(r.value(), "value");
  EXPECT_EQ(*r, "value");
  EXPECT_EQ(r->size(), 5u);
  r->append("!");
  EXPECT_EQ(*r, "value!");
}

TEST(Result, HoldsAnError) {
  Result<int> r = Unavailable("postgres on port 5501 is not answering");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable);
  EXPECT_EQ(r.status().message(), "postgres on port 5501 is not answering");
}

TEST(Result, MovesOutMoveOnlyValues) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(7);
  ASSERT_TRUE(r.ok());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 7);
}

// Helpers for the macro tests; `steps` records how far each one got.
Status Step(bool fail, int* steps) {
  ++*steps;
  return fail ? Internal("step failed") : Status::Ok();
}

Status TwoSteps(bool fail_first, int* steps) {
  RETURN_IF_ERROR(Step(fail_first, steps));
  RETURN_IF_ERROR(Step(false, steps));
  return Status::Ok();
}

Result<int> Half(int n) {
  if (n % 2 != 0) return InvalidArgument(std::to_string(n) + " is odd");
  return n / 2;
}

Result<int> Quarter(int n, int* reached_end) {
  ASSIGN_OR_RETURN(int half, Half(n));
  ASSIGN_OR_RETURN(int quarter, Half(half));
  ++*reached_end;
  return quarter;
}

TEST(Macros, ReturnIfErrorStopsAtTheFirstFailure) {
  int steps = 0;
  Status st = TwoSteps(/*fail_first=*/true, &steps);
  EXPECT_EQ(st.code(), Code::kInternal);
  EXPECT_EQ(st.message(), "step failed");
  EXPECT_EQ(steps, 1);
}

TEST(Macros, ReturnIfErrorContinuesOnOk) {
  int steps = 0;
  EXPECT_TRUE(TwoSteps(/*fail_first=*/false, &steps).ok());
  EXPECT_EQ(steps, 2);
}

TEST(Macros, AssignOrReturnAssignsValues) {
  int reached_end = 0;
  Result<int> r = Quarter(12, &reached_end);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 3);
  EXPECT_EQ(reached_end, 1);
}

TEST(Macros, AssignOrReturnPropagatesTheStatus) {
  int reached_end = 0;
  Result<int> r = Quarter(6, &reached_end);  // 6 -> 3, and 3 is odd
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "3 is odd");
  EXPECT_EQ(reached_end, 0);
}

}  // namespace
}  // namespace spur
