// Issue 12: no personal value reaches a pool. A source built the way real
// ones are (inheritance and partitions at two levels, jsonb numbers and
// arrays under ruled paths, text[], a domain over citext in a composite
// foreign key, free text around phone numbers), a careful mask.yaml, a
// masked sync, then SQL scans of every relation (ONLY, so children are
// searched on their own) for the originals.
#include "os/fs.h"
#include "pool_fixture.h"
#include "source_cluster.h"

namespace spur::testing {
namespace {

constexpr int kPeople = 60;

constexpr const char* kSchema = R"sql(
CREATE EXTENSION citext;
CREATE DOMAIN email_ci AS citext;

-- Inheritance at two levels; each level holds rows of its own.
CREATE TABLE people (id int PRIMARY KEY, email text, phone text, aliases text[]);
CREATE TABLE staff (badge text) INHERITS (people);
CREATE TABLE contractors (agency text) INHERITS (staff);

-- Partitions at two levels.
CREATE TABLE visits (id int, at date, email text) PARTITION BY RANGE (at);
CREATE TABLE visits_2024 PARTITION OF visits
  FOR VALUES FROM ('2024-01-01') TO ('2025-01-01') PARTITION BY HASH (id);
CREATE TABLE visits_2024_a PARTITION OF visits_2024 FOR VALUES WITH (MODULUS 2, REMAINDER 0);
CREATE TABLE visits_2024_b PARTITION OF visits_2024 FOR VALUES WITH (MODULUS 2, REMAINDER 1);

-- A domain over citext in a composite key and the foreign key onto it; the
-- referencing rows spell the address in another case (citext: equal).
CREATE TABLE accounts (tenant int, email email_ci, PRIMARY KEY (tenant, email));
CREATE TABLE logins (id int PRIMARY KEY, tenant int, email email_ci,
  FOREIGN KEY (tenant, email) REFERENCES accounts (tenant, email));

-- jsonb: numbers, strings and arrays under ruled paths.
CREATE TABLE contacts (id int PRIMARY KEY, doc jsonb);

INSERT INTO people SELECT g, 'Person' || g || '.Real@Example.org',
  '+1 555-01' || lpad(g::text, 2, '0') || ' ext. 12 (ask for Hiddenname' || g || ')',
  ARRAY['person' || g || '.alias@example.org', NULL]
FROM generate_series(1, 20) g;
INSERT INTO staff SELECT g, 'Person' || g || '.Real@Example.org', '+1 555-01' || g,
  ARRAY['person' || g || '.alias@example.org'], 'B-' || g
FROM generate_series(21, 40) g;
INSERT INTO contractors SELECT g, 'Person' || g || '.Real@Example.org', '+1 555-01' || g,
  NULL, 'B-' || g, 'Acme'
FROM generate_series(41, 60) g;
INSERT INTO visits SELECT g, date '2024-03-01' + g, 'person' || g || '.real@example.org'
FROM generate_series(1, 60) g;
INSERT INTO accounts SELECT 1, 'Person' || g || '.Real@Example.org' FROM generate_series(1, 60) g;
INSERT INTO logins SELECT g, 1, 'person' || g || '.real@example.org' FROM generate_series(1, 60) g;
INSERT INTO contacts SELECT g, jsonb_build_object('contact', jsonb_build_object(
  'email', 'person' || g || '.real@example.org',
  'phones', jsonb_build_array(jsonb_build_object('number', 5550100 + g),
                              jsonb_build_object('number', '555-02' || lpad(g::text, 2, '0'))),
  'names', jsonb_build_array('Hiddenname' || g, jsonb_build_object('alias', 'Hiddenalias' || g))))
FROM generate_series(1, 60) g;
)sql";

constexpr const char* kMask = R"yaml(
tables:
  people:
    id: keep
    email: email
    phone: phone
    aliases: email
  staff:
    badge: keep
  contractors:
    agency: keep
  visits:
    id: keep
    at: keep
    email: email
  accounts:
    tenant: keep
    email: email
  logins:
    id: keep
  contacts:
    id: keep
    doc:
      rule: json
      paths:
        "$.contact.email": email
        "$.contact.phones[*].number": phone
        "$.contact.names": full_name
)yaml";

class PrivacyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pool_ = std::make_unique<PoolFixture>("reflink", /*sample_data=*/false);
    ASSERT_TRUE(pool_->ok()) << pool_->error();
    source_ = std::make_unique<SourceCluster>(dir_.path());
    ASSERT_TRUE(source_->ok());
    ASSERT_TRUE(source_->CreateDatabase("people").ok());
    Exec(source_->Url("people"), kSchema);
    mask_ = dir_.path() + "/mask.yaml";
    ASSERT_TRUE(os::WriteFileAtomic(mask_, kMask).ok());
    CliResult add = pool_->Run({"source", "add", "prod", "--url", source_->Url("people")});
    ASSERT_EQ(add.exit_code, 0) << add.err;
  }
  void TearDown() override {
    pool_.reset();
    source_.reset();
  }
  std::string Main() const { return pool_->Uri("main"); }
  std::string Count(const std::string& sql) { return QueryValue(Main(), "SELECT count(*) " + sql); }
  CliResult Sync() {
    return pool_->Run({"sync", "prod", "--jobs", "2", "--mask", mask_, "--json"});
  }

  TempDir dir_;
  std::unique_ptr<PoolFixture> pool_;
  std::unique_ptr<SourceCluster> source_;
  std::string mask_;
};

// Regression: a rule on a parent reached partitions but not INHERITS
// children, which were copied raw ("masked": false in the report).
TEST_F(PrivacyTest, RulesOnAParentMaskInheritanceChildrenAndSubpartitions) {
  CliResult sync = Sync();
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  for (const char* table : {"people", "staff", "contractors", "visits_2024_a", "visits_2024_b"}) {
    EXPECT_EQ(Count(std::string("FROM ONLY ") + table + " WHERE email ILIKE '%.real@%'"), "0")
        << table;
    EXPECT_TRUE(sync.json()["report"]["mask"].contains(std::string("public.") + table)) << table;
  }
  EXPECT_EQ(Count("FROM people"), std::to_string(kPeople));
  EXPECT_EQ(Count("FROM ONLY contractors"), "20");
}

// Regression: phone kept every non-digit, so the free text after a number
// (a name) reached the pool.
TEST_F(PrivacyTest, PhoneFreeTextDoesNotReachThePool) {
  ASSERT_EQ(Sync().exit_code, 0);
  EXPECT_EQ(Count("FROM people WHERE phone LIKE '%Hiddenname%'"), "0");
  EXPECT_EQ(Count("FROM ONLY people WHERE phone ~ '^\\+1 [0-9]{3}-[0-9]{4} ext\\. [0-9]{2}$'"),
            "20");
}

// Regression: text[] could not be masked per element.
TEST_F(PrivacyTest, TextArraysAreMaskedPerElement) {
  ASSERT_EQ(Sync().exit_code, 0);
  EXPECT_EQ(Count("FROM people WHERE array_to_string(aliases, ',') LIKE '%.alias@%'"), "0");
  EXPECT_EQ(Count("FROM ONLY people WHERE aliases[2] IS NULL AND aliases[1] LIKE '%@%.org'"), "20");
}

// Regression: a foreign key through a domain over citext failed the sync at
// post-data ("violates foreign key constraint"): the domain was not seen as
// citext, so rows spelling the address in another case masked apart.
TEST_F(PrivacyTest, ForeignKeyThroughADomainOverCitextSurvivesMasking) {
  CliResult sync = Sync();
  ASSERT_EQ(sync.exit_code, 0) << sync.err;
  EXPECT_EQ(Count("FROM logins l JOIN accounts a USING (tenant, email)"), std::to_string(kPeople));
  EXPECT_EQ(Count("FROM pg_constraint WHERE contype = 'f' AND conname LIKE 'logins%'"), "1");
  EXPECT_EQ(Count("FROM accounts WHERE email ILIKE '%.real@%'"), "0");
}

// Regression: the same address masked to two values (citext lower-cased,
// jsonb not), so joins by value across tables broke.
TEST_F(PrivacyTest, TheSameAddressMasksAlikeInEveryColumnType) {
  ASSERT_EQ(Sync().exit_code, 0);
  // people.email (text, mixed case), visits.email (text, lower case),
  // contacts.doc (jsonb string), accounts.email (domain over citext).
  EXPECT_EQ(Count("FROM people p JOIN visits v ON lower(p.email) = v.email AND p.id = v.id"),
            std::to_string(kPeople));
  EXPECT_EQ(Count("FROM people p JOIN contacts c ON c.doc->'contact'->>'email' = lower(p.email)"),
            std::to_string(kPeople));
  EXPECT_EQ(Count("FROM people p JOIN accounts a ON a.email = p.email::citext"),
            std::to_string(kPeople));
}

// Regression: a text rule on a JSON path left JSON numbers unchanged.
TEST_F(PrivacyTest, JsonNumbersAndNestedValuesUnderRuledPathsAreMasked) {
  ASSERT_EQ(Sync().exit_code, 0);
  EXPECT_EQ(
      Count("FROM contacts WHERE (doc #>> '{contact,phones,0,number}')::bigint = 5550100 + id"),
      "0");
  // Still seven digits (a JSON number, or a string where it starts with 0).
  EXPECT_EQ(Count("FROM contacts WHERE doc #>> '{contact,phones,0,number}' ~ '^[0-9]{7}$'"),
            std::to_string(kPeople));
  EXPECT_EQ(Count("FROM contacts WHERE doc::text LIKE '%Hidden%'"), "0");
}

}  // namespace
}  // namespace spur::testing
