#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "mask/row_masker.h"

namespace spur::mask {
namespace {

// Upper-cases ASCII letters and wraps the value in brackets; NULL stays NULL.
// Fails on the value "boom", naming only the column.
class FakeTransformer : public Transformer {
 public:
  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    if (*in == "boom") return InvalidArgument("public.users.email: not an email address");
    out = "[";
    for (char c : *in) out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c);
    out += "]";
    return Status::Ok();
  }
  bool bijective() const override { return true; }
};

// Replaces every value, NULL included, with a fixed one (like `constant`).
class ConstantTransformer : public Transformer {
 public:
  explicit ConstantTransformer(std::string value) : value_(std::move(value)) {}
  Status Apply(std::optional<std::string_view>, std::string& out, bool& out_null) const override {
    out = value_;
    out_null = false;
    return Status::Ok();
  }
  bool bijective() const override { return false; }

 private:
  std::string value_;
};

// Always says NULL (like `null`).
class NullTransformer : public Transformer {
 public:
  Status Apply(std::optional<std::string_view>, std::string&, bool& out_null) const override {
    out_null = true;
    return Status::Ok();
  }
  bool bijective() const override { return false; }
};

Result<std::string> Mask(const RowMasker& masker, std::string_view row) {
  RowMasker::Scratch scratch;
  std::string out;
  RETURN_IF_ERROR(masker.MaskRow(row, out, scratch));
  return out;
}

TEST(MaskRowMasker, CopiesUntouchedFieldsRawAndMasksTheRest) {
  FakeTransformer fake;
  RowMasker masker("public.users", {nullptr, &fake, nullptr});
  EXPECT_FALSE(masker.passthrough());
  EXPECT_EQ(masker.column_count(), 3u);
  // Untouched fields keep their escapes byte for byte (no unescape/escape).
  Result<std::string> out = Mask(masker, "1\talice\tline\\none\\x41\n");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "1\t[ALICE]\tline\\none\\x41\n");
}

TEST(MaskRowMasker, UnescapesBeforeAndEscapesAfter) {
  FakeTransformer fake;
  RowMasker masker("public.notes", {&fake});
  Result<std::string> out = Mask(masker, "a\\tb\\\\c\\nd\\101\n");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "[A\\tB\\\\C\\nDA]\n");
}

TEST(MaskRowMasker, NullsStayNullAndCanBeMadeOrUnmade) {
  FakeTransformer fake;
  NullTransformer to_null;
  ConstantTransformer constant("n/a\t!");
  RowMasker masker("public.t", {&fake, &to_null, &constant, &fake});
  Result<std::string> out = Mask(masker, "\\N\tsecret\t\\N\t\\\\N\n");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "\\N\t\\N\tn/a\\t!\t[\\\\N]\n");
}

TEST(MaskRowMasker, EmptyStringsAreNotNull) {
  FakeTransformer fake;
  RowMasker masker("public.t", {&fake, &fake});
  Result<std::string> out = Mask(masker, "\t\n");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "[]\t[]\n");
}

TEST(MaskRowMasker, PassthroughCopiesRowsAsTheyAre) {
  RowMasker masker("public.countries", {nullptr, nullptr});
  EXPECT_TRUE(masker.passthrough());
  Result<std::string> out = Mask(masker, "de\tGer\\tmany\n");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "de\tGer\\tmany\n");
  EXPECT_EQ(Mask(masker, "de\n").status().code(), Code::kInternal);
}

TEST(MaskRowMasker, AppendsToOutput) {
  FakeTransformer fake;
  RowMasker masker("public.t", {&fake});
  RowMasker::Scratch scratch;
  std::string out = "x\n";
  ASSERT_TRUE(masker.MaskRow("a\n", out, scratch).ok());
  ASSERT_TRUE(masker.MaskRow("b\n", out, scratch).ok());
  EXPECT_EQ(out, "x\n[A]\n[B]\n");
}

TEST(MaskRowMasker, WrongFieldCountIsInternalNamingTableNotValues) {
  FakeTransformer fake;
  RowMasker masker("public.users", {nullptr, &fake});
  for (std::string_view row : {"1\tsecret@example.com\textra\n", "secret@example.com\n"}) {
    Result<std::string> out = Mask(masker, row);
    ASSERT_EQ(out.status().code(), Code::kInternal);
    EXPECT_NE(out.status().message().find("public.users"), std::string::npos);
    EXPECT_NE(out.status().message().find("expected 2"), std::string::npos);
    EXPECT_EQ(out.status().message().find("secret"), std::string::npos) << out.status().message();
  }
}

TEST(MaskRowMasker, MalformedRowIsInternal) {
  FakeTransformer fake;
  RowMasker masker("public.users", {&fake});
  Result<std::string> out = Mask(masker, "no newline");
  ASSERT_EQ(out.status().code(), Code::kInternal);
  EXPECT_NE(out.status().message().find("public.users"), std::string::npos);
  EXPECT_EQ(out.status().message().find("no newline"), std::string::npos);
}

TEST(MaskRowMasker, TransformerErrorsPassThrough) {
  FakeTransformer fake;
  RowMasker masker("public.users", {nullptr, &fake});
  Result<std::string> out = Mask(masker, "1\tboom\n");
  ASSERT_EQ(out.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "public.users.email: not an email address");
}

TEST(MaskRowMasker, ZeroColumnTables) {
  RowMasker masker("public.empty", {});
  Result<std::string> out = Mask(masker, "\n");
  ASSERT_TRUE(out.ok()) << out.status().message();
  EXPECT_EQ(*out, "\n");
  EXPECT_EQ(Mask(masker, "x\n").status().code(), Code::kInternal);
}

TEST(MaskRowMasker, ManyThreadsShareOneMasker) {
  FakeTransformer fake;
  const RowMasker masker("public.users", {nullptr, &fake});
  std::vector<std::thread> threads;
  std::vector<std::string> outputs(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RowMasker::Scratch scratch;
      for (int i = 0; i < 1000; ++i) {
        const std::string row = std::to_string(i) + "\tuser" + std::to_string(t) + "\n";
        if (!masker.MaskRow(row, outputs[t], scratch).ok()) return;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t) {
    std::string expected;
    for (int i = 0; i < 1000; ++i) {
      expected += std::to_string(i) + "\t[USER" + std::to_string(t) + "]\n";
    }
    EXPECT_EQ(outputs[t], expected);
  }
}

}  // namespace
}  // namespace spur::mask
