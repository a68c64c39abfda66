// What each transformer's output looks like.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "mask/dictionaries.h"
#include "mask/transformer.h"
#include "mask_test_util.h"

namespace spur::mask {
namespace {

using testing::Column;
using testing::Make;
using testing::Mask;
using testing::Rule;

// The positions of non-alphanumeric characters and the class of each
// alphanumeric one, e.g. "Ab-1" -> "Aa-9".
std::string Shape(std::string_view s) {
  std::string out;
  for (char c : s) {
    const unsigned char u = static_cast<unsigned char>(c);
    out.push_back(std::isdigit(u) ? '9' : std::islower(u) ? 'a' : std::isupper(u) ? 'A' : c);
  }
  return out;
}

std::string Digits(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c))) out.push_back(c);
  }
  return out;
}

// True when every character of `s` is in `allowed`.
bool OnlyOf(std::string_view s, std::string_view allowed) {
  return s.find_first_not_of(allowed) == std::string_view::npos;
}

bool LuhnValid(std::string_view s) {
  int sum = 0;
  bool doubled = false;
  for (size_t i = s.size(); i-- > 0;) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) continue;
    int d = s[i] - '0';
    if (doubled) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    doubled = !doubled;
  }
  return sum % 10 == 0;
}

bool IbanValid(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), ' '), s.end());
  const std::string rearranged = s.substr(4) + s.substr(0, 4);
  int mod = 0;
  for (char c : rearranged) {
    const int v =
        std::isdigit(static_cast<unsigned char>(c)) ? c - '0' : std::toupper(c) - 'A' + 10;
    mod = (mod * (v >= 10 ? 100 : 10) + v) % 97;
  }
  return mod == 1;
}

bool Contains(std::span<const std::string_view> words, std::string_view w) {
  return std::find(words.begin(), words.end(), w) != words.end();
}

TEST(MaskFormatsTest, EmailKeepsShapeSeparatorsAndTld) {
  auto t = Make(Kind::kEmail);
  for (const std::string in : {"john.smith@example.com", "Mary_O-Neil+news@mail.co.uk", "x@y.z"}) {
    const std::string out = Mask(*t, in);
    EXPECT_EQ(Shape(out), Shape(in));
    EXPECT_NE(out, in);
    EXPECT_EQ(out.substr(out.rfind('.')), in.substr(in.rfind('.')));
  }
  // A dot-less value keeps nothing, and a local-part dot is not a TLD.
  EXPECT_NE(Mask(*t, "john.smith").substr(5), "smith");
}

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// Regression: a citext email was lower-cased before masking, the same email
// in a text or jsonb column was not, so one person masked to two addresses
// and joins by value across tables broke. The canonical form is the
// lower-cased address, in every column type; the case pattern is kept.
TEST(MaskFormatsTest, SameEmailMasksToTheSameAddressInEveryColumnType) {
  auto text = Make(Kind::kEmail);
  auto citext = Make(Kind::kEmail, "citext");
  const std::string lower = Mask(*text, "john@example.com");
  EXPECT_EQ(Mask(*citext, "john@example.com"), lower);
  EXPECT_EQ(Lower(Mask(*text, "John@Example.COM")), lower);
  EXPECT_EQ(Lower(Mask(*citext, "John@Example.COM")), lower);
  EXPECT_EQ(Shape(Mask(*text, "John@Example.COM")), Shape("John@Example.COM"));

  TransformSpec json = Rule(Kind::kJson);
  json.json_paths = {{"$.email", Rule(Kind::kEmail)}};
  const nlohmann::json doc =
      nlohmann::json::parse(Mask(*Make(json, Column("jsonb")), R"({"email": "john@example.com"})"));
  EXPECT_EQ(doc["email"], lower);

  TransformSpec array = Rule(Kind::kEmail);
  EXPECT_EQ(Mask(*Make(array, Column("text[]")), "{john@example.com}"), "{" + lower + "}");
}

TEST(MaskFormatsTest, EmailWithTextAroundItKeepsNoneOfIt) {
  auto t = Make(Kind::kEmail);
  const std::string in = "Ann Smith <ann.smith@example.com>";
  const std::string out = Mask(*t, in);
  EXPECT_EQ(Shape(out), Shape(in));
  for (const char* word : {"Ann", "Smith", "ann", "smith", "example", "com"}) {
    EXPECT_EQ(out.find(word), std::string::npos) << out;
  }
  // Not an address: the "TLD" is permuted too.
  const std::string spaced = Mask(*t, "ann@example.com Alice.Jones");
  EXPECT_EQ(spaced.find("Jones"), std::string::npos) << spaced;
}

TEST(MaskFormatsTest, HashOnCitextKeysOnTheLowerCasedValue) {
  auto citext = Make(Kind::kHash, "citext");
  EXPECT_EQ(Mask(*citext, "Ann@X.org"), Mask(*citext, "ann@x.org"));
  auto text = Make(Kind::kHash);
  EXPECT_NE(Mask(*text, "Ann@X.org"), Mask(*text, "ann@x.org"));
}

TEST(MaskFormatsTest, DictionaryNamesKeepCaseStyle) {
  auto first = Make(Kind::kFirstName);
  const std::string name = Mask(*first, "Alice");
  EXPECT_TRUE(Contains(FirstNames(), name)) << name;
  std::string upper = name;
  for (char& c : upper) c = static_cast<char>(std::toupper(c));
  EXPECT_EQ(Mask(*first, "ALICE"), upper);
  EXPECT_EQ(Mask(*first, "alice")[0], std::tolower(name[0]));
  EXPECT_EQ(Mask(*first, ""), "");

  const std::string full = Mask(*Make(Kind::kFullName), "Alice Jones");
  const size_t space = full.find(' ');
  ASSERT_NE(space, std::string::npos);
  EXPECT_TRUE(Contains(FirstNames(), full.substr(0, space))) << full;
  EXPECT_TRUE(Contains(LastNames(), full.substr(space + 1))) << full;
  EXPECT_TRUE(Contains(LastNames(), Mask(*Make(Kind::kLastName), "Jones")));
  EXPECT_TRUE(Contains(Cities(), Mask(*Make(Kind::kCity), "Paris")));
  const std::string street = Mask(*Make(Kind::kStreet), "10 Downing Street");
  // "<1-9999> <Name> <Suffix>"
  const size_t space1 = street.find(' '), space2 = street.rfind(' ');
  ASSERT_TRUE(space1 != std::string::npos && space2 > space1) << street;
  const int number = std::stoi(street.substr(0, space1));
  EXPECT_TRUE(number >= 1 && number <= 9999) << street;
  EXPECT_TRUE(Contains(StreetNames(), street.substr(space1 + 1, space2 - space1 - 1))) << street;
  EXPECT_TRUE(Contains(StreetSuffixes(), street.substr(space2 + 1))) << street;
}

TEST(MaskFormatsTest, DictionarySizes) {
  EXPECT_GE(FirstNames().size(), 200u);
  EXPECT_GE(LastNames().size(), 200u);
  EXPECT_GE(Cities().size(), 100u);
}

TEST(MaskFormatsTest, UniqueNamesArePermutedLetters) {
  auto t = Make(Kind::kFirstName, "text", /*unique=*/true);
  const std::string out = Mask(*t, "Anne-Marie");
  EXPECT_EQ(Shape(out), Shape("Anne-Marie"));
  EXPECT_NE(out, "Anne-Marie");
}

TEST(MaskFormatsTest, PhoneKeepsFormatAndCountryPrefix) {
  auto t = Make(Kind::kPhone);
  const std::string in = "+44 20 7946 0958";
  const std::string out = Mask(*t, in);
  EXPECT_EQ(Shape(out), Shape(in));
  EXPECT_EQ(out.substr(0, 2), "+4");
  EXPECT_NE(out, in);
  EXPECT_EQ(Shape(Mask(*t, "(555) 010-0100 ext. 7")), Shape("(555) 010-0100 ext. 7"));
  EXPECT_EQ(Shape(Mask(*t, "555.010.0100 x12")), Shape("555.010.0100 x12"));
  EXPECT_EQ(Shape(Mask(*t, "555-0100 #4")), Shape("555-0100 #4"));
}

// Regression: phone kept every non-digit, so "ext. 12 (ask for <name>)"
// carried the name into the pool. What is not a phone number is removed; a
// value with no number at all becomes a keyed 10-digit number.
TEST(MaskFormatsTest, PhoneDropsFreeTextAroundTheNumber) {
  auto t = Make(Kind::kPhone);
  EXPECT_EQ(Shape(Mask(*t, "+1 555-0100 ext. 12 (ask for Alice)")), Shape("+1 555-0100 ext. 12"));
  EXPECT_EQ(Shape(Mask(*t, "555-0100, Alice's mobile")), Shape("555-0100"));
  EXPECT_EQ(Shape(Mask(*t, "555-0100 xavier")), Shape("555-0100"));
  const std::string none = Mask(*t, "ask Alice");
  EXPECT_EQ(none.size(), 10u);
  EXPECT_TRUE(OnlyOf(none, "0123456789")) << none;
  EXPECT_EQ(Mask(*t, "ask Alice"), none);  // deterministic
  EXPECT_NE(Mask(*t, "ask Bob"), none);
}

TEST(MaskFormatsTest, CreditCardDropsFreeText) {
  auto t = Make(Kind::kCreditCard);
  const std::string out = Mask(*t, "4111 1111 1111 1111 (Alice, exp 09/27)");
  EXPECT_EQ(Shape(out), Shape("4111 1111 1111 1111"));
  EXPECT_TRUE(LuhnValid(out)) << out;
}

// Regression: `$.contact.phones[*].number: phone` left every phone stored
// as a JSON number unchanged. A path's rule masks whatever is there.
TEST(MaskFormatsTest, JsonRulesMaskNumbersAndEverythingUnderThePath) {
  TransformSpec json = Rule(Kind::kJson);
  json.json_paths = {{"$.contact.phones[*].number", Rule(Kind::kPhone)},
                     {"$.profile", Rule(Kind::kFullName)},
                     {"$.salary", Rule(Kind::kNoise)}};
  auto t = Make(json, Column("jsonb"));
  ASSERT_TRUE(t);
  const std::string in =
      R"({"contact": {"phones": [{"number": 5550100}, {"number": "555-0199"}]},)"
      R"( "profile": {"names": ["Alice Jones", {"alias": "Ally Jo"}], "age": 41, "vip": true},)"
      R"( "salary": "52000"})";
  const nlohmann::json out = nlohmann::json::parse(Mask(*t, in));
  const nlohmann::json& number = out["contact"]["phones"][0]["number"];
  ASSERT_TRUE(number.is_number_integer()) << out.dump();
  EXPECT_NE(number.get<int64_t>(), 5550100);
  EXPECT_EQ(std::to_string(number.get<int64_t>()).size(), 7u);
  EXPECT_NE(out["contact"]["phones"][1]["number"], "555-0199");
  const std::string dump = out.dump();
  for (const char* original : {"Alice", "Jones", "Ally", "\"Jo\""}) {
    EXPECT_EQ(dump.find(original), std::string::npos) << original << " in " << dump;
  }
  EXPECT_TRUE(out["profile"]["names"][1]["alias"].is_string());
  EXPECT_TRUE(out["profile"]["vip"].get<bool>());  // booleans carry no value
  // noise on a numeric string: noised, still a string.
  ASSERT_TRUE(out["salary"].is_string());
  EXPECT_NE(out["salary"], "52000");
  // noise on a string that is no number: nothing passes through.
  EXPECT_TRUE(nlohmann::json::parse(Mask(*t, R"({"salary": "Alice"})"))["salary"].is_null());
}

// Regression: email on a text[] column was refused ("use null, constant or
// keep"). Rules apply element by element, NULL elements stay NULL.
TEST(MaskFormatsTest, ArrayColumnsAreMaskedElementByElement) {
  auto scalar = Make(Kind::kEmail);
  auto array = Make(Kind::kEmail, "text[]");
  ASSERT_TRUE(array);
  const std::string a = Mask(*scalar, "ann@example.com");
  const std::string b = Mask(*scalar, "bob smith@x.org");
  EXPECT_EQ(Mask(*array, R"({ann@example.com,NULL,"bob smith@x.org"})"),
            "{" + a + ",NULL,\"" + b + "\"}");
  EXPECT_EQ(Mask(*array, "{{ann@example.com},{ann@example.com}}"), "{{" + a + "},{" + a + "}}");
  EXPECT_EQ(Mask(*array, "{}"), "{}");
  // Element types are checked like columns: varchar(5)[] cuts each element.
  const std::string cut = Mask(*Make(Kind::kFirstName, "character varying(3)[]"), "{Alice,Bo}");
  EXPECT_LE(cut.size(), std::string("{abc,abc}").size()) << cut;
  // citext[] (a domain's array, resolved) folds case per element.
  auto ci = Make(Kind::kEmail, "citext[]");
  EXPECT_EQ(Lower(Mask(*ci, "{Ann@Example.com}")), "{" + a + "}");
  // Rules that do not fit the element type are refused, naming the column.
  Result<std::unique_ptr<Transformer>> bad =
      MakeTransformer(Rule(Kind::kEmail), Column("integer[]"), testing::TestKey());
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("public.users.c"), std::string::npos);
  // Malformed values fail with the column named and no content.
  const Status st = testing::ApplyStatus(*array, "{secret@x.org");
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("public.users.c"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find("secret"), std::string::npos) << st.message();
  // Whole-value rules stay whole-value.
  EXPECT_EQ(Mask(*Make(Kind::kKeep, "text[]"), "{a,b}"), "{a,b}");
}

TEST(MaskFormatsTest, CreditCardIsLuhnValidAndKeepsIssuer) {
  auto t = Make(Kind::kCreditCard);
  for (const std::string in : {"4111 1111 1111 1111", "5500-0000-0000-0004", "378282246310005"}) {
    ASSERT_TRUE(LuhnValid(in)) << in;
    const std::string out = Mask(*t, in);
    EXPECT_EQ(Shape(out), Shape(in));
    EXPECT_TRUE(LuhnValid(out)) << out;
    EXPECT_EQ(Digits(out).substr(0, 6), Digits(in).substr(0, 6));
    EXPECT_NE(out, in);
  }
}

TEST(MaskFormatsTest, IbanHasValidCheckDigitsAndKeepsCountry) {
  auto t = Make(Kind::kIban);
  for (const std::string in :
       {"DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606"}) {
    ASSERT_TRUE(IbanValid(in)) << in;
    const std::string out = Mask(*t, in);
    EXPECT_EQ(Shape(out), Shape(in));
    EXPECT_EQ(out.substr(0, 2), in.substr(0, 2));
    EXPECT_TRUE(IbanValid(out)) << out;
    EXPECT_NE(out, in);
  }
}

TEST(MaskFormatsTest, PostcodeKeepsFormat) {
  auto t = Make(Kind::kPostcode);
  for (const std::string in : {"SW1A 1AA", "10115", "K1A 0B1", "1234 AB"}) {
    EXPECT_EQ(Shape(Mask(*t, in)), Shape(in));
  }
}

// Days between two ISO dates (YYYY-MM-DD).
int64_t DayNumber(const std::string& d) {
  std::tm tm{};
  tm.tm_year = std::stoi(d.substr(0, 4)) - 1900;
  tm.tm_mon = std::stoi(d.substr(5, 2)) - 1;
  tm.tm_mday = std::stoi(d.substr(8, 2));
  return static_cast<int64_t>(::timegm(&tm)) / 86400;
}

TEST(MaskFormatsTest, DateShiftStaysWithinDaysAndKeepsTimeAndZone) {
  TransformSpec spec = Rule(Kind::kDateShift);
  spec.days = 10;
  auto date = Make(spec, Column("date"));
  for (int i = 1; i <= 28; ++i) {
    const std::string in = "2024-02-" + std::string(i < 10 ? "0" : "") + std::to_string(i);
    const int64_t shift = DayNumber(Mask(*date, in)) - DayNumber(in);
    EXPECT_NE(shift, 0) << in;
    EXPECT_LE(std::abs(shift), 10) << in;
  }
  auto tz = Make(spec, Column("timestamp with time zone"));
  const std::string out = Mask(*tz, "2024-02-10 13:45:10.25+05:30");
  EXPECT_EQ(out.substr(10), " 13:45:10.25+05:30");
  EXPECT_EQ(out.substr(0, 10), Mask(*date, "2024-02-10"));  // same day, same shift
  for (const std::string kept : {"infinity", "-infinity", "0044-03-15 BC"}) {
    EXPECT_EQ(Mask(*tz, kept), kept);
  }
  EXPECT_GE(Mask(*date, "0001-01-01").substr(0, 4), "0001");  // never into BC
}

TEST(MaskFormatsTest, BirthdateGeneralises) {
  TransformSpec spec = Rule(Kind::kBirthdate);
  EXPECT_EQ(Mask(*Make(spec, Column("date")), "1984-07-19"), "1984-01-01");
  spec.generalize = "month";
  EXPECT_EQ(Mask(*Make(spec, Column("date")), "1984-07-19"), "1984-07-01");
  EXPECT_EQ(Mask(*Make(spec, Column("timestamp with time zone")), "1984-07-19 13:45:10.5+02"),
            "1984-07-01 00:00:00+02");
  EXPECT_EQ(Mask(*Make(spec, Column("timestamp without time zone")), "1984-07-19 13:45:10"),
            "1984-07-01 00:00:00");
}

TEST(MaskFormatsTest, NoiseStaysWithinPercentAndKeepsTypeForm) {
  TransformSpec spec = Rule(Kind::kNoise);
  spec.percent = 10;
  auto integer = Make(spec, Column("integer"));
  int changed = 0;
  for (int v = 1000; v < 1100; ++v) {
    const int out = std::stoi(Mask(*integer, std::to_string(v)));
    EXPECT_LE(std::abs(out - v), v / 10 + 1);
    changed += out != v;
  }
  EXPECT_GE(changed, 90);
  spec.percent = 50;
  EXPECT_LE(std::stoi(Mask(*Make(spec, Column("smallint")), "32767")), 32767);
  auto numeric = Make(spec, Column("numeric(10,2)"));
  const std::string n = Mask(*numeric, "1234.50");
  EXPECT_EQ(Shape(n), std::string(n.size() - 3, '9') + ".99") << n;
  EXPECT_EQ(Mask(*numeric, "NaN"), "NaN");
  EXPECT_TRUE(OnlyOf(Mask(*numeric, "-7"), "-0123456789"));
  auto real = Make(spec, Column("double precision"));
  const double d = std::stod(Mask(*real, "3.25"));
  EXPECT_GE(d, 3.25 * 0.5);
  EXPECT_LE(d, 3.25 * 1.5);
  EXPECT_EQ(Mask(*real, "-Infinity"), "-Infinity");
}

TEST(MaskFormatsTest, HashForms) {
  const std::string hex = Mask(*Make(Kind::kHash), "alice@example.com");
  EXPECT_EQ(hex.size(), 32u);
  EXPECT_TRUE(OnlyOf(hex, "0123456789abcdef")) << hex;
  auto int4 = Make(Kind::kHash, "integer");
  for (const std::string in : {"0", "1", "-5", "2147483647", "-2147483648"}) {
    const int64_t out = std::stoll(Mask(*int4, in));
    EXPECT_GE(out, -2147483648LL);
    EXPECT_LE(out, 2147483647LL);
    EXPECT_EQ(out < 0, in[0] == '-');
  }
}

TEST(MaskFormatsTest, UuidIsCanonicalAndKeepsVersion) {
  auto t = Make(Kind::kUuid, "uuid");
  const std::string out = Mask(*t, "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11");
  ASSERT_EQ(out.size(), 36u);
  for (size_t hyphen : {8, 13, 18, 23}) EXPECT_EQ(out[hyphen], '-') << out;
  EXPECT_TRUE(OnlyOf(out, "0123456789abcdef-")) << out;
  EXPECT_EQ(out[14], '4') << out;                                        // version kept
  EXPECT_NE(std::string_view("89ab").find(out[19]), std::string::npos);  // variant kept
  EXPECT_EQ(Mask(*t, "{a0eebc999c0b4ef8bb6d6bb9bd380a11}"), out);
  EXPECT_EQ(Mask(*t, "a0eebc99-9c0b4ef8-bb6d6bb9-bd380a11"), out);
  EXPECT_EQ(Mask(*Make(Kind::kUuid, "text"), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"), out);
  EXPECT_FALSE(testing::ApplyStatus(*t, "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a1").ok());
  EXPECT_FALSE(testing::ApplyStatus(*t, "a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11").ok());
}

TEST(MaskFormatsTest, NullConstantPartialRegex) {
  std::string out = "x";
  bool out_null = false;
  ASSERT_TRUE(Make(Kind::kNull)->Apply("value", out, out_null).ok());
  EXPECT_TRUE(out_null);

  TransformSpec partial = Rule(Kind::kPartial);
  partial.keep_last = 4;
  EXPECT_EQ(Mask(*Make(partial, Column("text")), "4111111111111111"), "************1111");
  partial.keep_first = 1;
  partial.keep_last = 1;
  partial.mask_char = "•";
  EXPECT_EQ(Mask(*Make(partial, Column("text")), "Zoë Ærø"), "Z•••••ø");
  EXPECT_EQ(Mask(*Make(partial, Column("text")), "ab"), "••");  // never shown whole

  TransformSpec regex = Rule(Kind::kRegex);
  regex.pattern = "([a-z]+)@([a-z.]+)";
  regex.replace = "user@$2";
  EXPECT_EQ(Mask(*Make(regex, Column("text")), "mail bob@example.org now"),
            "mail user@example.org now");
}

TEST(MaskFormatsTest, JsonPathsRewriteMatchingLeaves) {
  TransformSpec json = Rule(Kind::kJson);
  TransformSpec noise = Rule(Kind::kNoise);
  json.json_paths = {{"$.contact.email", Rule(Kind::kEmail)},
                     {"$.phones[*]", Rule(Kind::kPhone)},
                     {"$.orders[*].card", Rule(Kind::kNull)},
                     {"$.tags[0]", Rule(Kind::kHash)},
                     {"$.age", noise},
                     {R"($["missing"].x)", Rule(Kind::kCity)}};
  auto t = Make(json, Column("jsonb"));
  ASSERT_TRUE(t);
  const std::string in =
      R"({"contact": {"email": "bob@example.org", "name": "Bob"}, "phones": ["555-0100", 7],)"
      R"( "orders": [{"card": "4111", "id": 1}, {"id": 2}], "tags": ["a", "b"], "age": 40})";
  const nlohmann::json out = nlohmann::json::parse(Mask(*t, in));
  const std::string email = out["contact"]["email"];
  EXPECT_EQ(Shape(email), Shape("bob@example.org"));
  EXPECT_NE(email, "bob@example.org");
  EXPECT_EQ(out["contact"]["name"], "Bob");
  EXPECT_EQ(Shape(out["phones"][0].get<std::string>()), "999-9999");
  EXPECT_TRUE(out["phones"][1].is_number());  // numbers are masked too (see below)
  EXPECT_TRUE(out["orders"][0]["card"].is_null());
  EXPECT_EQ(out["orders"][1]["id"], 2);
  EXPECT_EQ(out["tags"][0].get<std::string>().size(), 32u);
  EXPECT_EQ(out["tags"][1], "b");
  EXPECT_TRUE(out["age"].is_number_integer());
  EXPECT_LE(std::abs(out["age"].get<int>() - 40), 4);
  // Compact output, members in input order.
  EXPECT_EQ(Mask(*t, R"({"z": 1, "a": [ 1, 2 ]})"), R"({"z":1,"a":[1,2]})");
}

TEST(MaskFormatsTest, JsonRejectsBadPaths) {
  TransformSpec json = Rule(Kind::kJson);
  json.json_paths = {{"contact.email", Rule(Kind::kEmail)}};
  auto r = MakeTransformer(json, Column("json"), testing::TestKey());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("contact.email"), std::string::npos);
}

}  // namespace
}  // namespace spur::mask

namespace spur::mask {
namespace {

// Regression: mask verify counted a source first name ("Julia"-like) found
// inside replacement names ("Julian") as 15,295 leaks.
TEST(MaskDictionaries, ValuesInsideReplacementWordsAreRecognised) {
  const std::string_view word = FirstNames()[0];
  EXPECT_TRUE(InsideDictionaryWord(word));
  EXPECT_TRUE(InsideDictionaryWord(word.substr(0, word.size() - 1)));
  EXPECT_TRUE(InsideDictionaryWord(StreetSuffixes()[0]));
  EXPECT_FALSE(InsideDictionaryWord("qzxqzxqzx"));
  EXPECT_FALSE(InsideDictionaryWord(""));
}

}  // namespace
}  // namespace spur::mask

namespace spur::mask {
namespace {

// The dictionary checks are hash lookups (mask verify asks millions of times);
// they must answer exactly what a scan of the lists answers: every substring
// of every word is inside one, case is ignored for outputs, and nothing else.
TEST(MaskDictionaries, LookupsAgreeWithAScanOfTheLists) {
  const std::vector<std::span<const std::string_view>> lists = {FirstNames(), LastNames(), Cities(),
                                                                StreetNames(), StreetSuffixes()};
  auto scan_inside = [&](std::string_view v) {
    for (auto list : lists) {
      for (std::string_view w : list) {
        if (!v.empty() && w.find(v) != std::string_view::npos) return true;
      }
    }
    return false;
  };
  std::vector<std::string> probes = {"",
                                     "a",
                                     "A",
                                     "x",
                                     "ann",
                                     "ANN",
                                     "Main Street",
                                     "12 Main Street",
                                     "12 main street",
                                     "0 Main Street",
                                     "12345 Main Street",
                                     "12 Main",
                                     "12  Main Street"};
  for (auto list : lists) {
    for (std::string_view w : list) {
      std::string upper(w), lower(w);
      for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      for (const std::string& v : {std::string(w), upper, lower, std::string(w.substr(1)),
                                   std::string(w) + "x", std::string(w.substr(0, w.size() / 2))}) {
        probes.push_back(v);
      }
    }
  }
  probes.push_back(std::string(FirstNames()[3]) + " " + std::string(LastNames()[5]));
  probes.push_back(std::string(FirstNames()[3]) + " " + std::string(FirstNames()[5]));
  probes.push_back("7 " + std::string(StreetNames()[2]) + " " + std::string(StreetSuffixes()[1]));
  for (const std::string& v : probes) {
    EXPECT_EQ(InsideDictionaryWord(v), scan_inside(v)) << v;
  }
  EXPECT_TRUE(IsDictionaryOutput(probes.back()));
  EXPECT_TRUE(IsDictionaryOutput(std::string(FirstNames()[3]) + " " + std::string(LastNames()[5])));
  EXPECT_FALSE(IsDictionaryOutput(std::string(FirstNames()[3]) + " " + "Qzx"));
  EXPECT_TRUE(IsDictionaryOutput("12 main street"));
  EXPECT_FALSE(IsDictionaryOutput("12345 Main Street"));
  std::string shouting(Cities()[0]);
  for (char& c : shouting) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  EXPECT_TRUE(IsDictionaryOutput(shouting));
  EXPECT_FALSE(IsDictionaryOutput(std::string(Cities()[0]) + "x"));
}

}  // namespace
}  // namespace spur::mask
