#include "api/auth.h"

#include "common/crypto.h"
#include "common/names.h"
#include "engine/credentials.h"
#include "hooks/repo_name.h"

namespace spur::api {

Result<NewToken> CreateToken(catalog::Store& store, Role role, const std::string& owner_as_typed,
                             const std::string& note, int64_t now,
                             const std::vector<std::string>& repos) {
  ASSIGN_OR_RETURN(std::string owner, OwnerName(owner_as_typed));
  if (note.size() > 200) return InvalidArgument("--note is longer than 200 characters");
  if (!repos.empty() && role != Role::kDeveloper) {
    return InvalidArgument(
        "--repo scopes a developer token (the CI's); admins act for every "
        "repository and viewers change nothing");
  }
  if (repos.size() > 20) return InvalidArgument("at most 20 --repo per token");
  for (const auto& r : repos) RETURN_IF_ERROR(hooks::ValidateRepoName(r));
  NewToken t;
  t.secret = "spur_" + engine::RandomToken(40);
  t.record.hash = Sha256Hex(t.secret);
  t.record.prefix = t.secret.substr(0, 12);
  t.record.role = ToString(role);
  t.record.owner = owner;
  t.record.note = note;
  t.record.created_at = now;
  t.record.repos = repos;
  RETURN_IF_ERROR(store.InsertToken(t.record));
  return t;
}

Result<Principal> Authenticate(catalog::Store& store, const std::string& authorization,
                               int64_t now) {
  if (authorization.empty()) {
    return Unauthenticated(
        "missing bearer token; pass --token or set SPUR_TOKEN (an admin makes one with `spur "
        "token create`)");
  }
  const std::string kScheme = "Bearer ";
  if (authorization.compare(0, kScheme.size(), kScheme) != 0) {
    return Unauthenticated("Authorization header must be \"Bearer <token>\"");
  }
  std::string secret = authorization.substr(kScheme.size());
  // Tokens are high-entropy, so a plain hash lookup is safe: the hash
  // reveals nothing and comparing hashes leaks nothing useful.
  auto token = store.GetTokenByHash(Sha256Hex(secret));
  if (!token.ok()) {
    if (token.status().code() == Code::kNotFound) return Unauthenticated("invalid token");
    return token.status();
  }
  if (token->revoked_at) return Unauthenticated("token " + token->prefix + "… was revoked");
  auto role = RoleFrom(token->role);
  if (!role.ok()) return Internal("token " + token->prefix + "… has a bad role");
  if (!token->last_used_at || now - *token->last_used_at >= 60) {
    store.TouchToken(token->id, now).IgnoreError();  // at most once a minute
  }
  return Principal{"token:" + std::to_string(token->id) + "(" + token->owner + ")", *role,
                   token->owner, token->repos};
}

}  // namespace spur::api
