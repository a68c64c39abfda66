#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "rehearse/script.h"

namespace spur::rehearse {
namespace {

using Texts = std::vector<std::string>;

std::vector<Statement> Split(std::string_view script) {
  auto r = SplitScript(script);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? *r : std::vector<Statement>{};
}

Texts TextsOf(std::string_view script) {
  Texts out;
  for (const auto& s : Split(script)) out.push_back(s.text);
  return out;
}

std::vector<size_t> LinesOf(std::string_view script) {
  std::vector<size_t> out;
  for (const auto& s : Split(script)) out.push_back(s.line);
  return out;
}

// The message of the InvalidArgument that splitting `script` must fail with.
std::string ErrorOf(std::string_view script, size_t max_statements = kDefaultMaxStatements) {
  auto r = SplitScript(script, max_statements);
  EXPECT_FALSE(r.ok()) << "split into " << (r.ok() ? r->size() : 0) << " statements";
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  return r.status().message();
}

TEST(RehearseScript, SplitsOnSemicolonsAndTrimsEachStatement) {
  const char* script = "SELECT 1;\n  SELECT 2 ;\n\tSELECT\n 3  \n";
  EXPECT_EQ(TextsOf(script), (Texts{"SELECT 1", "SELECT 2", "SELECT\n 3"}));
  EXPECT_EQ(LinesOf(script), (std::vector<size_t>{1, 2, 3}));
}

TEST(RehearseScript, EmptyStatementsAreSkipped) {
  EXPECT_TRUE(TextsOf("").empty());
  EXPECT_TRUE(TextsOf(" \n\t\r\f").empty());
  EXPECT_TRUE(TextsOf(";;  ;\n-- only a comment\n;/* and another */;").empty());
  EXPECT_EQ(TextsOf("SELECT 1;;;SELECT 2;;"), (Texts{"SELECT 1", "SELECT 2"}));
}

TEST(RehearseScript, TextAfterTheLastSemicolonIsAStatement) {
  EXPECT_EQ(TextsOf("SELECT 1;\nSELECT 2\n-- the end\n"), (Texts{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT 1"), (Texts{"SELECT 1"}));
}

TEST(RehearseScript, LineIsThatOfTheFirstTokenAfterLeadingComments) {
  const char* script =
      "\n"
      "-- add a column\n"
      "/* reviewed by\n"
      "   ops */\n"
      "\n"
      "  ALTER TABLE t ADD c int;  SELECT 1;\n"
      "SELECT\n"
      "2;";
  const auto statements = Split(script);
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0].text, "ALTER TABLE t ADD c int");
  EXPECT_EQ(statements[0].line, 6u);
  EXPECT_EQ(statements[1].text, "SELECT 1");
  EXPECT_EQ(statements[1].line, 6u);
  EXPECT_EQ(statements[2].line, 7u);
}

TEST(RehearseScript, CommentsInsideAreKeptAndTrailingOnesDropped) {
  EXPECT_EQ(TextsOf("SELECT 1 -- one\n + 2 /* two */ ;\nSELECT 3 -- three"),
            (Texts{"SELECT 1 -- one\n + 2", "SELECT 3"}));
}

TEST(RehearseScript, LineCommentsHideSemicolonsToTheEndOfTheLine) {
  EXPECT_EQ(TextsOf("SELECT 1 -- ; not a split\n; SELECT 2"), (Texts{"SELECT 1", "SELECT 2"}));
  // As psql reads it, a carriage return ends a line comment too.
  EXPECT_EQ(TextsOf("SELECT 1 -- c\r; SELECT 2"), (Texts{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT 1 --; SELECT 2"), (Texts{"SELECT 1"}));
  EXPECT_EQ(TextsOf("SELECT 2 <--1;SELECT 3"), (Texts{"SELECT 2 <"}));
}

TEST(RehearseScript, BlockCommentsNest) {
  const char* script = "/* a /* b */ ; */ SELECT 1; SELECT /* x; /* y; */ z; */ 2";
  EXPECT_EQ(TextsOf(script), (Texts{"SELECT 1", "SELECT /* x; /* y; */ z; */ 2"}));
  EXPECT_EQ(TextsOf("SELECT 1 /**/; SELECT 2 /***/; SELECT 3 /*/ ; */;"),
            (Texts{"SELECT 1", "SELECT 2", "SELECT 3"}));
  EXPECT_EQ(TextsOf("SELECT 2+/*;*/3;SELECT 4"), (Texts{"SELECT 2+/*;*/3", "SELECT 4"}));
}

TEST(RehearseScript, SingleQuotedStringsDoubleTheirQuotes) {
  EXPECT_EQ(TextsOf("SELECT 'a;b', 'it''s;'; SELECT ''';'"),
            (Texts{"SELECT 'a;b', 'it''s;'", "SELECT ''';'"}));
  // Without the E prefix a backslash is an ordinary character.
  EXPECT_EQ(TextsOf("SELECT 'a\\';SELECT 2"), (Texts{"SELECT 'a\\'", "SELECT 2"}));
}

TEST(RehearseScript, EscapeStringsLetABackslashEscapeTheNextCharacter) {
  EXPECT_EQ(TextsOf("SELECT E'\\'', 'x;';SELECT 2"), (Texts{"SELECT E'\\'', 'x;'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT e'it\\'s;';SELECT 2"), (Texts{"SELECT e'it\\'s;'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT E'\\\\';SELECT 2"), (Texts{"SELECT E'\\\\'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT E'a''b;';SELECT 2"), (Texts{"SELECT E'a''b;'", "SELECT 2"}));
}

TEST(RehearseScript, AnEscapeStringContinuesAfterANewline) {
  // E'a' <newline> 'b\';c' is one escape string: the backslash escapes there too.
  EXPECT_EQ(TextsOf("SELECT E'a'\n'b\\';c';SELECT 2"),
            (Texts{"SELECT E'a'\n'b\\';c'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT E'a' -- c\n\n  -- d\n 'b\\';c';SELECT 2"),
            (Texts{"SELECT E'a' -- c\n\n  -- d\n 'b\\';c'", "SELECT 2"}));
  // Without a newline in between, the second string is a plain one.
  EXPECT_EQ(TextsOf("SELECT E'a' 'b\\';SELECT 2"), (Texts{"SELECT E'a' 'b\\'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT E'a' /*\n*/ 'b\\';SELECT 2"),
            (Texts{"SELECT E'a' /*\n*/ 'b\\'", "SELECT 2"}));
}

TEST(RehearseScript, OnlyALoneEBeforeTheQuoteMakesAnEscapeString) {
  // `somee` is a word and `1e` a number: the strings after them are plain.
  EXPECT_EQ(TextsOf("SELECT somee'\\';SELECT 2"), (Texts{"SELECT somee'\\'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT 1e'\\';SELECT 2"), (Texts{"SELECT 1e'\\'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT 1.e'\\';SELECT 2"), (Texts{"SELECT 1.e'\\'", "SELECT 2"}));
}

TEST(RehearseScript, PrefixedStringsAreLikePlainOnes) {
  EXPECT_EQ(TextsOf("SELECT U&'d\\0061t;', u&'\\';SELECT 2"),
            (Texts{"SELECT U&'d\\0061t;', u&'\\'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT B'01;', x'1f;', N'n;\\';SELECT 2"),
            (Texts{"SELECT B'01;', x'1f;', N'n;\\'", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT U&\"a;\"\"b\";SELECT 2"), (Texts{"SELECT U&\"a;\"\"b\"", "SELECT 2"}));
}

TEST(RehearseScript, QuotedIdentifiersDoubleTheirQuotes) {
  EXPECT_EQ(TextsOf("SELECT \"a;\"\"b\" FROM \"t'\";SELECT 2"),
            (Texts{"SELECT \"a;\"\"b\" FROM \"t'\"", "SELECT 2"}));
}

TEST(RehearseScript, DollarQuotesEndAtTheirOwnTag) {
  EXPECT_EQ(TextsOf("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql;SELECT 2"),
            (Texts{"CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql", "SELECT 2"}));
  // $b$ and $ab$ inside $a$ ... $a$ are text; tags are case-sensitive.
  EXPECT_EQ(TextsOf("DO $a$ x $b$ ; $ab$; $A$; $a$;SELECT 2"),
            (Texts{"DO $a$ x $b$ ; $ab$; $A$; $a$", "SELECT 2"}));
  EXPECT_EQ(TextsOf("DO $fn$ $$;$$ $fn$; DO $$ $fn$;$fn$ $$"),
            (Texts{"DO $fn$ $$;$$ $fn$", "DO $$ $fn$;$fn$ $$"}));
  // $x$$x$: the body is empty; a tag may hold digits, _ and non-ASCII letters.
  EXPECT_EQ(TextsOf("SELECT $x$$x$;SELECT $_1$;$_1$;SELECT $\xC3\xA9$;$\xC3\xA9$"),
            (Texts{"SELECT $x$$x$", "SELECT $_1$;$_1$", "SELECT $\xC3\xA9$;$\xC3\xA9$"}));
  // Looking for the end goes on after a near miss: $a$$a$ holds the end at its second '$'.
  EXPECT_EQ(TextsOf("SELECT $a$ ;$$a$;SELECT 2"), (Texts{"SELECT $a$ ;$$a$", "SELECT 2"}));
}

TEST(RehearseScript, DollarSignsThatStartNoQuote) {
  // A parameter, a '$' inside a word, a '$' before something that is no tag.
  EXPECT_EQ(
      TextsOf("SELECT $1;SELECT a$b$c;SELECT $1$;SELECT $a;SELECT $-1$;SELECT 2"),
      (Texts{"SELECT $1", "SELECT a$b$c", "SELECT $1$", "SELECT $a", "SELECT $-1$", "SELECT 2"}));
  EXPECT_EQ(TextsOf("SELECT x$$;SELECT $$;$$;SELECT 2"),
            (Texts{"SELECT x$$", "SELECT $$;$$", "SELECT 2"}));
  // After a number a '$' is a new token, so $$ quotes.
  EXPECT_EQ(TextsOf("SELECT 1$$;$$;SELECT 2"), (Texts{"SELECT 1$$;$$", "SELECT 2"}));
}

TEST(RehearseScript, SemicolonsInsideParenthesesSplitNothing) {
  // psql keeps a rule's action list in one statement.
  EXPECT_EQ(TextsOf("CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); "
                    "INSERT INTO b VALUES (2)); SELECT 2"),
            (Texts{"CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); "
                   "INSERT INTO b VALUES (2))",
                   "SELECT 2"}));
  // An extra ')' does not make the depth negative.
  EXPECT_EQ(TextsOf("SELECT 1);SELECT (2)"), (Texts{"SELECT 1)", "SELECT (2)"}));
  // A '(' never closed keeps the rest in one statement, as psql sends it.
  EXPECT_EQ(TextsOf("SELECT 1;\nSELECT (2;\nSELECT 3;\n"),
            (Texts{"SELECT 1", "SELECT (2;\nSELECT 3;"}));
}

TEST(RehearseScript, BeginAtomicBodiesKeepTheirSemicolons) {
  const char* script =
      "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\n"
      "BEGIN ATOMIC\n"
      "  SELECT CASE WHEN a > 0 THEN 1 ELSE 2 END;\n"
      "  SELECT CASE a WHEN 1 THEN CASE WHEN a > 0 THEN 1 END END;\n"
      "END;\n"
      "create or replace procedure p() language sql\n"
      "begin atomic\n"
      "  insert into t values (1); insert into t values (2);\n"
      "end;\n"
      "SELECT 2;\n";
  const auto statements = Split(script);
  ASSERT_EQ(statements.size(), 3u);
  EXPECT_EQ(statements[0].text.substr(0, 17), "CREATE FUNCTION f");
  EXPECT_EQ(statements[0].text.substr(statements[0].text.size() - 4), "\nEND");
  EXPECT_EQ(statements[1].line, 6u);
  EXPECT_EQ(statements[1].text.substr(statements[1].text.size() - 4), "\nend");
  EXPECT_EQ(statements[2].text, "SELECT 2");
  EXPECT_EQ(statements[2].line, 10u);
  EXPECT_EQ(
      TextsOf("CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; END; CREATE OR REPLACE FUNCTION "
              "f() RETURNS int BEGIN ATOMIC SELECT 1; END; SELECT 2"),
      (Texts{"CREATE PROCEDURE p() BEGIN ATOMIC SELECT 1; END",
             "CREATE OR REPLACE FUNCTION f() RETURNS int BEGIN ATOMIC SELECT 1; END", "SELECT 2"}));
}

TEST(RehearseScript, BeginEndCountOnlyInCreateFunctionOrProcedure) {
  // A transaction block is three statements.
  EXPECT_EQ(TextsOf("BEGIN; SELECT 1; END;"), (Texts{"BEGIN", "SELECT 1", "END"}));
  EXPECT_EQ(TextsOf("CREATE TABLE begin_log (a int); BEGIN; SELECT 1"),
            (Texts{"CREATE TABLE begin_log (a int)", "BEGIN", "SELECT 1"}));
  // CREATE must open the statement, FUNCTION come second (or fourth after OR REPLACE).
  EXPECT_EQ(TextsOf("COMMENT ON FUNCTION f() IS 'x'; BEGIN; SELECT 1"),
            (Texts{"COMMENT ON FUNCTION f() IS 'x'", "BEGIN", "SELECT 1"}));
  EXPECT_EQ(
      TextsOf("CREATE TRIGGER t BEFORE INSERT ON x EXECUTE FUNCTION f(); BEGIN; SELECT 1"),
      (Texts{"CREATE TRIGGER t BEFORE INSERT ON x EXECUTE FUNCTION f()", "BEGIN", "SELECT 1"}));
}

TEST(RehearseScript, BeginEndAreWholeUnquotedWordsOutsideParentheses) {
  EXPECT_EQ(TextsOf("CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN beginning; "
                    "SELECT 2"),
            (Texts{"CREATE FUNCTION f(begin int) RETURNS int LANGUAGE sql RETURN beginning",
                   "SELECT 2"}));
  EXPECT_EQ(TextsOf("CREATE FUNCTION f() RETURNS text LANGUAGE sql RETURN 'begin' || \"BEGIN\" "
                    "-- begin\n/* begin */; SELECT 2"),
            (Texts{"CREATE FUNCTION f() RETURNS text LANGUAGE sql RETURN 'begin' || \"BEGIN\"",
                   "SELECT 2"}));
  // CASE counts only inside a BEGIN; an END outside one is ignored.
  EXPECT_EQ(TextsOf("CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql RETURN CASE WHEN a > 0 "
                    "THEN 1 END; SELECT 2"),
            (Texts{"CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql RETURN CASE WHEN a > 0 "
                   "THEN 1 END",
                   "SELECT 2"}));
  // As in psql, a BEGIN never ended keeps the rest in one statement.
  EXPECT_EQ(TextsOf("CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; SELECT 2;"),
            (Texts{"CREATE FUNCTION f() BEGIN ATOMIC SELECT 1; SELECT 2;"}));
}

TEST(RehearseScript, CrLfLinesAndAByteOrderMark) {
  const char* script = "\xEF\xBB\xBFSELECT 1;\r\n\r\nSELECT 2;\r\n";
  EXPECT_EQ(TextsOf(script), (Texts{"SELECT 1", "SELECT 2"}));
  EXPECT_EQ(LinesOf(script), (std::vector<size_t>{1, 3}));
}

TEST(RehearseScript, UnclosedQuotesAndCommentsNameTheLineTheyOpenOn) {
  std::string m = ErrorOf("SELECT 1;\nSELECT 'abc;\nSELECT 2;");
  EXPECT_EQ(m.rfind("line 2: quoted string", 0), 0u) << m;
  EXPECT_NE(m.find("add the closing '"), std::string::npos) << m;

  m = ErrorOf("SELECT 1;\n\nSELECT E'it\\'s;\n");
  EXPECT_EQ(m.rfind("line 3: escape string", 0), 0u) << m;
  m = ErrorOf("SELECT E'ends in a backslash\\");
  EXPECT_EQ(m.rfind("line 1: escape string", 0), 0u) << m;

  m = ErrorOf("SELECT 1;\nSELECT \"a\"\"b;");
  EXPECT_EQ(m.rfind("line 2: quoted identifier", 0), 0u) << m;
  m = ErrorOf("SELECT U&\"a");
  EXPECT_EQ(m.rfind("line 1: quoted identifier", 0), 0u) << m;

  m = ErrorOf("SELECT 1;\nDO $body$ BEGIN\n  PERFORM 1;\n$bod$;");
  EXPECT_EQ(m.rfind("line 2: dollar-quoted string $body$", 0), 0u) << m;
  EXPECT_NE(m.find("end it with $body$"), std::string::npos) << m;
  m = ErrorOf("SELECT $\xC3\xA9$ x");  // a tag that is not ASCII is not echoed
  EXPECT_EQ(m.rfind("line 1: dollar-quoted string $tag$", 0), 0u) << m;

  m = ErrorOf("SELECT 1;\n/* a /* b */\nSELECT 2;");
  EXPECT_EQ(m.rfind("line 2: /* comment", 0), 0u) << m;
  EXPECT_NE(m.find("each /* needs its own */"), std::string::npos) << m;
  EXPECT_EQ(ErrorOf("/*/").rfind("line 1: /* comment", 0), 0u);
}

TEST(RehearseScript, PsqlMetaCommandsAreRefused) {
  std::string m = ErrorOf("SELECT 1;\n\\set ON_ERROR_STOP on\nSELECT 2;");
  EXPECT_EQ(m.rfind("line 2: \\set is a psql meta-command", 0), 0u) << m;
  m = ErrorOf("SELECT 1;\n  \\i other.sql\n");
  EXPECT_EQ(m.rfind("line 2: \\i is a psql meta-command", 0), 0u) << m;
  // psql reads a backslash anywhere on a line as the start of a meta-command.
  m = ErrorOf("SELECT 1 AS x \\gset\n");
  EXPECT_EQ(m.rfind("line 1: \\gset is a psql meta-command", 0), 0u) << m;
  m = ErrorOf("SELECT 1 \\; SELECT 2");
  EXPECT_EQ(m.rfind("line 1: \\; is a psql meta-command", 0), 0u) << m;
  m = ErrorOf("SELECT (1,\n\\\xC3\xA9");  // not printable: not echoed
  EXPECT_EQ(m.rfind("line 2: \\ is a psql meta-command", 0), 0u) << m;
  // Inside strings and comments a backslash is text.
  EXPECT_EQ(TextsOf("SELECT '\\x', $$\\i$$; -- \\set\n/* \\i */ SELECT \"\\\""),
            (Texts{"SELECT '\\x', $$\\i$$", "SELECT \"\\\""}));
}

TEST(RehearseScript, CopyFromStdinIsRefused) {
  std::string m = ErrorOf("SELECT 1;\n\nCOPY t (a, b) FROM stdin;\n1\t2\n\\.\n");
  EXPECT_EQ(m.rfind("line 3: COPY ... FROM STDIN", 0), 0u) << m;
  EXPECT_NE(m.find("INSERT"), std::string::npos) << m;
  EXPECT_EQ(ErrorOf("copy t\nfrom /* rows: */ STDIN with (format csv)").rfind("line 1: COPY", 0),
            0u);
  // Other COPYs are plain SQL.
  EXPECT_EQ(
      TextsOf("COPY t FROM '/tmp/x'; COPY t TO STDOUT; COPY (SELECT 1 FROM stdin) TO "
              "STDOUT; SELECT 1 FROM stdin; COPY t FROM \"stdin\""),
      (Texts{"COPY t FROM '/tmp/x'", "COPY t TO STDOUT", "COPY (SELECT 1 FROM stdin) TO STDOUT",
             "SELECT 1 FROM stdin", "COPY t FROM \"stdin\""}));
}

TEST(RehearseScript, NulBytesAreRefused) {
  using namespace std::string_literals;
  std::string m = ErrorOf("SELECT 1;\nSELECT 'a\0b';"s);
  EXPECT_EQ(m.rfind("line 2: NUL byte", 0), 0u) << m;
  EXPECT_EQ(ErrorOf("-- \0"s).rfind("line 1: NUL byte", 0), 0u);
}

TEST(RehearseScript, MoreStatementsThanTheLimitAreRefused) {
  const char* script = "SELECT 1;SELECT 2;\n;;SELECT 3;";
  std::string m = ErrorOf(script, 2);
  EXPECT_EQ(m.rfind("line 2: the script has more than 2 statements", 0), 0u) << m;
  auto r = SplitScript(script, 3);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->size(), 3u);
  EXPECT_EQ(ErrorOf("SELECT 1", 0).rfind("line 1: the script has more than 0", 0), 0u);
  EXPECT_TRUE(SplitScript("-- nothing", 0).ok());
}

TEST(RehearseScript, OneMebibyteOfStatements) {
  std::string script;
  size_t n = 0;
  while (script.size() < (size_t{1} << 20)) {
    script += "INSERT INTO t VALUES (" + std::to_string(n) +
              ", 'text; with a semicolon', $$ and; another $$); -- note;\n";
    ++n;
  }
  auto r = SplitScript(script, n);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), n);
  EXPECT_EQ(r->back().line, n);
  EXPECT_EQ(r->back().text, "INSERT INTO t VALUES (" + std::to_string(n - 1) +
                                ", 'text; with a semicolon', $$ and; another $$)");
  EXPECT_FALSE(SplitScript(script, n - 1).ok());
}

TEST(RehearseScript, LongTagsAndDeepNestingStayLinear) {
  // A 64 KiB tag and 16 MiB of near misses; 1 MiB of nested comments and parentheses.
  const std::string tag(size_t{1} << 16, 'a');
  std::string near_miss = "$" + tag.substr(1) + "b";
  std::string script = "SELECT $" + tag + "$";
  for (int i = 0; i < 256; ++i) script += near_miss;
  script += "$" + tag + "$;SELECT 2";
  EXPECT_EQ(Split(script).size(), 2u);

  const size_t depth = size_t{1} << 19;
  std::string comments = "SELECT 1 ";
  for (size_t i = 0; i < depth; ++i) comments += "/*";
  for (size_t i = 0; i < depth; ++i) comments += "*/";
  EXPECT_EQ(TextsOf(comments + ";SELECT 2"), (Texts{"SELECT 1", "SELECT 2"}));
  const std::string parens = std::string(depth, '(') + "1;" + std::string(depth, ')');
  EXPECT_EQ(TextsOf("SELECT " + parens + ";SELECT 2").size(), 2u);
}

}  // namespace
}  // namespace spur::rehearse
