// The schema diff over real postgres, on the corpus in tests/diff_schema_corpus:
// each case is a directory with a.sql and b.sql (and optionally data.sql, run
// on A after a.sql so the script meets tables that hold rows, data_b.sql run
// on B, and one_way, saying why only A -> B can run).
//
// For every case, on one cluster shared by the whole suite:
//  - forward: Diff(A, B) rendered with RenderSql and run with psql on a copy
//    of A gives B: equal catalogs, equal normalized pg_dump --schema-only,
//    and an empty Diff(copy, B);
//  - reverse: Diff(B, A) run with Apply() on a copy of B gives A, the same way;
//  - a.sql loaded into two databases reads back as equal catalogs and an
//    empty diff (no OIDs or other per-database noise leak into the Catalog).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "diff/schema/schema_diff.h"
#include "diff_schema_compare.h"
#include "harness.h"
#include "source_cluster.h"

namespace spur::testing {
namespace {

namespace fs = std::filesystem;
using diff::schema::Catalog;
using diff::schema::SchemaDiff;

std::string CorpusDir() { return std::string(SPUR_SOURCE_DIR) + "/tests/diff_schema_corpus"; }

std::vector<std::string> Cases() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(CorpusDir(), ec)) {
    if (entry.is_directory() && fs::exists(entry.path() / "a.sql")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

// pg_dump --schema-only without what differs between equal schemas: comment
// lines, session settings, blank lines and the \restrict guard lines.
std::string Normalize(const std::string& dump) {
  std::istringstream in(dump);
  std::string line, out;
  while (std::getline(in, line)) {
    if (line.empty() || line.rfind("--", 0) == 0 || line.rfind("SET ", 0) == 0 ||
        line.rfind("SELECT pg_catalog.set_config", 0) == 0 || line.rfind("\\restrict", 0) == 0 ||
        line.rfind("\\unrestrict", 0) == 0) {
      continue;
    }
    out += line + "\n";
  }
  return out;
}

class DiffSchemaRoundTrip : public ::testing::TestWithParam<std::string> {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    cluster_ = new SourceCluster(dir_->path());
    if (!cluster_->ok()) return;
    auto conn = pg::Connection::Open(cluster_->Url());
    if (!conn.ok()) return;
    // Roles are cluster-wide: the corpus grants to these.
    conn->Exec("CREATE ROLE spur_reader NOLOGIN; CREATE ROLE spur_writer NOLOGIN").IgnoreError();
    // A throwaway cluster holding a hundred small databases: without fsync
    // its final checkpoint takes a second instead of most of a minute.
    for (const char* sql :
         {"ALTER SYSTEM SET fsync = off", "ALTER SYSTEM SET full_page_writes = off",
          "ALTER SYSTEM SET synchronous_commit = off", "SELECT pg_reload_conf()"}) {
      conn->Exec(sql).IgnoreError();
    }
  }
  static void TearDownTestSuite() {
    delete cluster_;
    delete dir_;
    cluster_ = nullptr;
    dir_ = nullptr;
  }
  void SetUp() override {
    ASSERT_TRUE(cluster_ != nullptr && cluster_->ok()) << "source cluster did not start";
  }

  static std::string CaseFile(const std::string& name) {
    return CorpusDir() + "/" + GetParam() + "/" + name;
  }

  void Psql(const std::string& db, const std::string& file) {
    os::RunOutput r = RunPgTool(
        "psql", {"-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", cluster_->Url(db), "-f", file});
    ASSERT_EQ(r.exit_code, 0) << "psql -f " << file << " on " << db << ":\n" << r.err;
  }

  // FILE_COPY: no WAL for the copied files, and with fsync off the
  // checkpoints it needs are cheap. Dropped again in TearDown.
  void NewDatabase(const std::string& db, const std::string& template_db = "") {
    std::string sql = "CREATE DATABASE " + db + " STRATEGY FILE_COPY";
    if (!template_db.empty()) sql += " TEMPLATE " + template_db;
    Exec(cluster_->Url(), sql);
    made_.push_back(db);
  }

  void TearDown() override {
    if (cluster_ == nullptr || !cluster_->ok()) return;
    for (const std::string& db : made_) {
      Exec(cluster_->Url(), "DROP DATABASE IF EXISTS " + db + " WITH (FORCE)");
    }
  }

  void Load(const std::string& db, const std::vector<std::string>& files) {
    NewDatabase(db);
    for (const std::string& f : files) {
      if (fs::exists(CaseFile(f))) {
        ASSERT_NO_FATAL_FAILURE(Psql(db, CaseFile(f)));
      }
    }
  }

  Catalog Read(const std::string& db) {
    auto conn = pg::Connection::Open(cluster_->Url(db));
    EXPECT_TRUE(conn.ok()) << conn.status().message();
    if (!conn.ok()) return {};
    auto cat = diff::schema::ReadCatalog(*conn);
    EXPECT_TRUE(cat.ok()) << db << ": " << cat.status().message();
    return cat.ok() ? *cat : Catalog{};
  }

  SchemaDiff Plan(const Catalog& from, const Catalog& to) {
    auto d = diff::schema::Diff(from, to);
    EXPECT_TRUE(d.ok()) << d.status().message();
    if (!d.ok()) planned_ = false;
    return d.ok() ? *d : SchemaDiff{};
  }

  std::string Dump(const std::string& db) {
    os::RunOutput r = RunPgTool("pg_dump", {"--schema-only", "-d", cluster_->Url(db)});
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return Normalize(r.out);
  }

  // `copy` (the result of applying a diff) must now be `want_db`.
  void ExpectSame(const std::string& copy, const std::string& want_db, const Catalog& want,
                  const std::string& script) {
    Catalog got = Read(copy);
    std::vector<std::string> diffs = CatalogDifferences(want, got);
    std::string all;
    for (const std::string& d : diffs) all += d + "\n";
    EXPECT_TRUE(diffs.empty()) << copy << " differs from " << want_db << ":\n"
                               << all << "script:\n"
                               << script;
    EXPECT_EQ(Dump(copy), Dump(want_db)) << "pg_dump of " << copy << " and " << want_db;
    SchemaDiff again = Plan(got, want);
    EXPECT_TRUE(again.empty()) << "a second diff is not empty:\n"
                               << diff::schema::RenderSql(again) << "after script:\n"
                               << script;
  }

  bool planned_ = true;
  std::vector<std::string> made_;
  static TempDir* dir_;
  static SourceCluster* cluster_;
};

TempDir* DiffSchemaRoundTrip::dir_ = nullptr;
SourceCluster* DiffSchemaRoundTrip::cluster_ = nullptr;

TEST_P(DiffSchemaRoundTrip, ForwardWithPsqlAndBackWithApply) {
  const std::string a = GetParam() + "_a", b = GetParam() + "_b";
  ASSERT_NO_FATAL_FAILURE(Load(a, {"a.sql", "data.sql"}));
  ASSERT_NO_FATAL_FAILURE(Load(b, {"b.sql", "data_b.sql"}));
  Catalog cat_a = Read(a), cat_b = Read(b);

  // Forward: the rendered script, run by psql.
  SchemaDiff forward = Plan(cat_a, cat_b);
  ASSERT_TRUE(planned_);
  std::string script = diff::schema::RenderSql(forward);
  std::string file = dir_->path() + "/" + GetParam() + ".sql";
  std::ofstream(file) << script;
  NewDatabase(a + "_to_b", a);
  ASSERT_NO_FATAL_FAILURE(Psql(a + "_to_b", file)) << script;
  ExpectSame(a + "_to_b", b, cat_b, script);

  // Reverse: Apply() on a copy of B (unless the case says it cannot run).
  if (fs::exists(CaseFile("one_way"))) return;
  SchemaDiff reverse = Plan(cat_b, cat_a);
  ASSERT_TRUE(planned_);
  NewDatabase(b + "_to_a", b);
  auto conn = pg::Connection::Open(cluster_->Url(b + "_to_a"));
  ASSERT_TRUE(conn.ok()) << conn.status().message();
  Status st = diff::schema::Apply(*conn, reverse);
  ASSERT_TRUE(st.ok()) << st.message() << "\n" << diff::schema::RenderSql(reverse);
  ExpectSame(b + "_to_a", a, cat_a, diff::schema::RenderSql(reverse));
}

TEST_P(DiffSchemaRoundTrip, SameSqlTwiceReadsTheSame) {
  const std::string one = GetParam() + "_self1", two = GetParam() + "_self2";
  ASSERT_NO_FATAL_FAILURE(Load(one, {"a.sql"}));
  ASSERT_NO_FATAL_FAILURE(Load(two, {"a.sql"}));
  Catalog first = Read(one), second = Read(two);
  std::vector<std::string> diffs = CatalogDifferences(first, second);
  EXPECT_TRUE(diffs.empty()) << diffs.front();
  EXPECT_TRUE(Plan(first, second).empty());
  EXPECT_TRUE(Plan(first, first).empty());
}

INSTANTIATE_TEST_SUITE_P(DiffSchemaCorpus, DiffSchemaRoundTrip, ::testing::ValuesIn(Cases()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           return info.param;
                         });

}  // namespace
}  // namespace spur::testing
