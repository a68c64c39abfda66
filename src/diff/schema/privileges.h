// Privileges: GRANT/REVOKE statements between two Acls, what a new object's
// Acl is before any GRANT, and ALTER DEFAULT PRIVILEGES.
#pragma once

#include <string>
#include <vector>

#include "diff/schema/catalog.h"
#include "diff/schema/plan.h"

namespace spur::diff::schema {

// GRANT and REVOKE statements that turn `from` into `to` on `target`
// ("TABLE public.t", "FUNCTION public.f(integer)", "SCHEMA s"). With `column`,
// column privileges: GRANT SELECT (column) ON TABLE .... One statement per
// grantee and direction; all labelled kAuthorization.
std::vector<Statement> AclStatements(const std::string& target, const Acl& from, const Acl& to,
                                     const std::string& object, const std::string& column = "");

// "+ SELECT to app", "- INSERT from PUBLIC", "+ grant option for UPDATE to app".
std::vector<std::string> AclDetails(const Acl& from, const Acl& to);

// The Acl an object of `object_type` ('r' table/view/matview, 'S' sequence,
// 'f' function/procedure, 'T' type/domain, 'n' schema) owned by `owner` in
// `schema` gets when created: postgres' built-in default, replaced by the
// owner's global default privileges and merged with the owner's IN SCHEMA ones.
Acl CreationAcl(char object_type, const std::string& owner, const std::string& schema,
                const std::vector<DefaultPrivilege>& defaults);

// The ALTER DEFAULT PRIVILEGES statements for a pg_default_acl entry going
// from `from` to `to` (either may be null: no entry).
Chain DefaultPrivilegeChain(const std::string& key, const DefaultPrivilege* from,
                            const DefaultPrivilege* to);
// Details for a default privileges Change (same effective Acls as above).
std::vector<std::string> DefaultPrivilegeDetails(const DefaultPrivilege* from,
                                                 const DefaultPrivilege* to);

}  // namespace spur::diff::schema
