// Properties every transformer must have: determinism, key dependence,
// bijectivity where promised, NULL handling, length limits, and errors that
// name the column but never the value. Per-kind formats are in
// mask_transformer_formats_test.cc.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <random>
#include <string>
#include <thread>
#include <unordered_set>
#include <vector>

#include "mask/transformer.h"
#include "mask_test_util.h"

namespace spur::mask {
namespace {

using testing::Column;
using testing::Make;
using testing::Mask;
using testing::Rule;
using testing::TestKey;

// One sample input per kind, with a column type it fits.
struct Sample {
  Kind kind;
  const char* type;
  std::string (*value)(int i);
};

std::string Email(int i) { return "user" + std::to_string(i) + ".name@example.com"; }
std::string Name(int i) { return "Person" + std::to_string(i); }
std::string Phone(int i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "+1 555-%03d-%04d", i % 1000, i);
  return buf;
}
std::string Digits(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%05d", i);
  return buf;
}

// "4000 00" + 9 digits + a Luhn check digit.
std::string Card(int i) {
  char body[16];
  std::snprintf(body, sizeof body, "400000%09d", i);
  int sum = 0;
  for (int k = 14; k >= 0; --k) {
    int d = body[k] - '0';
    if ((14 - k) % 2 == 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  std::string digits = std::string(body) + static_cast<char>('0' + (10 - sum % 10) % 10);
  return digits.substr(0, 4) + " " + digits.substr(4, 4) + " " + digits.substr(8, 4) + " " +
         digits.substr(12);
}

// "DE" + valid check digits + "37040044" + 10 digits.
std::string Iban(int i) {
  char bban[32];
  std::snprintf(bban, sizeof bban, "37040044%010d", i);
  const std::string rearranged = std::string(bban) + "1314" + "00";  // D=13, E=14
  int mod = 0;
  for (char c : rearranged) mod = (mod * 10 + (c - '0')) % 97;
  char check[12];
  std::snprintf(check, sizeof check, "%02d", 98 - mod);
  return "DE" + std::string(check) + bban;
}

std::string Uuid(int i) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-0000-4000-8000-%012x", i * 2654435761u, i);
  return buf;
}

std::string Date(int i) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", 1950 + i % 60, 1 + i % 12, 1 + i % 28);
  return buf;
}

std::string Integer(int i) { return std::to_string(i * 37 + 1); }

const Sample kSamples[] = {
    {Kind::kEmail, "text", Email},    {Kind::kFirstName, "text", Name},
    {Kind::kLastName, "text", Name},  {Kind::kFullName, "text", Name},
    {Kind::kPhone, "text", Phone},    {Kind::kCreditCard, "text", Card},
    {Kind::kIban, "text", Iban},      {Kind::kStreet, "text", Name},
    {Kind::kCity, "text", Name},      {Kind::kPostcode, "text", Digits},
    {Kind::kDateShift, "date", Date}, {Kind::kNoise, "integer", Integer},
    {Kind::kHash, "text", Email},     {Kind::kHash, "bigint", Integer},
    {Kind::kUuid, "uuid", Uuid},      {Kind::kPartial, "text", Email},
};

TEST(MaskTransformerTest, SameKeyAndInputGiveTheSameOutputAcrossColumns) {
  for (const Sample& s : kSamples) {
    auto a = Make(Rule(s.kind), Column(s.type, false, "first"));
    auto b = Make(Rule(s.kind), ColumnInfo{"other.table", "second", s.type, false});
    ASSERT_TRUE(a && b);
    for (int i = 0; i < 50; ++i) {
      EXPECT_EQ(Mask(*a, s.value(i)), Mask(*b, s.value(i))) << KindName(s.kind);
    }
  }
}

TEST(MaskTransformerTest, ADifferentKeyChangesEssentiallyEveryOutput) {
  for (const Sample& s : kSamples) {
    if (s.kind == Kind::kPartial) continue;  // not keyed
    auto a = Make(Rule(s.kind), Column(s.type), TestKey('1'));
    auto b = Make(Rule(s.kind), Column(s.type), TestKey('2'));
    ASSERT_TRUE(a && b);
    int same = 0, changed = 0;
    for (int i = 0; i < 1000; ++i) {
      const std::string in = s.value(i);
      const std::string out = Mask(*a, in);
      same += out == Mask(*b, in);
      changed += out != in;
    }
    // Dictionaries (>= 100 words) and 60 date offsets repeat by chance.
    const int allowed = s.kind == Kind::kDateShift ? 45 : s.kind == Kind::kCity ? 25 : 12;
    EXPECT_LE(same, allowed) << KindName(s.kind) << " on " << s.type;
    EXPECT_GE(changed, 950) << KindName(s.kind) << " on " << s.type;
  }
}

// Asserts no two of `count` distinct inputs give the same output.
void ExpectNoCollisions(const Transformer& t, int count, std::string (*value)(int),
                        const char* what) {
  std::unordered_set<std::string> inputs, outputs;
  for (int i = 0; i < count; ++i) {
    const std::string in = value(i);
    inputs.insert(in);
    outputs.insert(Mask(t, in));
  }
  EXPECT_EQ(inputs.size(), static_cast<size_t>(count)) << what << ": inputs not distinct";
  EXPECT_EQ(outputs.size(), inputs.size()) << what;
}

TEST(MaskTransformerTest, BijectiveRulesHaveNoCollisionsOver100kUniqueValues) {
  constexpr int kCount = 100000;
  const Sample kUnique[] = {
      {Kind::kEmail, "text", Email},
      {Kind::kPhone, "text", Phone},
      {Kind::kCreditCard, "text", Card},
      {Kind::kIban, "text", Iban},
      {Kind::kHash, "bigint", Integer},
      {Kind::kHash, "integer", Integer},
      {Kind::kHash, "text", Email},
      {Kind::kUuid, "uuid", Uuid},
      {Kind::kPostcode, "text", Digits},
      {Kind::kFirstName, "text", Name},
      {Kind::kFullName, "character varying(40)", Name},
  };
  for (const Sample& s : kUnique) {
    auto t = Make(Rule(s.kind), Column(s.type, /*unique=*/true));
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->bijective()) << KindName(s.kind);
    ExpectNoCollisions(*t, kCount, s.value, KindName(s.kind));
  }
}

TEST(MaskTransformerTest, PostcodePermutesAllFiveDigitCodes) {
  auto t = Make(Kind::kPostcode);
  std::unordered_set<std::string> outputs;
  for (int i = 0; i < 100000; ++i) {
    const std::string out = Mask(*t, Digits(i));
    ASSERT_EQ(out.size(), 5u);
    outputs.insert(out);
  }
  EXPECT_EQ(outputs.size(), 100000u);  // onto: every code is some code's image
}

TEST(MaskTransformerTest, NullStaysNullExceptForConstant) {
  for (const Sample& s : kSamples) {
    auto t = Make(Rule(s.kind), Column(s.type));
    ASSERT_TRUE(t);
    std::string out = "stale";
    bool out_null = false;
    ASSERT_TRUE(t->Apply(std::nullopt, out, out_null).ok());
    EXPECT_TRUE(out_null) << KindName(s.kind);
  }
  TransformSpec constant = Rule(Kind::kConstant);
  constant.value = "n/a";
  auto t = Make(constant, Column("text"));
  std::string out;
  bool out_null = true;
  ASSERT_TRUE(t->Apply(std::nullopt, out, out_null).ok());
  EXPECT_FALSE(out_null);
  EXPECT_EQ(out, "n/a");
}

TEST(MaskTransformerTest, VarcharAndCharOutputsFitTheColumn) {
  for (Kind kind : {Kind::kFullName, Kind::kStreet, Kind::kCity, Kind::kHash}) {
    auto t = Make(Rule(kind), Column("character varying(6)"));
    ASSERT_TRUE(t);
    for (int i = 0; i < 200; ++i) EXPECT_LE(Mask(*t, Name(i)).size(), 6u) << KindName(kind);
  }
  auto padded = Make(Kind::kFirstName, "character(4)");
  auto plain = Make(Kind::kFirstName, "text");
  const std::string out = Mask(*padded, "Ann ");
  EXPECT_LE(out.size(), 4u);
  EXPECT_EQ(out, Mask(*plain, "Ann").substr(0, 4));  // padding does not change the pick

  TransformSpec constant = Rule(Kind::kConstant);
  constant.value = "too long for it";
  auto r = MakeTransformer(constant, Column("character varying(5)"), TestKey());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("public.users.c"), std::string::npos);
}

TEST(MaskTransformerTest, UniqueColumnsRefuseNonBijectiveRules) {
  for (Kind kind : {Kind::kNull, Kind::kConstant, Kind::kPartial, Kind::kRegex, Kind::kDateShift,
                    Kind::kBirthdate}) {
    TransformSpec spec = Rule(kind);
    spec.pattern = "x";
    auto r = MakeTransformer(spec, Column("text", /*unique=*/true), TestKey());
    ASSERT_FALSE(r.ok()) << KindName(kind);
    const std::string& m = r.status().message();
    EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
    EXPECT_NE(m.find("public.users.c"), std::string::npos) << m;
    EXPECT_NE(m.find("hash"), std::string::npos) << m;
    EXPECT_EQ(m.find('\n'), std::string::npos) << m;
  }
  auto noise = MakeTransformer(Rule(Kind::kNoise), Column("integer", true), TestKey());
  EXPECT_FALSE(noise.ok());
  auto names = Make(Kind::kLastName, "text", /*unique=*/true);
  ASSERT_TRUE(names);
  EXPECT_TRUE(names->bijective());
  EXPECT_FALSE(Make(Kind::kLastName)->bijective());
}

TEST(MaskTransformerTest, TypeMismatchesFailAtConstruction) {
  const struct {
    Kind kind;
    const char* type;
  } kBad[] = {
      {Kind::kDateShift, "integer"}, {Kind::kNoise, "text"},        {Kind::kEmail, "bigint"},
      {Kind::kUuid, "integer"},      {Kind::kBirthdate, "numeric"}, {Kind::kJson, "integer"},
      {Kind::kHash, "date"},         {Kind::kPhone, "boolean"},     {Kind::kFirstName, "bytea"},
  };
  for (const auto& b : kBad) {
    auto r = MakeTransformer(Rule(b.kind), Column(b.type), TestKey());
    ASSERT_FALSE(r.ok()) << KindName(b.kind) << " on " << b.type;
    EXPECT_NE(r.status().message().find("public.users.c is " + std::string(b.type)),
              std::string::npos)
        << r.status().message();
  }
}

TEST(MaskTransformerTest, ParameterErrorsFailAtConstruction) {
  TransformSpec shift = Rule(Kind::kDateShift);
  shift.days = 0;
  EXPECT_FALSE(MakeTransformer(shift, Column("date"), TestKey()).ok());
  TransformSpec noise = Rule(Kind::kNoise);
  noise.percent = 0;
  EXPECT_FALSE(MakeTransformer(noise, Column("integer"), TestKey()).ok());
  TransformSpec birth = Rule(Kind::kBirthdate);
  birth.generalize = "decade";
  EXPECT_FALSE(MakeTransformer(birth, Column("date"), TestKey()).ok());
  TransformSpec regex = Rule(Kind::kRegex);
  regex.pattern = "([a-z";
  EXPECT_FALSE(MakeTransformer(regex, Column("text"), TestKey()).ok());
  TransformSpec partial = Rule(Kind::kPartial);
  partial.mask_char = "**";
  EXPECT_FALSE(MakeTransformer(partial, Column("text"), TestKey()).ok());
  TransformSpec constant = Rule(Kind::kConstant);
  constant.value = "abc";
  EXPECT_FALSE(MakeTransformer(constant, Column("integer"), TestKey()).ok());
}

TEST(MaskTransformerTest, ApplyErrorsNameTheColumnButNeverTheValue) {
  const std::string secret = "Secret-Value-42";
  const struct {
    Kind kind;
    const char* type;
  } kCases[] = {
      {Kind::kCreditCard, "text"}, {Kind::kIban, "text"},     {Kind::kDateShift, "text"},
      {Kind::kBirthdate, "text"},  {Kind::kUuid, "text"},     {Kind::kHash, "integer"},
      {Kind::kNoise, "numeric"},   {Kind::kNoise, "integer"}, {Kind::kDateShift, "date"},
  };
  for (const auto& c : kCases) {
    auto t = Make(Rule(c.kind), Column(c.type));
    ASSERT_TRUE(t);
    const Status st = testing::ApplyStatus(*t, secret);
    ASSERT_FALSE(st.ok()) << KindName(c.kind) << " on " << c.type;
    EXPECT_EQ(st.code(), Code::kInvalidArgument);
    EXPECT_NE(st.message().find("public.users.c"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("Secret"), std::string::npos) << st.message();
    EXPECT_EQ(st.message().find("42"), std::string::npos) << st.message();
  }
  TransformSpec json = Rule(Kind::kJson);
  json.json_paths = {{"$.email", Rule(Kind::kEmail)}};
  auto t = Make(json, Column("jsonb"));
  const Status st = testing::ApplyStatus(*t, "{\"email\": \"" + secret + "\"");
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("public.users.c"), std::string::npos);
  EXPECT_EQ(st.message().find("Secret"), std::string::npos) << st.message();
}

TEST(MaskTransformerTest, ConcurrentApplyGivesTheSameResults) {
  auto t = Make(Kind::kEmail);
  std::vector<std::string> expected;
  for (int i = 0; i < 2000; ++i) expected.push_back(Mask(*t, Email(i)));
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int k = 0; k < 4; ++k) {
    threads.emplace_back([&] {
      std::string out;
      bool out_null = false;
      for (int i = 0; i < 2000; ++i) {
        if (!t->Apply(Email(i), out, out_null).ok() || out != expected[i]) ++mismatches;
      }
    });
  }
  for (std::thread& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

TEST(MaskTransformerTest, MaskKeyHexRoundTrips) {
  auto key = MaskKey::FromHex(std::string(62, 'a') + "0F");
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->ToHex(), std::string(62, 'a') + "0f");
  EXPECT_FALSE(MaskKey::FromHex("abc").ok());
  EXPECT_FALSE(MaskKey::FromHex(std::string(63, 'a') + "g").ok());
  auto a = MaskKey::Generate();
  auto b = MaskKey::Generate();
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_NE(a->ToHex(), b->ToHex());
}

}  // namespace
}  // namespace spur::mask
