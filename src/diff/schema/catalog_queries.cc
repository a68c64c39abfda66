#include "diff/schema/catalog_queries.h"

// User objects: outside pg_catalog, information_schema, pg_toast and the
// temporary schemas (users cannot create schemas named pg_*), and not members
// of an extension (those come and go with CREATE/DROP EXTENSION).
#define SPUR_USER_NS "n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
#define SPUR_NOT_EXT(catalog, oid)                                     \
  " NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '" catalog \
  "'::regclass"                                                        \
  " AND e.objid = " oid " AND e.deptype = 'e') "
#define SPUR_COLLATION(coll, default_coll)                                           \
  "CASE WHEN " coll " <> 0 AND " coll " <> " default_coll                            \
  " THEN (SELECT "                                                                   \
  "quote_ident(cn.nspname) || '.' || quote_ident(co.collname) FROM pg_collation co " \
  "JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = " coll ") END"
#define SPUR_GRANTEE "CASE WHEN x.grantee = 0 THEN '' ELSE pg_get_userbyid(x.grantee) END"

namespace spur::diff::schema::queries {

// oid, name, owner
const char* Schemas() {
  return "SELECT n.oid, n.nspname, pg_get_userbyid(n.nspowner) FROM pg_namespace n WHERE "  //
      SPUR_USER_NS " AND " SPUR_NOT_EXT("pg_namespace", "n.oid");
}

// oid, name, schema, version
const char* Extensions() {
  return "SELECT x.oid, x.extname, n.nspname, x.extversion FROM pg_extension x "
         "JOIN pg_namespace n ON n.oid = x.extnamespace";
}

// oid, schema, name, typtype, owner, domain base, domain collation,
// domain not null, domain default, composite relation oid
const char* Types() {
  return "SELECT t.oid, n.nspname, t.typname, t.typtype, pg_get_userbyid(t.typowner), "
         "CASE WHEN t.typtype = 'd' THEN format_type(t.typbasetype, t.typtypmod) END, "
         "CASE WHEN t.typtype = 'd' THEN " SPUR_COLLATION("t.typcollation", "bt.typcollation") " END, "
         "t.typnotnull, pg_get_expr(t.typdefaultbin, 0), t.typrelid "
         "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace "
         "LEFT JOIN pg_type bt ON bt.oid = t.typbasetype "
         "LEFT JOIN pg_class c ON c.oid = t.typrelid "
         "WHERE (t.typtype IN ('e', 'd') OR (t.typtype = 'c' AND c.relkind = 'c')) AND " SPUR_USER_NS
         " AND " SPUR_NOT_EXT("pg_type", "t.oid");
}

// type oid, label (in sort order)
const char* EnumLabels() {
  return "SELECT enumtypid, enumlabel FROM pg_enum WHERE enumtypid >= 16384 "
         "ORDER BY enumtypid, enumsortorder";
}

// oid, schema, name, relkind, relpersistence, owner, reloptions (JSON),
// rls, force rls, partition key, partition bound, view definition, populated,
// parents (JSON [[schema, name], ...]), sequence type, start, increment, min,
// max, cache, cycle, owned by (JSON [schema, table, column, deptype])
const char* Relations() {
  return "SELECT c.oid, n.nspname, c.relname, c.relkind, c.relpersistence, "
         "pg_get_userbyid(c.relowner), coalesce(array_to_json(c.reloptions)::text, '[]'), "
         "c.relrowsecurity, c.relforcerowsecurity, "
         "CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END, "
         "CASE WHEN c.relispartition THEN pg_get_expr(c.relpartbound, c.oid) END, "
         "CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END, c.relispopulated, "
         "(SELECT coalesce(json_agg(json_build_array(pn.nspname, pc.relname) ORDER BY i.inhseqno),"
         " '[]') FROM pg_inherits i JOIN pg_class pc ON pc.oid = i.inhparent "
         " JOIN pg_namespace pn ON pn.oid = pc.relnamespace WHERE i.inhrelid = c.oid)::text, "
         "format_type(s.seqtypid, NULL), s.seqstart, s.seqincrement, s.seqmin, s.seqmax, "
         "s.seqcache, s.seqcycle, "
         "CASE WHEN c.relkind = 'S' THEN (SELECT json_build_array(dn.nspname, dc.relname, "
         " da.attname, d.deptype)::text FROM pg_depend d "
         " JOIN pg_class dc ON dc.oid = d.refobjid JOIN pg_namespace dn ON dn.oid = dc.relnamespace"
         " JOIN pg_attribute da ON da.attrelid = d.refobjid AND da.attnum = d.refobjsubid "
         " WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid "
         " AND d.refclassid = 'pg_class'::regclass AND d.refobjsubid > 0 "
         " AND d.deptype IN ('a', 'i') LIMIT 1) END "
         "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
         "LEFT JOIN pg_sequence s ON s.seqrelid = c.oid "
         "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'c') AND " SPUR_USER_NS
         " AND " SPUR_NOT_EXT("pg_class", "c.oid");
}

// relation oid, attnum, name, type, collation, default, not null, identity,
// generated, inherited, identity sequence oid
const char* Columns() {
  return "SELECT a.attrelid, a.attnum, a.attname, format_type(a.atttypid, a.atttypmod), "
         SPUR_COLLATION("a.attcollation", "t.typcollation") ", "
         "pg_get_expr(d.adbin, d.adrelid), a.attnotnull, a.attidentity, a.attgenerated, "
         "a.attinhcount > 0, "
         "CASE WHEN a.attidentity <> '' THEN (SELECT s.objid FROM pg_depend s "
         " WHERE s.refclassid = 'pg_class'::regclass AND s.refobjid = a.attrelid "
         " AND s.refobjsubid = a.attnum AND s.classid = 'pg_class'::regclass "
         " AND s.deptype = 'i' LIMIT 1) END "
         "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
         "JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_type t ON t.oid = a.atttypid "
         "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum "
         "WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'v', 'm', 'c') "
         "AND " SPUR_USER_NS " ORDER BY a.attrelid, a.attnum";
}

// oid, schema, name, table name, definition, on a partitioned table,
// attached to a parent index
const char* Indexes() {
  return "SELECT i.indexrelid, n.nspname, ic.relname, tc.relname, "
         "pg_get_indexdef(i.indexrelid), tc.relkind = 'p', ic.relispartition "
         "FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid "
         "JOIN pg_class tc ON tc.oid = i.indrelid JOIN pg_namespace n ON n.oid = ic.relnamespace "
         "WHERE tc.relkind IN ('r', 'p', 'm') AND " SPUR_USER_NS
         " AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
         " AND k.conrelid = i.indrelid AND k.contype IN ('p', 'u', 'x'))"
         " AND " SPUR_NOT_EXT("pg_class", "i.indexrelid");
}

// oid, name, contype, table oid, domain oid, definition, validated, index
// oid (p, u, x), index definition (p, u), cloned or inherited from a parent
const char* Constraints() {
  return "SELECT k.oid, k.conname, k.contype, k.conrelid, k.contypid, "
         "pg_get_constraintdef(k.oid), k.convalidated, "
         "CASE WHEN k.contype IN ('p', 'u', 'x') THEN k.conindid END, "
         "CASE WHEN k.contype IN ('p', 'u') THEN pg_get_indexdef(k.conindid) END, "
         "k.conparentid <> 0 OR NOT k.conislocal "
         "FROM pg_constraint k JOIN pg_namespace n ON n.oid = k.connamespace "
         "WHERE k.contype IN ('p', 'u', 'c', 'f', 'x') AND " SPUR_USER_NS
         " AND (k.conrelid <> 0 OR k.contypid <> 0)";
}

// oid, schema, name, prokind, owner, identity, result, signature, number of
// defaults, security definer, definition
const char* Functions() {
  return "SELECT p.oid, n.nspname, p.proname, p.prokind, pg_get_userbyid(p.proowner), "
         "(pg_identify_object('pg_proc'::regclass, p.oid, 0)).identity, "
         "pg_get_function_result(p.oid), "
         "concat_ws('|', p.prokind, p.proargnames::text, p.proargmodes::text, "
         " coalesce(array_to_string(p.proallargtypes::regtype[], ','), "
         " array_to_string(p.proargtypes::oid[]::regtype[], ','))), "
         "p.pronargdefaults, p.prosecdef, pg_get_functiondef(p.oid) "
         "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace "
         "WHERE p.prokind IN ('f', 'p', 'w') AND " SPUR_USER_NS
         " AND " SPUR_NOT_EXT("pg_proc", "p.oid");
}

// oid, table oid, name, definition, enabled
const char* Triggers() {
  return "SELECT g.oid, g.tgrelid, g.tgname, pg_get_triggerdef(g.oid), g.tgenabled "
         "FROM pg_trigger g WHERE NOT g.tgisinternal AND g.tgparentid = 0 "
         "AND g.tgrelid >= 16384";
}

// oid, table oid, name, permissive, command, roles (JSON), using, with check
const char* Policies() {
  return "SELECT p.oid, p.polrelid, p.polname, p.polpermissive, p.polcmd, "
         "(SELECT coalesce(json_agg(CASE WHEN r = 0 THEN '' ELSE pg_get_userbyid(r) END), '[]') "
         " FROM unnest(p.polroles) r)::text, "
         "pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid) "
         "FROM pg_policy p WHERE p.polrelid >= 16384";
}

// catalog oid, object oid, column (0 for the object), grantee, privilege,
// grantable. A NULL acl is expanded with acldefault().
const char* Acls() {
  return "SELECT 1259, c.oid, 0, " SPUR_GRANTEE
         ", x.privilege_type, x.is_grantable "
         "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace, "
         "aclexplode(coalesce(c.relacl, acldefault(CASE WHEN c.relkind = 'S' THEN 's' "
         " ELSE 'r' END::\"char\", c.relowner))) x "
         "WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S') AND " SPUR_USER_NS
         " UNION ALL "
         "SELECT 1259, a.attrelid, a.attnum, " SPUR_GRANTEE
         ", x.privilege_type, x.is_grantable "
         "FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid "
         "JOIN pg_namespace n ON n.oid = c.relnamespace, aclexplode(a.attacl) x "
         "WHERE a.attacl IS NOT NULL AND a.attnum > 0 AND NOT a.attisdropped AND " SPUR_USER_NS
         " UNION ALL "
         "SELECT 1255, p.oid, 0, " SPUR_GRANTEE
         ", x.privilege_type, x.is_grantable "
         "FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace, "
         "aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) x WHERE " SPUR_USER_NS
         " UNION ALL "
         "SELECT 2615, n.oid, 0, " SPUR_GRANTEE
         ", x.privilege_type, x.is_grantable "
         "FROM pg_namespace n, aclexplode(coalesce(n.nspacl, acldefault('n', n.nspowner))) x "
         "WHERE " SPUR_USER_NS
         " UNION ALL "
         "SELECT 1247, t.oid, 0, " SPUR_GRANTEE
         ", x.privilege_type, x.is_grantable "
         "FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace, "
         "aclexplode(coalesce(t.typacl, acldefault('T', t.typowner))) x "
         "WHERE t.typtype IN ('e', 'd', 'c') AND " SPUR_USER_NS;
}

// catalog oid, object oid, sub id, comment
const char* Comments() {
  return "SELECT classoid, objoid, objsubid, description FROM pg_description "
         "WHERE objoid >= 16384";
}

// role, schema ("" = all), object type, grantee, privilege, grantable; an
// entry with an empty acl gives one row with NULL privilege.
const char* DefaultAcls() {
  return "SELECT pg_get_userbyid(d.defaclrole), coalesce(n.nspname, ''), "
         "d.defaclobjtype, " SPUR_GRANTEE
         ", x.privilege_type, x.is_grantable "
         "FROM pg_default_acl d LEFT JOIN pg_namespace n ON n.oid = d.defaclnamespace "
         "LEFT JOIN LATERAL aclexplode(d.defaclacl) x ON true";
}

// classid, objid, objsubid, refclassid, refobjid, refobjsubid, deptype; the
// partition dependencies ('P', 'S': an attached index or constraint on its
// parent's and on its partition) read as auto ones.
const char* Dependencies() {
  return "SELECT classid, objid, objsubid, refclassid, refobjid, refobjsubid, "
         "CASE WHEN deptype IN ('P', 'S') THEN 'a' ELSE deptype END "
         "FROM pg_depend WHERE objid >= 16384 AND refobjid >= 16384 "
         "AND deptype IN ('n', 'a', 'i', 'P', 'S')";
}

// classid, objid, extension oid
const char* ExtensionMembers() {
  return "SELECT classid, objid, refobjid FROM pg_depend WHERE deptype = 'e'";
}

// rule oid, relation oid (a view's _RETURN rule stands for the view)
const char* Rewrites() { return "SELECT oid, ev_class FROM pg_rewrite WHERE oid >= 16384"; }

// default oid, relation oid, attnum
const char* Attrdefs() { return "SELECT oid, adrelid, adnum FROM pg_attrdef"; }

// type oid, element type (arrays), relation (row types)
const char* TypeOwners() {
  return "SELECT t.oid, CASE WHEN t.typsubscript = 'array_subscript_handler'::regproc "
         "THEN t.typelem ELSE 0 END, t.typrelid FROM pg_type t WHERE t.oid >= 16384 "
         "AND (t.typrelid <> 0 OR t.typsubscript = 'array_subscript_handler'::regproc)";
}

}  // namespace spur::diff::schema::queries
