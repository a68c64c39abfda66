// The catalog queries ReadCatalog runs, one per kind of object: a fixed
// number of queries whatever the size of the schema. Each one's columns are
// listed beside it in catalog_queries.cc. They expect an empty search_path
// (so that every definition comes out schema-qualified).
#pragma once

namespace spur::diff::schema::queries {

// OIDs of the system catalogs pg_depend, pg_description and aclexplode refer to.
inline constexpr unsigned kPgClass = 1259, kPgProc = 1255, kPgType = 1247, kPgNamespace = 2615,
                          kPgConstraint = 2606, kPgTrigger = 2620, kPgPolicy = 3256,
                          kPgExtension = 3079, kPgRewrite = 2618, kPgAttrdef = 2604;

const char* Schemas();
const char* Extensions();
const char* Types();
const char* EnumLabels();
const char* Relations();
const char* Columns();
const char* Indexes();
const char* Constraints();
const char* Functions();
const char* Triggers();
const char* Policies();
const char* Acls();
const char* Comments();
const char* DefaultAcls();
const char* Dependencies();
const char* ExtensionMembers();
const char* Rewrites();
const char* Attrdefs();
const char* TypeOwners();

}  // namespace spur::diff::schema::queries
