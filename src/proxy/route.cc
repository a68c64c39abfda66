#include "proxy/route.h"

#include <optional>
#include <vector>

#include "common/names.h"

namespace spur::proxy {
namespace {

namespace wire = pg::wire;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

RouteOrError Refuse(std::string_view sqlstate, std::string message, std::string hint = "") {
  RouteOrError r;
  r.error = {std::string(sqlstate), std::move(message), "", std::move(hint)};
  return r;
}

// The branch an SNI host names: "pr-1" for "pr-1.db.example.com" under
// "db.example.com"; nullopt for any other host.
std::optional<std::string> FromSni(std::string_view sni, std::string_view domain) {
  if (sni.empty() || domain.empty()) return std::nullopt;
  const std::string host = Lower(sni), suffix = "." + Lower(domain);
  if (host.size() <= suffix.size() ||
      host.compare(host.size() - suffix.size(), suffix.size(), suffix) != 0) {
    return std::nullopt;
  }
  return host.substr(0, host.size() - suffix.size());
}

// The value of a routing word, or nullopt when `word` is not one.
std::optional<std::string> RoutingValue(std::string_view word) {
  for (std::string_view prefix : {"--branch=", "--spur.branch=", "-cspur.branch="}) {
    if (word.substr(0, prefix.size()) == prefix) return std::string(word.substr(prefix.size()));
  }
  return std::nullopt;
}

struct FromOptions {
  std::vector<std::string> names;  // every branch the options name
  std::vector<std::string> rest;   // the words to forward
};

FromOptions ReadOptions(std::string_view options) {
  FromOptions out;
  const std::vector<std::string> words = wire::SplitOptions(options);
  for (size_t i = 0; i < words.size(); ++i) {
    if (auto v = RoutingValue(words[i])) {
      out.names.push_back(*v);
    } else if (words[i] == "-c" && i + 1 < words.size() &&
               words[i + 1].rfind("spur.branch=", 0) == 0) {
      out.names.push_back(words[++i].substr(std::string_view("spur.branch=").size()));
    } else {
      out.rest.push_back(words[i]);
    }
  }
  return out;
}

}  // namespace

RouteOrError RouteStartup(const wire::StartupPacket& startup, std::string_view sni,
                          std::string_view proxy_domain) {
  std::vector<std::pair<std::string, std::string>> named;  // (branch, source)
  if (auto b = FromSni(sni, proxy_domain)) named.emplace_back(*b, "sni");
  FromOptions options;
  if (const std::string* o = startup.Find("options")) options = ReadOptions(*o);
  for (const std::string& b : options.names) named.emplace_back(b, "options");

  wire::Parameters forward = startup.parameters;
  if (named.empty()) {
    const std::string* db = startup.Find("database");
    const size_t at = db == nullptr ? std::string::npos : db->rfind('@');
    if (at != std::string::npos) {
      named.emplace_back(db->substr(at + 1), "database");
      for (auto& [k, v] : forward) {
        if (k == "database") v = v.substr(0, at);
      }
    }
  }
  if (named.empty()) {
    return Refuse(wire::sqlstate::kInvalidCatalogName, "no branch named in the connection",
                  proxy_domain.empty()
                      ? "add options=--branch=NAME, or connect to database@NAME"
                      : "connect to NAME." + std::string(proxy_domain) +
                            ", add options=--branch=NAME, or connect to database@NAME");
  }
  for (const auto& [b, source] : named) {
    if (b != named.front().first) {
      return Refuse(wire::sqlstate::kProtocolViolation, "the connection names two branches (" +
                                                            named.front().second + " and " +
                                                            source + "); name one");
    }
  }
  const std::string& branch = named.front().first;
  if (!ValidateName("branch", branch).ok()) {
    return Refuse(wire::sqlstate::kProtocolViolation,
                  "the branch name from " + named.front().second +
                      " is not a valid branch name: [a-z0-9][a-z0-9._-]{0,62}");
  }
  if (!options.names.empty()) {
    const std::string rest = wire::JoinOptions(options.rest);
    wire::Parameters kept;
    for (auto& [k, v] : forward) {
      if (k != "options") {
        kept.emplace_back(std::move(k), std::move(v));
      } else if (!rest.empty()) {
        kept.emplace_back(std::move(k), rest);
      }
    }
    forward = std::move(kept);
  }
  RouteOrError r;
  r.ok = true;
  r.route = {branch, named.front().second, std::move(forward)};
  return r;
}

}  // namespace spur::proxy
