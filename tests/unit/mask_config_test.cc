#include <gtest/gtest.h>

#include <set>
#include <string>

#include "mask/config.h"

namespace spur::mask {
namespace {

constexpr std::string_view kFull = R"(# mask.yaml for the shop
version: 1
strict: true
tables:
  public.users:
    email: email
    first_name: first_name
    phone: { rule: phone }
    born: { rule: birthdate, generalize: month }
    signup: { rule: date_shift, days: 30 }
    salary: { rule: noise, percent: 10 }
    notes: { rule: regex, pattern: '\d{3}-\d{2}-\d{4}', replace: 'XXX-XX-XXXX' }
    card_last4: { rule: partial, keep_last: 4, mask_char: '#' }
    country: keep
    status: { rule: constant, value: 'n/a' }
    ssn: null
    tax: ~
    profile: { rule: json, paths: { "$.address.street": street, "$.contacts[*].email": email, "$.ssn": null } }
  orders:
    shipping_name: full_name
  '"Sales"."Big Deals"':
    '"Contact"': { rule: hash }
)";

// Expects `yaml` to be rejected with InvalidArgument whose message contains each of `parts`.
void ExpectRejected(std::string_view yaml, std::initializer_list<std::string_view> parts) {
  Result<MaskConfig> c = ParseMaskConfig(yaml);
  ASSERT_EQ(c.status().code(), Code::kInvalidArgument) << yaml;
  EXPECT_EQ(c.status().message().find('\n'), std::string::npos) << c.status().message();
  for (std::string_view part : parts) {
    EXPECT_NE(c.status().message().find(part), std::string::npos)
        << "\"" << part << "\" not in: " << c.status().message();
  }
}

// A one-column config with `rule` as the column's value.
std::string WithRule(std::string_view rule) {
  return "tables:\n  users:\n    c: " + std::string(rule) + "\n";
}

TEST(MaskConfig, ParsesTheFullExample) {
  Result<MaskConfig> c = ParseMaskConfig(kFull);
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->strict, Strictness::kAll);
  ASSERT_EQ(c->tables.size(), 3u);
  const MaskConfig::Columns* users = c->FindTable("public", "users");
  ASSERT_NE(users, nullptr);
  EXPECT_EQ(users->size(), 13u);
  EXPECT_EQ(c->Find("public", "users", "email")->kind, Kind::kEmail);
  EXPECT_EQ(c->Find("public", "users", "first_name")->kind, Kind::kFirstName);
  EXPECT_EQ(c->Find("public", "users", "phone")->kind, Kind::kPhone);
  const TransformSpec* born = c->Find("public", "users", "born");
  EXPECT_EQ(born->kind, Kind::kBirthdate);
  EXPECT_EQ(born->generalize, "month");
  EXPECT_EQ(c->Find("public", "users", "signup")->days, 30);
  EXPECT_EQ(c->Find("public", "users", "salary")->percent, 10.0);
  const TransformSpec* notes = c->Find("public", "users", "notes");
  EXPECT_EQ(notes->pattern, "\\d{3}-\\d{2}-\\d{4}");
  EXPECT_EQ(notes->replace, "XXX-XX-XXXX");
  const TransformSpec* card = c->Find("public", "users", "card_last4");
  EXPECT_EQ(card->keep_last, 4);
  EXPECT_EQ(card->keep_first, 0);
  EXPECT_EQ(card->mask_char, "#");
  EXPECT_EQ(c->Find("public", "users", "country")->kind, Kind::kKeep);
  EXPECT_EQ(c->Find("public", "users", "status")->value, "n/a");
  EXPECT_EQ(c->Find("public", "users", "ssn")->kind, Kind::kNull);
  EXPECT_EQ(c->Find("public", "users", "tax")->kind, Kind::kNull);
  const TransformSpec* profile = c->Find("public", "users", "profile");
  ASSERT_EQ(profile->json_paths.size(), 3u);  // sorted by path
  EXPECT_EQ(profile->json_paths[0].first, "$.address.street");
  EXPECT_EQ(profile->json_paths[0].second.kind, Kind::kStreet);
  EXPECT_EQ(profile->json_paths[1].first, "$.contacts[*].email");
  EXPECT_EQ(profile->json_paths[1].second.kind, Kind::kEmail);
  EXPECT_EQ(profile->json_paths[2].first, "$.ssn");
  EXPECT_EQ(profile->json_paths[2].second.kind, Kind::kNull);
  EXPECT_EQ(c->Find("public", "orders", "shipping_name")->kind, Kind::kFullName);
  EXPECT_EQ(c->Find("Sales", "Big Deals", "Contact")->kind, Kind::kHash);
  EXPECT_EQ(c->Find("public", "users", "nope"), nullptr);
  EXPECT_EQ(c->Find("public", "nope", "email"), nullptr);
  EXPECT_EQ(c->Find("sales", "big deals", "contact"), nullptr);
}

TEST(MaskConfig, EmptyMeansStrictWithNoRules) {
  for (std::string_view yaml : {"", "# nothing\n", "tables:\n", "version: 1\ntables: ~\n"}) {
    Result<MaskConfig> c = ParseMaskConfig(yaml);
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_EQ(c->strict, Strictness::kAll);
    EXPECT_TRUE(c->tables.empty());
  }
  Result<MaskConfig> lax = ParseMaskConfig("strict: false\n");
  ASSERT_TRUE(lax.ok()) << lax.status().message();
  EXPECT_EQ(lax->strict, Strictness::kOff);
}

TEST(MaskConfig, StrictIsAllGuessOrOff) {
  const std::pair<const char*, Strictness> cases[] = {{"all", Strictness::kAll},
                                                      {"true", Strictness::kAll},
                                                      {"guess", Strictness::kGuess},
                                                      {"off", Strictness::kOff},
                                                      {"false", Strictness::kOff}};
  for (const auto& [text, want] : cases) {
    Result<MaskConfig> c = ParseMaskConfig(std::string("strict: ") + text + "\n");
    ASSERT_TRUE(c.ok()) << text << ": " << c.status().message();
    EXPECT_EQ(c->strict, want) << text;
  }
}

TEST(MaskConfig, TodoMarksAColumnUndecided) {
  Result<MaskConfig> c = ParseMaskConfig("tables:\n  users:\n    notes: todo\n    email: email\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->Find("public", "users", "notes"), nullptr);
  EXPECT_EQ(c->todo.at(TableRef{"public", "users"}).count("notes"), 1u);
  EXPECT_EQ(c->ToJson()["tables"]["public.users"]["notes"], "todo");
  ExpectRejected("tables:\n  users:\n    notes: todo\n    notes: keep\n", {"appears twice"});
}

TEST(MaskConfig, SchemaKeepAcceptsNamedSchemaObjects) {
  Result<MaskConfig> c =
      ParseMaskConfig("schema:\n  \"comment on public.users\": keep\n  view public.vip: keep\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->schema_keep, (std::set<std::string>{"comment on public.users", "view public.vip"}));
  Result<MaskConfig> again = ParseMaskConfig(c->ToJson().dump());
  ASSERT_TRUE(again.ok()) << again.status().message();
  EXPECT_EQ(again->Fingerprint(), c->Fingerprint());
  ExpectRejected("schema:\n  view v: drop\n", {"line 2", "only choice is keep"});
  ExpectRejected("schema: [a]\n", {"line 1", "schema: expected a mapping"});
}

TEST(MaskConfig, ReasonIsANoteOnAnyRule) {
  Result<MaskConfig> c = ParseMaskConfig(
      "tables:\n  users:\n    country: { rule: keep, reason: \"ISO code\" }\n"
      "    born: { rule: birthdate, generalize: year, reason: 'ages matter' }\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->Find("public", "users", "country")->reason, "ISO code");
  // Not part of what the config means.
  Result<MaskConfig> bare = ParseMaskConfig(
      "tables:\n  users:\n    country: keep\n    born: { rule: birthdate, generalize: year }\n");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(c->Fingerprint(), bare->Fingerprint());
  ExpectRejected(WithRule("{ rule: keep, reason: \"a\\nb\" }"), {"reason", "one line"});
  ExpectRejected(WithRule("{ rule: keep, reason: '" + std::string(501, 'x') + "' }"),
                 {"reason", "500 bytes"});
}

TEST(MaskConfig, NamesFoldLikeSql) {
  Result<MaskConfig> c = ParseMaskConfig("tables:\n  Sales.Orders:\n    Email: email\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_NE(c->Find("sales", "orders", "email"), nullptr);
  EXPECT_EQ(c->ToJson()["tables"].begin().key(), "sales.orders");
}

TEST(MaskConfig, EveryRuleNameParsesInShortOrLongForm) {
  for (std::string_view name :
       {"keep", "email", "first_name", "last_name", "full_name", "phone", "credit_card", "iban",
        "street", "city", "postcode", "birthdate", "hash", "uuid", "null"}) {
    Result<MaskConfig> c = ParseMaskConfig(WithRule(name));
    ASSERT_TRUE(c.ok()) << name << ": " << c.status().message();
    EXPECT_STREQ(KindName(c->Find("public", "users", "c")->kind), std::string(name).c_str());
    Result<MaskConfig> long_form = ParseMaskConfig(WithRule("{ rule: " + std::string(name) + " }"));
    ASSERT_TRUE(long_form.ok()) << name << ": " << long_form.status().message();
    EXPECT_EQ(long_form->Fingerprint(), c->Fingerprint()) << name;
  }
}

TEST(MaskConfig, UnknownRuleListsRulesWithLine) {
  ExpectRejected("tables:\n  public.users:\n    email: email\n    mail: emial\n",
                 {"mask.yaml line 4: unknown rule \"emial\" for public.users.mail; rules are: "
                  "keep, email, first_name, last_name, full_name, phone, credit_card, iban, "
                  "street, city, postcode, date_shift, birthdate, noise, hash, uuid, null, "
                  "constant, partial, regex, json"});
  ExpectRejected(WithRule("{ rule: emial }"), {"line 3", "unknown rule \"emial\""});
  ExpectRejected(WithRule("[email]"), {"line 3", "public.users.c", "found a list"});
}

TEST(MaskConfig, RejectsUnknownTopLevelKeys) {
  ExpectRejected("version: 1\ntable:\n  users: {}\n",
                 {"mask.yaml line 2: unknown key \"table\"", "version, strict, tables, schema"});
  ExpectRejected("strict: true\nstrict: false\n", {"line 2", "\"strict\" appears twice"});
  ExpectRejected("- a\n", {"must be a mapping"});
}

TEST(MaskConfig, RejectsBadVersionAndStrict) {
  ExpectRejected("version: 2\n", {"line 1", "version \"2\" is not supported"});
  ExpectRejected("strict: maybe\n", {"line 1", "strict: expected all, guess or off"});
}

TEST(MaskConfig, RejectsMissingParameters) {
  ExpectRejected(WithRule("date_shift"),
                 {"line 3", "date_shift for public.users.c needs days", "days: 30"});
  ExpectRejected(WithRule("{ rule: noise }"), {"noise for public.users.c needs percent"});
  ExpectRejected(WithRule("constant"), {"needs value"});
  ExpectRejected(WithRule("{ rule: partial, mask_char: 'x' }"), {"keep_first or keep_last"});
  ExpectRejected(WithRule("{ rule: regex, pattern: 'a' }"), {"needs pattern and replace"});
  ExpectRejected(WithRule("json"), {"needs paths"});
  ExpectRejected(WithRule("{ days: 3 }"), {"line 3", "no rule"});
}

TEST(MaskConfig, RejectsUnknownAndRepeatedParameters) {
  ExpectRejected(WithRule("{ rule: date_shift, day: 30 }"),
                 {"line 3", "unknown parameter \"day\" for date_shift on public.users.c",
                  "date_shift takes days"});
  ExpectRejected(WithRule("{ rule: email, days: 3 }"), {"email takes none"});
  ExpectRejected(
      "tables:\n  users:\n    c:\n      rule: noise\n      percent: 5\n      "
      "percent: 6\n",
      {"line 6", "percent appears twice"});
}

TEST(MaskConfig, ChecksParameterRanges) {
  ExpectRejected(WithRule("{ rule: date_shift, days: 0 }"),
                 {"line 3: days for public.users.c: expected a whole number from 1"});
  ExpectRejected(WithRule("{ rule: date_shift, days: -3 }"), {"days"});
  ExpectRejected(WithRule("{ rule: date_shift, days: 2.5 }"), {"days", "\"2.5\""});
  ExpectRejected(WithRule("{ rule: date_shift, days: [1] }"), {"days", "a list"});
  ExpectRejected(WithRule("{ rule: noise, percent: 0 }"), {"percent", "above 0"});
  ExpectRejected(WithRule("{ rule: noise, percent: 100.5 }"), {"percent"});
  ExpectRejected(WithRule("{ rule: noise, percent: .nan }"), {"percent"});
  ExpectRejected(WithRule("{ rule: birthdate, generalize: day }"), {"year or month"});
  ExpectRejected(WithRule("{ rule: partial, keep_last: 4, mask_char: '##' }"),
                 {"mask_char", "one printable character"});
  ExpectRejected(WithRule("{ rule: partial, keep_last: 4, mask_char: '' }"), {"mask_char"});
  ExpectRejected(WithRule("{ rule: partial, keep_last: -1 }"), {"keep_last"});
  ExpectRejected(WithRule("{ rule: regex, pattern: '(a', replace: '' }"),
                 {"pattern", "ECMAScript"});
  ExpectRejected(WithRule("{ rule: constant, value: { a: 1 } }"), {"value", "a mapping"});
  ExpectRejected(WithRule("{ rule: regex, pattern: 'a', replace: }"), {"replace"});
}

// Found by the mask_config fuzz target: std::regex's compiler overflowed on a
// huge repetition count, and nested repetitions multiply its states.
TEST(MaskConfig, RegexRepetitionOverflowIsRefusedBeforeCompiling) {
  ExpectRejected(WithRule("{ rule: regex, pattern: 'a{8888888888888888888}', replace: '' }"),
                 {"pattern", "more than 1000 times"});
  ExpectRejected(WithRule("{ rule: regex, pattern: '(a{900}){900}', replace: '' }"),
                 {"pattern", "states"});
  ExpectRejected(WithRule("{ rule: regex, pattern: '" + std::string(20, '(') + "a" +
                          std::string(20, ')') + "', replace: '' }"),
                 {"pattern", "deep"});
  ExpectRejected(
      WithRule("{ rule: regex, pattern: '" + std::string(1001, 'a') + "', replace: '' }"),
      {"pattern", "1000 bytes"});
  // Within the bounds, and braces that are not repetitions, still compile.
  EXPECT_TRUE(ParseMaskConfig(WithRule("{ rule: regex, pattern: '(\\d{3}-){2}\\d{1000}', "
                                       "replace: x }"))
                  .ok());
  EXPECT_TRUE(ParseMaskConfig(WithRule("{ rule: regex, pattern: '[{]a{2,}', replace: x }")).ok());
}

TEST(MaskConfig, AcceptsEdgeParameters) {
  Result<MaskConfig> c = ParseMaskConfig(
      "tables:\n  t:\n    a: { rule: noise, percent: 100 }\n    b: { rule: noise, percent: 0.5 }\n"
      "    c: { rule: partial, keep_first: 2, mask_char: '\xe2\x80\xa2' }\n"
      "    d: { rule: regex, pattern: '[0-9]+', replace: '' }\n"
      "    e: { rule: constant, value: 42 }\n    f: birthdate\n");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->Find("public", "t", "a")->percent, 100.0);
  EXPECT_EQ(c->Find("public", "t", "b")->percent, 0.5);
  EXPECT_EQ(c->Find("public", "t", "c")->mask_char, "\xe2\x80\xa2");
  EXPECT_EQ(c->Find("public", "t", "c")->keep_first, 2);
  EXPECT_EQ(c->Find("public", "t", "d")->replace, "");
  EXPECT_EQ(c->Find("public", "t", "e")->value, "42");
  EXPECT_EQ(c->Find("public", "t", "f")->generalize, "year");
}

TEST(MaskConfig, ChecksJsonPaths) {
  ExpectRejected(WithRule("{ rule: json, paths: { \"address.street\": street } }"),
                 {"line 3", "public.users.c", "must start with $"});
  ExpectRejected(WithRule("{ rule: json, paths: { \"$.a..b\": street } }"), {"character 5"});
  ExpectRejected(WithRule("{ rule: json, paths: { \"$.a[x]\": street } }"), {"[N]"});
  ExpectRejected(WithRule("{ rule: json, paths: { \"$\": street } }"), {"whole value"});
  ExpectRejected(WithRule("{ rule: json, paths: { \"$.a\": emial } }"),
                 {"unknown rule \"emial\" for public.users.c $.a"});
  ExpectRejected(WithRule("{ rule: json, paths: { \"$.a\": { rule: json, paths: { \"$.b\": "
                          "email } } } }"),
                 {"json rule cannot hold another", "$.a.b"});
  ExpectRejected(WithRule("{ rule: json, paths: { \"$.a\": email, \"$[\\\"a\\\"]\": city } }"),
                 {"path $.a appears twice"});
  ExpectRejected(WithRule("{ rule: json, paths: {} }"), {"mapping of JSON path to rule"});
  ExpectRejected(WithRule("{ rule: json, paths: { \"$.d\": date_shift } }"), {"needs days"});
}

TEST(MaskConfig, RejectsBadAndDuplicateNames) {
  ExpectRejected("tables:\n  users:\n    email: email\n  public.Users:\n    phone: phone\n",
                 {"mask.yaml line 4: table public.users appears twice (first on line 2)"});
  ExpectRejected("tables:\n  users:\n    Email: email\n    email: email\n",
                 {"line 4", "column public.users.email appears twice"});
  ExpectRejected("tables:\n  a.b.c:\n    x: email\n", {"line 2", "more than schema.table"});
  ExpectRejected("tables:\n  my-table:\n    x: email\n", {"line 2", "quote"});
  ExpectRejected("tables:\n  users:\n    my col: email\n", {"line 3", "\"my col\""});
  ExpectRejected("tables:\n  users: email\n", {"line 2", "public.users", "column to rule"});
  ExpectRejected("tables:\n  users: {}\n", {"line 2", "column to rule"});
  ExpectRejected("tables: [users]\n", {"line 1", "tables: expected a mapping"});
}

TEST(MaskConfig, RejectsYamlSyntaxAndBadUtf8) {
  ExpectRejected("tables:\n  users: {email: email\n", {"mask.yaml line", "fix the YAML syntax"});
  ExpectRejected("tables:\n  users:\n    c: { rule: constant, value: '\xff' }\n",
                 {"not valid UTF-8", "byte 51"});
}

TEST(MaskConfig, FingerprintIgnoresSpellingOrderAndComments) {
  Result<MaskConfig> a = ParseMaskConfig(
      "tables:\n  public.users:\n    email: email\n    born: birthdate\n"
      "    p: { rule: json, paths: { \"$.b\": city, \"$['x']\": null } }\n");
  Result<MaskConfig> b = ParseMaskConfig(
      "# same thing\nversion: 1\nstrict: true\ntables:\n  USERS:\n"
      "    p: { paths: { \"$[\\\"x\\\"]\": ~, \"$.b\": { rule: city } }, rule: json }\n"
      "    born: { rule: birthdate, generalize: year }\n    Email: { rule: email }\n");
  ASSERT_TRUE(b.ok()) << b.status().message();
  // "$['x']" is not a path form: a is rejected; fix it and compare.
  ASSERT_FALSE(a.ok());
  a = ParseMaskConfig(
      "tables:\n  public.users:\n    email: email\n    born: birthdate\n"
      "    p: { rule: json, paths: { \"$.b\": city, \"$.x\": null } }\n");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->Fingerprint(), b->Fingerprint());
  EXPECT_EQ(a->Fingerprint().size(), 64u);
  EXPECT_EQ(a->ToJson(), b->ToJson());
}

TEST(MaskConfig, FingerprintChangesWithMeaning) {
  Result<MaskConfig> base = ParseMaskConfig(WithRule("{ rule: date_shift, days: 30 }"));
  ASSERT_TRUE(base.ok());
  for (std::string_view other :
       {"{ rule: date_shift, days: 31 }", "email", "{ rule: noise, percent: 30 }"}) {
    Result<MaskConfig> c = ParseMaskConfig(WithRule(other));
    ASSERT_TRUE(c.ok()) << c.status().message();
    EXPECT_NE(c->Fingerprint(), base->Fingerprint()) << other;
  }
  Result<MaskConfig> lax =
      ParseMaskConfig("strict: false\n" + WithRule("{ rule: date_shift, days: 30 }"));
  ASSERT_TRUE(lax.ok());
  EXPECT_NE(lax->Fingerprint(), base->Fingerprint());
}

TEST(MaskConfig, ToJsonShowsRulesAndParameters) {
  Result<MaskConfig> c = ParseMaskConfig(kFull);
  ASSERT_TRUE(c.ok()) << c.status().message();
  const nlohmann::json j = c->ToJson();
  EXPECT_EQ(j["version"], 1);
  EXPECT_EQ(j["strict"], "all");
  const nlohmann::json& users = j["tables"]["public.users"];
  EXPECT_EQ(users["email"], nlohmann::json({{"rule", "email"}}));
  EXPECT_EQ(users["signup"], nlohmann::json({{"rule", "date_shift"}, {"days", 30}}));
  EXPECT_EQ(users["card_last4"]["mask_char"], "#");
  EXPECT_EQ(users["profile"]["paths"]["$.ssn"]["rule"], "null");
  EXPECT_TRUE(j["tables"].contains("\"Sales\".\"Big Deals\""));
  EXPECT_TRUE(j["tables"]["\"Sales\".\"Big Deals\""].contains("\"Contact\""));
}

TEST(MaskConfig, LoadReportsMissingFile) {
  Result<MaskConfig> c = LoadMaskConfig("/nonexistent/spur/mask.yaml");
  EXPECT_EQ(c.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace spur::mask
