// Catalog: every object of one database that the schema diff covers, as plain
// values read from pg_catalog (catalog_reader.h fills it; unit tests build it
// by hand). No OIDs: two databases with the same schema give equal Catalogs.
//
// Definitions are postgres' own text (pg_get_indexdef, pg_get_viewdef, ...)
// read with an empty search_path, so every name in them is schema-qualified.
// Names (schema, name, role) are raw, unquoted; object_keys.h quotes them.
// Every vector is sorted by its objects' keys (SortCatalog restores that).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace spur::diff::schema {

// One privilege held by a role on an object; grantee "" is PUBLIC. The grantor
// is not kept: GRANT and REVOKE run as the owner.
struct Grant {
  std::string grantee;
  std::string privilege;  // as aclexplode spells it: "SELECT", "USAGE", ...
  bool grantable = false;
  auto operator<=>(const Grant&) const = default;
};
// The effective privileges (a NULL acl is expanded to acldefault()), sorted.
using Acl = std::vector<Grant>;

struct Extension {
  std::string name, schema, version;
  std::optional<std::string> comment;
  bool operator==(const Extension&) const = default;
};

struct Schema {
  std::string name, owner;
  std::optional<std::string> comment;
  Acl acl;
  bool operator==(const Schema&) const = default;
};

struct TypeAttribute {                // an attribute of a composite type
  std::string name, type, collation;  // collation "" = the type's default
  bool operator==(const TypeAttribute&) const = default;
};

struct DomainConstraint {
  std::string name, definition;  // "CHECK ((VALUE > 0))", without NOT VALID
  bool validated = true;
  std::optional<std::string> comment;
  bool operator==(const DomainConstraint&) const = default;
};

// An enum, a composite type (CREATE TYPE ... AS (...)) or a domain.
struct Type {
  enum class Kind { kEnum, kComposite, kDomain };
  std::string schema, name, owner;
  Kind kind = Kind::kEnum;
  std::vector<std::string> labels;            // enum, in sort order
  std::vector<TypeAttribute> attributes;      // composite, in attribute order
  std::string base_type, collation;           // domain: format_type of the base
  std::optional<std::string> default_expr;    // domain
  bool not_null = false;                      // domain
  std::vector<DomainConstraint> constraints;  // domain, by name
  std::optional<std::string> comment;
  Acl acl;
  bool operator==(const Type&) const = default;
};

struct SequenceOptions {
  std::string data_type = "bigint";
  int64_t start = 1, increment = 1, min = 1, max = INT64_MAX, cache = 1;
  bool cycle = false;
  bool operator==(const SequenceOptions&) const = default;
};

struct ColumnRef {  // a column of a table in `schema`
  std::string schema, table, column;
  bool operator==(const ColumnRef&) const = default;
};

struct Sequence {  // a standalone sequence; identity sequences belong to their column
  std::string schema, name, owner;
  SequenceOptions options;
  std::optional<ColumnRef> owned_by;
  std::optional<std::string> comment;
  Acl acl;
  bool operator==(const Sequence&) const = default;
};

struct Identity {  // GENERATED {ALWAYS | BY DEFAULT} AS IDENTITY
  bool always = true;
  std::string sequence_schema, sequence_name;
  SequenceOptions options;
  bool operator==(const Identity&) const = default;
};

// A column of a table, or of a view (only name, type, comment and acl used).
struct Column {
  std::string name, type;                   // type: format_type(atttypid, atttypmod)
  std::string collation;                    // quoted, qualified; "" = the type's default
  std::optional<std::string> default_expr;  // pg_get_expr of the default
  std::optional<std::string> generated;     // GENERATED ALWAYS AS (expr) STORED
  std::optional<Identity> identity;
  bool not_null = false;
  bool inherited = false;  // comes from a parent (attinhcount > 0): not declared here
  std::optional<std::string> comment;
  Acl acl;  // column privileges only (attacl)
  bool operator==(const Column&) const = default;
};

struct TableName {
  std::string schema, name;
  bool operator==(const TableName&) const = default;
};

// A plain or partitioned table (or a partition of one).
struct Table {
  std::string schema, name, owner;
  bool partitioned = false;
  bool unlogged = false;
  std::string partition_key;              // pg_get_partkeydef, partitioned tables only
  std::optional<TableName> partition_of;  // this is a partition of that table...
  std::string partition_bound;            // ...with "FOR VALUES ..." / "DEFAULT"
  std::vector<TableName> inherits;        // plain inheritance parents, in order
  std::vector<Column> columns;            // attnum order
  std::vector<std::string> options;       // reloptions "name=value"
  bool rls_enabled = false, rls_forced = false;
  std::optional<std::string> comment;
  Acl acl;
  bool operator==(const Table&) const = default;
};

struct View {  // a view or a materialized view
  std::string schema, name, owner;
  bool materialized = false;
  std::string definition;            // pg_get_viewdef, without the trailing ';'
  std::vector<std::string> options;  // reloptions (check_option, security_barrier, ...)
  std::vector<Column> columns;
  bool populated = true;  // materialized views: WITH DATA
  std::optional<std::string> comment;
  Acl acl;
  bool operator==(const View&) const = default;
};

// An index that backs no constraint (those belong to their Constraint), on a
// table or materialized view in the same schema.
struct Index {
  std::string schema, name, table;
  std::string definition;  // pg_get_indexdef
  bool on_partitioned = false;
  // On a partition, attached to its parent's index: it comes and goes with
  // that index and the partition, and the diff leaves it alone (but when the
  // partition is detached it stays, as a plain index).
  bool attached = false;
  std::optional<std::string> comment;
  bool operator==(const Index&) const = default;
};

// A table constraint: 'p' primary key, 'u' unique, 'c' check, 'f' foreign
// key, 'x' exclusion.
struct Constraint {
  std::string schema, table, name;
  char type = 'c';
  std::string definition;  // pg_get_constraintdef without " NOT VALID"
  bool validated = true;
  std::string index_definition;  // 'p' and 'u': pg_get_indexdef of the backing index
  // Cloned from a partitioned parent or inherited from a parent table: like an
  // attached Index, it follows its parent (and stays when the table leaves it).
  bool attached = false;
  std::optional<std::string> comment;
  bool operator==(const Constraint&) const = default;
};

struct Function {  // a function or a procedure (aggregates are not covered)
  std::string schema, name, owner;
  bool procedure = false;
  std::string identity;   // "public.f(integer, text)": what DROP and GRANT name
  std::string result;     // pg_get_function_result
  std::string signature;  // argument names, modes and types: CREATE OR REPLACE keeps these
  int defaults = 0;       // number of arguments with defaults
  bool security_definer = false;
  std::string definition;  // pg_get_functiondef
  std::optional<std::string> comment;
  Acl acl;
  bool operator==(const Function&) const = default;
};

struct Trigger {  // a user trigger (not internal, not cloned to a partition)
  std::string schema, table, name;
  std::string definition;  // pg_get_triggerdef
  char enabled = 'O';      // tgenabled: O origin, D disabled, R replica, A always
  std::optional<std::string> comment;
  bool operator==(const Trigger&) const = default;
};

struct Policy {  // a row-level security policy
  std::string schema, table, name;
  bool permissive = true;
  std::string command = "ALL";     // ALL, SELECT, INSERT, UPDATE, DELETE
  std::vector<std::string> roles;  // sorted; "" is PUBLIC
  std::optional<std::string> using_expr, check_expr;
  std::optional<std::string> comment;
  bool operator==(const Policy&) const = default;
};

// ALTER DEFAULT PRIVILEGES FOR ROLE role [IN SCHEMA schema] ...; one per
// pg_default_acl row. object_type: 'r' tables, 'S' sequences, 'f' functions,
// 'T' types, 'n' schemas.
struct DefaultPrivilege {
  std::string role, schema;  // schema "" = all schemas
  char object_type = 'r';
  Acl acl;
  bool operator==(const DefaultPrivilege&) const = default;
};

// `dependent` needs `referenced` (object keys, see object_keys.h), from
// pg_depend: type 'n' normal, 'a' auto (dependent is dropped with referenced),
// 'i' internal. Columns depend on their table and defaults on their column
// ('a'), added by the reader.
struct Dependency {
  std::string dependent, referenced;
  char type = 'n';
  auto operator<=>(const Dependency&) const = default;
};

struct Catalog {
  std::vector<Extension> extensions;
  std::vector<Schema> schemas;
  std::vector<Type> types;
  std::vector<Sequence> sequences;
  std::vector<Function> functions;
  std::vector<Table> tables;
  std::vector<View> views;
  std::vector<Index> indexes;
  std::vector<Constraint> constraints;
  std::vector<Trigger> triggers;
  std::vector<Policy> policies;
  std::vector<DefaultPrivilege> default_privileges;
  std::vector<Dependency> dependencies;
  bool operator==(const Catalog&) const = default;
};

// Sorts every vector of `catalog` by key (and dependencies by value), so that
// catalogs built in different orders compare equal.
void SortCatalog(Catalog& catalog);

}  // namespace spur::diff::schema
