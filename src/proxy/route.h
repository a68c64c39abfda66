// Which branch a client of the proxy wants, from what it sent before any
// byte reaches postgres: the TLS server name (SNI) and the StartupMessage.
// Pure: no sockets, no pool; the caller looks the branch up afterwards.
//
// Where the branch name comes from, first match wins:
//   1. SNI `<branch>.<proxy-domain>` (case-insensitive, as DNS is);
//   2. in "options": `--branch=<name>`, `-c spur.branch=<name>` (or
//      `-cspur.branch=<name>`, `--spur.branch=<name>`);
//   3. the database name `<database>@<branch>` (the last '@'), only when 1 and
//      2 named nothing: a database may have '@' in its name.
// The routing words are taken out of "options" before the StartupMessage is
// forwarded (postgres would refuse `--branch` as an unknown setting). A branch
// named twice differently (SNI and options, or two options words) is refused:
// the proxy never guesses which one was meant.
#pragma once

#include <string>
#include <string_view>

#include "pg/wire_startup.h"

namespace spur::proxy {

struct Route {
  std::string branch;            // a valid name (common/names)
  std::string source;            // "sni", "options" or "database"
  pg::wire::Parameters forward;  // the StartupMessage's parameters for the branch's postgres
};

struct RouteOrError {
  bool ok = false;
  Route route;                // when ok
  pg::wire::WireError error;  // when not: what the client is told
};

// The route for a StartupMessage `startup`, reached with TLS server name
// `sni` ("" without TLS or SNI) on a proxy serving `*.<proxy_domain>` (""
// turns SNI routing off). Errors (nothing routed): 3D000 when no branch is
// named, with a hint of the three ways; 08P01 when a named branch is not a
// valid name or two names disagree.
RouteOrError RouteStartup(const pg::wire::StartupPacket& startup, std::string_view sni,
                          std::string_view proxy_domain);

}  // namespace spur::proxy
