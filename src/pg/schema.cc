#include "pg/schema.h"

#include <map>
#include <utility>

namespace spur::pg {
namespace {

// User tables: plain and partitioned, outside system and temp schemas (users
// cannot create pg_* schemas), not members of an extension.
constexpr const char* kUserTables = R"(
  SELECT c.oid FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE c.relkind IN ('r', 'p')
    AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\_%'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d
                    WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid
                      AND d.deptype = 'e'))";

std::string TablesSql() {
  return std::string("WITH user_tables AS (") + kUserTables + R"()
  SELECT c.oid, n.nspname, c.relname,
         quote_ident(n.nspname) || '.' || quote_ident(c.relname), c.relkind,
         (SELECT quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
            FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent
            JOIN pg_namespace pn ON pn.oid = pc.relnamespace
           WHERE i.inhrelid = c.oid AND c.relispartition),
         greatest(c.reltuples, 0)::bigint,
         CASE WHEN c.relkind = 'r' THEN pg_table_size(c.oid) ELSE 0 END,
         CASE WHEN c.relkind = 'r'
              THEN pg_relation_size(c.oid) / current_setting('block_size')::bigint
              ELSE 0 END
  FROM user_tables u JOIN pg_class c ON c.oid = u.oid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  ORDER BY n.nspname COLLATE "C", c.relname COLLATE "C")";
}

// Domains resolved through typbasetype, also domains over domains; the
// modifier is the nearest one set on the way (a domain over varchar(80)
// carries 80 in typtypmod). Arrays have their element type resolved the same
// way: an array of a domain over citext reads "citext[]". attmissingval is an
// anyarray of one element; its text read back as text[] is the element's text.
std::string ColumnsSql() {
  return std::string("WITH RECURSIVE user_tables AS (") + kUserTables + R"(),
  domain_base(start, cur, typmod) AS (
    SELECT oid, typbasetype, typtypmod FROM pg_type WHERE typtype = 'd'
    UNION ALL
    SELECT d.start, t.typbasetype, CASE WHEN d.typmod <> -1 THEN d.typmod ELSE t.typtypmod END
    FROM domain_base d JOIN pg_type t ON t.oid = d.cur WHERE t.typtype = 'd'),
  resolved(start, base, typmod) AS (
    SELECT d.start, d.cur, d.typmod FROM domain_base d
    JOIN pg_type bt ON bt.oid = d.cur WHERE bt.typtype <> 'd')
  SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), bt.typname,
         a.attnotnull, a.attgenerated <> '',
         CASE WHEN bt.typcategory = 'A' AND bt.typelem <> 0
              THEN format_type(coalesce(er.base, bt.typelem),
                               coalesce(er.typmod, b.typmod)) || '[]'
              ELSE format_type(b.base, b.typmod) END,
         CASE WHEN a.atthasmissing AND ct.typdelim = ','
              THEN (a.attmissingval::text::text[])[1] END,
         a.atthasmissing AND ct.typdelim <> ',',
         a.attidentity = 'a'
  FROM pg_attribute a JOIN user_tables u ON u.oid = a.attrelid
  JOIN pg_type ct ON ct.oid = a.atttypid
  LEFT JOIN resolved r ON r.start = a.atttypid
  CROSS JOIN LATERAL (SELECT coalesce(r.base, a.atttypid) AS base,
                             CASE WHEN a.atttypmod <> -1 THEN a.atttypmod
                                  ELSE coalesce(r.typmod, -1) END AS typmod) b
  JOIN pg_type bt ON bt.oid = b.base
  LEFT JOIN resolved er ON er.start = bt.typelem
  WHERE a.attnum > 0 AND NOT a.attisdropped
  ORDER BY a.attrelid, a.attnum)";
}

// One row per key column, in key column order (INCLUDE columns left out). Primary key first, then
// unique constraints, then unique indexes (no predicate, no expressions) that
// back no constraint; by name within each group.
std::string KeysSql() {
  return std::string("WITH user_tables AS (") + kUserTables + R"(),
  keys AS (
    SELECT c.conrelid AS rel, c.conname AS name, CASE c.contype WHEN 'p' THEN 0 ELSE 1 END AS rank,
           c.conkey AS cols, cardinality(c.conkey) AS nkeys
    FROM pg_constraint c JOIN user_tables u ON u.oid = c.conrelid
    WHERE c.contype IN ('p', 'u')
    UNION ALL
    SELECT i.indrelid, ic.relname, 2, i.indkey::int2[], i.indnkeyatts::int
    FROM pg_index i JOIN user_tables u ON u.oid = i.indrelid
    JOIN pg_class ic ON ic.oid = i.indexrelid
    WHERE i.indisunique AND i.indisvalid AND i.indisready
      AND i.indpred IS NULL AND i.indexprs IS NULL
      AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid
                      AND c.conrelid = i.indrelid AND c.contype IN ('p', 'u', 'x')))
  SELECT k.rel, k.name, k.rank = 0, a.attname
  FROM keys k CROSS JOIN LATERAL unnest(k.cols) WITH ORDINALITY AS col(attnum, ord)
  JOIN pg_attribute a ON a.attrelid = k.rel AND a.attnum = col.attnum
  WHERE col.ord <= k.nkeys
  ORDER BY k.rel, k.rank, k.name COLLATE "C", col.ord)";
}

// One row per column pair, in constraint column order. conparentid = 0: an FK
// on (or onto) a partitioned table appears once, not once per partition.
std::string ForeignKeysSql() {
  return std::string("WITH user_tables AS (") + kUserTables + R"()
  SELECT c.oid, c.conname, c.conrelid, a.attname, c.confrelid, fa.attname
  FROM pg_constraint c
  JOIN user_tables ut ON ut.oid = c.conrelid
  JOIN user_tables rt ON rt.oid = c.confrelid
  CROSS JOIN LATERAL unnest(c.conkey, c.confkey) WITH ORDINALITY AS k(attnum, fattnum, ord)
  JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
  JOIN pg_attribute fa ON fa.attrelid = c.confrelid AND fa.attnum = k.fattnum
  JOIN pg_class cr ON cr.oid = c.conrelid
  JOIN pg_namespace cn ON cn.oid = cr.relnamespace
  WHERE c.contype = 'f' AND c.conparentid = 0
  ORDER BY cn.nspname COLLATE "C", cr.relname COLLATE "C", c.conname COLLATE "C", c.oid, k.ord)";
}

// One row per INHERITS link between user tables (partitions are read by
// TablesSql), in inhseqno order per child.
std::string InheritsSql() {
  return std::string("WITH user_tables AS (") + kUserTables + R"()
  SELECT i.inhrelid, quote_ident(pn.nspname) || '.' || quote_ident(pc.relname)
  FROM pg_inherits i
  JOIN user_tables child ON child.oid = i.inhrelid
  JOIN user_tables parent ON parent.oid = i.inhparent
  JOIN pg_class c ON c.oid = i.inhrelid
  JOIN pg_class pc ON pc.oid = i.inhparent
  JOIN pg_namespace pn ON pn.oid = pc.relnamespace
  WHERE NOT c.relispartition
  ORDER BY i.inhrelid, i.inhseqno)";
}

const std::string& Text(const pg::Row& row, size_t i) {
  static const std::string kEmpty;
  return row[i] ? *row[i] : kEmpty;
}

uint32_t Oid(const pg::Row& row, size_t i) {
  return static_cast<uint32_t>(std::stoul(Text(row, i)));
}

int64_t Int(const pg::Row& row, size_t i) { return std::stoll(Text(row, i)); }

Result<std::vector<Table>> ReadTables(Connection& conn) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(TablesSql()));
  std::vector<Table> tables;
  for (const pg::Row& r : rows) {
    Table t;
    t.oid = Oid(r, 0);
    t.schema = Text(r, 1);
    t.name = Text(r, 2);
    t.qualified = Text(r, 3);
    t.kind = Text(r, 4).empty() ? 'r' : Text(r, 4)[0];
    t.partition_of = r[5];
    t.estimated_rows = Int(r, 6);
    t.bytes = Int(r, 7);
    t.heap_blocks = Int(r, 8);
    tables.push_back(std::move(t));
  }
  return tables;
}

Status ReadColumns(Connection& conn, const std::map<uint32_t, Table*>& by_oid) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(ColumnsSql()));
  for (const pg::Row& r : rows) {
    auto it = by_oid.find(Oid(r, 0));
    if (it == by_oid.end()) continue;
    Column c;
    c.name = Text(r, 1);
    c.type = Text(r, 2);
    c.base_type = Text(r, 3);
    c.not_null = Text(r, 4) == "t";
    c.generated = Text(r, 5) == "t";
    c.resolved_type = Text(r, 6);
    c.missing_value = r[7];
    c.missing_unreadable = Text(r, 8) == "t";
    c.identity_always = Text(r, 9) == "t";
    it->second->columns.push_back(std::move(c));
  }
  return Status::Ok();
}

Status ReadInherits(Connection& conn, const std::map<uint32_t, Table*>& by_oid) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(InheritsSql()));
  for (const pg::Row& r : rows) {
    auto it = by_oid.find(Oid(r, 0));
    if (it != by_oid.end()) it->second->inherits.push_back(Text(r, 1));
  }
  return Status::Ok();
}

Status ReadKeys(Connection& conn, const std::map<uint32_t, Table*>& by_oid) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(KeysSql()));
  for (const pg::Row& r : rows) {
    auto it = by_oid.find(Oid(r, 0));
    if (it == by_oid.end()) continue;
    std::vector<Key>& keys = it->second->keys;
    if (keys.empty() || keys.back().name != Text(r, 1)) {
      keys.push_back(Key{.name = Text(r, 1), .primary = Text(r, 2) == "t", .columns = {}});
    }
    keys.back().columns.push_back(Text(r, 3));
  }
  return Status::Ok();
}

Result<std::vector<ForeignKey>> ReadForeignKeys(Connection& conn,
                                                const std::map<uint32_t, Table*>& by_oid) {
  ASSIGN_OR_RETURN(std::vector<pg::Row> rows, conn.Query(ForeignKeysSql()));
  std::vector<ForeignKey> fks;
  std::string last_oid;
  for (const pg::Row& r : rows) {
    auto from = by_oid.find(Oid(r, 2));
    auto to = by_oid.find(Oid(r, 4));
    if (from == by_oid.end() || to == by_oid.end()) continue;
    if (fks.empty() || Text(r, 0) != last_oid) {
      last_oid = Text(r, 0);
      fks.push_back(ForeignKey{.name = Text(r, 1),
                               .table = from->second->qualified,
                               .columns = {},
                               .ref_table = to->second->qualified,
                               .ref_columns = {}});
    }
    fks.back().columns.push_back(Text(r, 3));
    fks.back().ref_columns.push_back(Text(r, 5));
  }
  return fks;
}

bool Contains(const std::vector<std::string>& names, const std::string& name) {
  for (const std::string& n : names) {
    if (n == name) return true;
  }
  return false;
}

}  // namespace

const Table* Schema::Find(const std::string& qualified) const {
  for (const Table& t : tables) {
    if (t.qualified == qualified) return &t;
  }
  return nullptr;
}

std::vector<const Table*> Schema::Ancestors(const Table& table) const {
  std::vector<const Table*> out;
  std::vector<const Table*> frontier = {&table};
  auto seen = [&](const Table* t) {
    if (t == &table) return true;
    for (const Table* o : out) {
      if (o == t) return true;
    }
    return false;
  };
  while (!frontier.empty()) {
    std::vector<const Table*> next;
    for (const Table* t : frontier) {
      std::vector<std::string> parents = t->inherits;
      if (t->partition_of) parents.insert(parents.begin(), *t->partition_of);
      for (const std::string& name : parents) {
        const Table* parent = Find(name);
        if (parent == nullptr || seen(parent)) continue;
        out.push_back(parent);
        next.push_back(parent);
      }
    }
    frontier = std::move(next);
  }
  return out;
}

bool Schema::IsKeyColumn(const std::string& qualified, const std::string& column) const {
  const Table* table = Find(qualified);
  if (table == nullptr) return false;
  for (const Key& k : table->keys) {
    if (Contains(k.columns, column)) return true;
  }
  // Foreign keys declared on a partitioned ancestor bind its partitions too.
  for (const Table* t = table; t != nullptr;
       t = t->partition_of ? Find(*t->partition_of) : nullptr) {
    for (const ForeignKey& fk : foreign_keys) {
      if (fk.table == t->qualified && Contains(fk.columns, column)) return true;
    }
  }
  return false;
}

Result<Schema> ReadSchema(Connection& conn) {
  Schema schema;
  ASSIGN_OR_RETURN(schema.tables, ReadTables(conn));
  std::map<uint32_t, Table*> by_oid;
  for (Table& t : schema.tables) by_oid[t.oid] = &t;
  RETURN_IF_ERROR(ReadColumns(conn, by_oid));
  RETURN_IF_ERROR(ReadInherits(conn, by_oid));
  RETURN_IF_ERROR(ReadKeys(conn, by_oid));
  ASSIGN_OR_RETURN(schema.foreign_keys, ReadForeignKeys(conn, by_oid));
  return schema;
}

std::string QuoteIdent(const std::string& name) {
  std::string out = "\"";
  for (char c : name) {
    out += c;
    if (c == '"') out += '"';
  }
  return out + "\"";
}

}  // namespace spur::pg
