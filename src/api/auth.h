// Bearer tokens: creation (the secret is shown once; only its SHA-256 is
// stored) and authentication of a request's Authorization header.
#pragma once

#include <string>

#include "api/call.h"
#include "catalog/store.h"

namespace spur::api {

struct NewToken {
  catalog::Token record;
  std::string secret;  // "spur_" + 40 random characters; never stored
};

// The owner is normalized by OwnerName (common/names.h), like forge logins;
// InvalidArgument when it cannot be an owner name, or when a repository is
// not "owner/name" (at most 20 of them; scoping only a developer token).
Result<NewToken> CreateToken(catalog::Store& store, Role role, const std::string& owner,
                             const std::string& note, int64_t now,
                             const std::vector<std::string>& repos = {});

// `authorization`: the header value ("Bearer spur_..."). Unauthenticated when
// missing, malformed, unknown or revoked; the message says what to do.
Result<Principal> Authenticate(catalog::Store& store, const std::string& authorization,
                               int64_t now);

}  // namespace spur::api
