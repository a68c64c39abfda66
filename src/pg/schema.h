// A database's shape as sync needs it: tables with their columns, keys and
// foreign keys, read from the catalogs of a live connection (the source, in
// the sync's snapshot). Plain data; ReadSchema fills it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"
#include "pg/conn.h"

namespace spur::pg {

struct Column {
  std::string name;
  std::string type;       // format_type(atttypid, atttypmod)
  std::string base_type;  // type name without modifiers, domains resolved: "text", "int4", "jsonb"
  // format_type() with domains resolved, also the elements of arrays, with
  // the domain's modifiers: "citext" for a domain over citext,
  // "character varying(80)[]" for an array of a domain over varchar(80).
  // Empty means the same as `type` (schemas built by hand in tests).
  std::string resolved_type;
  bool not_null = false;
  bool generated = false;        // GENERATED ALWAYS AS (...) STORED: never copied
  bool identity_always = false;  // GENERATED ALWAYS AS IDENTITY: UPDATE may only set DEFAULT
  // What rows older than the column read in it (ALTER TABLE ... ADD COLUMN
  // with a non-volatile default stores it: atthasmissing/attmissingval): its
  // text, or nullopt for NULL (no such value, or a column added without a
  // default). missing_unreadable: there is one, in a type whose array text
  // does not use ',' between elements (box), so its text is not known here.
  std::optional<std::string> missing_value;
  bool missing_unreadable = false;
};

// A primary key or unique constraint (or unique index) on plain columns.
struct Key {
  std::string name;
  bool primary = false;
  std::vector<std::string> columns;
};

// FOREIGN KEY (columns) REFERENCES ref_table (ref_columns). Composite keys
// keep their column order; ref_table may be a partitioned table.
struct ForeignKey {
  std::string name;
  std::string table;  // referencing table (qualified, as Table::qualified)
  std::vector<std::string> columns;
  std::string ref_table;  // referenced table (qualified)
  std::vector<std::string> ref_columns;
};

struct Table {
  uint32_t oid = 0;
  std::string schema, name;
  std::string qualified;                    // quote_ident(schema) || '.' || quote_ident(name)
  char kind = 'r';                          // 'r' plain table, 'p' partitioned parent
  std::optional<std::string> partition_of;  // qualified parent when this is a partition
  std::vector<std::string> inherits;  // qualified INHERITS parents (not partitioning), in order
  std::vector<Column> columns;        // attnum order, dropped columns omitted
  std::vector<Key> keys;              // primary key first
  int64_t estimated_rows = 0;         // reltuples (0 when never analysed)
  int64_t bytes = 0;                  // pg_table_size (heap + toast), 0 for partitioned parents
  int64_t heap_blocks = 0;  // pg_relation_size / block_size (main fork only), 0 for parents
  // Leaf tables hold rows (plain tables and leaf partitions); partitioned
  // parents hold none and are never copied directly.
  bool leaf() const { return kind == 'r'; }
};

struct Schema {
  std::vector<Table> tables;  // user tables (no system schemas, no extension members)
  std::vector<ForeignKey> foreign_keys;

  const Table* Find(const std::string& qualified) const;
  // The tables `table` takes columns from, nearest first: its partitioned
  // parent or INHERITS parents, then theirs, at any depth; each once.
  // Tables the schema does not list are skipped.
  std::vector<const Table*> Ancestors(const Table& table) const;
  // Columns of `table` that are a whole key or part of one, or reference one.
  bool IsKeyColumn(const std::string& qualified, const std::string& column) const;
};

// `name` as a quoted SQL identifier (always quoted: reserved words such as
// "order" need it and it is never wrong), for SQL built from catalog names.
std::string QuoteIdent(const std::string& name);

// Reads the schema of the database `conn` is connected to. Run inside the
// sync's transaction so it matches the data copied.
[[nodiscard]] Result<Schema> ReadSchema(Connection& conn);

}  // namespace spur::pg
