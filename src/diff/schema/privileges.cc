#include "diff/schema/privileges.h"

#include <algorithm>
#include <map>

#include "diff/schema/sql_text.h"

namespace spur::diff::schema {
namespace {

// grantee -> privilege -> grantable
using AclMap = std::map<std::string, std::map<std::string, bool>>;

AclMap ToMap(const Acl& acl) {
  AclMap m;
  for (const Grant& g : acl) m[g.grantee][g.privilege] = m[g.grantee][g.privilege] || g.grantable;
  return m;
}

std::string Grantee(const std::string& role) { return role.empty() ? "PUBLIC" : QuoteIdent(role); }

std::string GranteeLabel(const std::string& role) { return role.empty() ? "PUBLIC" : role; }

std::string PrivilegeList(const std::vector<std::string>& privileges, const std::string& column) {
  std::string out;
  for (const std::string& p : privileges) {
    if (!out.empty()) out += ", ";
    out += p;
    if (!column.empty()) out += " (" + QuoteIdent(column) + ")";
  }
  return out;
}

// The privileges to revoke, revoke the grant option of, grant, and grant with
// grant option, per grantee.
struct AclChanges {
  std::map<std::string, std::vector<std::string>> revoke, revoke_option, grant, grant_option;
};

AclChanges Compare(const Acl& from_acl, const Acl& to_acl) {
  AclMap from = ToMap(from_acl), to = ToMap(to_acl);
  AclChanges c;
  for (const auto& [grantee, privs] : from) {
    for (const auto& [priv, grantable] : privs) {
      auto t = to.find(grantee);
      bool kept = t != to.end() && t->second.count(priv) > 0;
      if (!kept) {
        c.revoke[grantee].push_back(priv);
      } else if (grantable && !t->second.at(priv)) {
        c.revoke_option[grantee].push_back(priv);
      }
    }
  }
  for (const auto& [grantee, privs] : to) {
    for (const auto& [priv, grantable] : privs) {
      auto f = from.find(grantee);
      bool had = f != from.end() && f->second.count(priv) > 0;
      if (!had) {
        (grantable ? c.grant_option : c.grant)[grantee].push_back(priv);
      } else if (grantable && !f->second.at(priv)) {
        c.grant_option[grantee].push_back(priv);
      }
    }
  }
  return c;
}

Acl Builtin(char object_type, const std::string& owner) {
  auto owner_has = [&](std::initializer_list<const char*> privs) {
    Acl acl;
    for (const char* p : privs) acl.push_back(Grant{owner, p, false});
    return acl;
  };
  Acl acl;
  switch (object_type) {
    case 'r':
      acl =
          owner_has({"SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER"});
      break;
    case 'S':
      acl = owner_has({"SELECT", "UPDATE", "USAGE"});
      break;
    case 'f':
      acl = owner_has({"EXECUTE"});
      acl.push_back(Grant{"", "EXECUTE", false});
      break;
    case 'T':
      acl = owner_has({"USAGE"});
      acl.push_back(Grant{"", "USAGE", false});
      break;
    case 'n':
      acl = owner_has({"USAGE", "CREATE"});
      break;
    default:
      break;
  }
  std::sort(acl.begin(), acl.end());
  return acl;
}

const DefaultPrivilege* FindDefault(const std::vector<DefaultPrivilege>& defaults,
                                    const std::string& role, const std::string& schema,
                                    char object_type) {
  for (const DefaultPrivilege& d : defaults) {
    if (d.role == role && d.schema == schema && d.object_type == object_type) return &d;
  }
  return nullptr;
}

Acl Merge(const Acl& a, const Acl& b) {
  AclMap m = ToMap(a);
  for (const Grant& g : b) m[g.grantee][g.privilege] = m[g.grantee][g.privilege] || g.grantable;
  Acl out;
  for (const auto& [grantee, privs] : m) {
    for (const auto& [priv, grantable] : privs) out.push_back(Grant{grantee, priv, grantable});
  }
  return out;
}

// The Acl an entry stands for: a global entry replaces the built-in default,
// so no entry means the default; an IN SCHEMA entry only adds.
Acl Effective(const DefaultPrivilege* entry, const DefaultPrivilege* other) {
  const DefaultPrivilege* d = entry ? entry : other;
  if (entry) return entry->acl;
  if (d->schema.empty()) return Builtin(d->object_type, d->role);
  return {};
}

}  // namespace

std::vector<Statement> AclStatements(const std::string& target, const Acl& from, const Acl& to,
                                     const std::string& object, const std::string& column) {
  AclChanges c = Compare(from, to);
  std::vector<Statement> out;
  const std::string on = " ON " + target;
  auto add = [&](const std::string& sql) {
    out.push_back(Sql(sql + ";", object, {Hazard::kAuthorization}));
  };
  for (const auto& [g, p] : c.revoke)
    add("REVOKE " + PrivilegeList(p, column) + on + " FROM " + Grantee(g));
  for (const auto& [g, p] : c.revoke_option) {
    add("REVOKE GRANT OPTION FOR " + PrivilegeList(p, column) + on + " FROM " + Grantee(g));
  }
  for (const auto& [g, p] : c.grant)
    add("GRANT " + PrivilegeList(p, column) + on + " TO " + Grantee(g));
  for (const auto& [g, p] : c.grant_option) {
    add("GRANT " + PrivilegeList(p, column) + on + " TO " + Grantee(g) + " WITH GRANT OPTION");
  }
  return out;
}

std::vector<std::string> AclDetails(const Acl& from, const Acl& to) {
  AclChanges c = Compare(from, to);
  std::vector<std::string> out;
  auto list = [](const std::vector<std::string>& p) { return PrivilegeList(p, ""); };
  for (const auto& [g, p] : c.revoke) out.push_back("- " + list(p) + " from " + GranteeLabel(g));
  for (const auto& [g, p] : c.revoke_option) {
    out.push_back("- grant option for " + list(p) + " from " + GranteeLabel(g));
  }
  for (const auto& [g, p] : c.grant) out.push_back("+ " + list(p) + " to " + GranteeLabel(g));
  for (const auto& [g, p] : c.grant_option) {
    out.push_back("+ " + list(p) + " with grant option to " + GranteeLabel(g));
  }
  return out;
}

Acl CreationAcl(char object_type, const std::string& owner, const std::string& schema,
                const std::vector<DefaultPrivilege>& defaults) {
  const DefaultPrivilege* global = FindDefault(defaults, owner, "", object_type);
  const DefaultPrivilege* in_schema =
      object_type == 'n' ? nullptr : FindDefault(defaults, owner, schema, object_type);
  Acl base = global ? global->acl : Builtin(object_type, owner);
  if (in_schema) base = Merge(base, in_schema->acl);
  std::sort(base.begin(), base.end());
  return base;
}

Chain DefaultPrivilegeChain(const std::string& key, const DefaultPrivilege* from,
                            const DefaultPrivilege* to) {
  const DefaultPrivilege* d = to ? to : from;
  std::string prefix = "ALTER DEFAULT PRIVILEGES FOR ROLE " + QuoteIdent(d->role);
  if (!d->schema.empty()) prefix += " IN SCHEMA " + QuoteIdent(d->schema);
  std::string objects;
  switch (d->object_type) {
    case 'r':
      objects = "TABLES";
      break;
    case 'S':
      objects = "SEQUENCES";
      break;
    case 'f':
      objects = "FUNCTIONS";
      break;
    case 'T':
      objects = "TYPES";
      break;
    default:
      objects = "SCHEMAS";
      break;
  }
  std::vector<Statement> statements;
  for (Statement s : AclStatements(objects, Effective(from, to), Effective(to, from), key)) {
    // "GRANT p ON TABLES TO r" is the ALTER DEFAULT PRIVILEGES form of the
    // same statement.
    s.sql = prefix + " " + s.sql;
    statements.push_back(std::move(s));
  }
  if (statements.empty()) return {};
  return {MakeAction(key, Step::kAlter, rank::kDefaultPrivilege, std::move(statements))};
}

std::vector<std::string> DefaultPrivilegeDetails(const DefaultPrivilege* from,
                                                 const DefaultPrivilege* to) {
  return AclDetails(Effective(from, to), Effective(to, from));
}

}  // namespace spur::diff::schema
