#include "forge/comments.h"

#include <nlohmann/json.hpp>

#include "common/untrusted_json.h"
#include "http/client.h"
#include "http/message.h"

namespace spur::forge {
namespace {

constexpr int kPageSize = 100;
constexpr int kMaxPages = 10;
constexpr int kTimeoutMs = 30000;

// How one forge names its comments.
struct Api {
  std::string user;                       // who the token is
  std::string list, create, edit_prefix;  // paths under the API URL
  std::string edit_method;                // PATCH (GitHub) or PUT (GitLab)
  std::map<std::string, std::string> headers;
};

Result<Api> ApiFor(const CommentTarget& t) {
  const std::string pr = std::to_string(t.pr);
  Api a;
  if (t.forge == "github") {
    // Each segment encoded: the name reaches the path whole, never as more path.
    const std::string slash = "/";
    const size_t cut = t.repo.find('/');
    const std::string repo =
        http::UrlEncode(t.repo.substr(0, cut)) + slash +
        http::UrlEncode(cut == std::string::npos ? "" : t.repo.substr(cut + 1));
    a.user = "/user";
    a.list = "/repos/" + repo + "/issues/" + pr + "/comments";
    a.create = a.list;
    a.edit_prefix = "/repos/" + repo + "/issues/comments/";
    a.edit_method = "PATCH";
    a.headers = {{"Authorization", "Bearer " + t.token},
                 {"Accept", "application/vnd.github+json"},
                 {"X-GitHub-Api-Version", "2022-11-28"},
                 {"User-Agent", "spur"}};
  } else if (t.forge == "gitlab") {
    const std::string project = "/projects/" + http::UrlEncode(t.repo);
    a.user = "/user";
    a.list = project + "/merge_requests/" + pr + "/notes";
    a.create = a.list;
    a.edit_prefix = a.list + "/";
    a.edit_method = "PUT";
    a.headers = {{"PRIVATE-TOKEN", t.token}, {"User-Agent", "spur"}};
  } else {
    return InvalidArgument("forge must be github or gitlab, not \"" + t.forge + "\"");
  }
  a.headers["Content-Type"] = "application/json";
  return a;
}

// The forge's own words on an error: its "message", one line, short.
std::string ForgeMessage(const http::Response& r) {
  auto j = ParseUntrustedJson(r.body, "forge error", {.max_bytes = 64u << 10, .max_depth = 16});
  if (!j.ok()) return "";
  std::string m = j->is_object() && j->contains("message") && (*j)["message"].is_string()
                      ? (*j)["message"].get<std::string>()
                      : "";
  if (auto nl = m.find('\n'); nl != std::string::npos) m.resize(nl);
  if (m.size() > 200) m.resize(200);
  return m;
}

class HttpCommentPoster : public CommentPoster {
 public:
  Result<int64_t> Upsert(const CommentTarget& t, const std::string& marker,
                         const std::string& body) override {
    ASSIGN_OR_RETURN(Api api, ApiFor(t));
    ASSIGN_OR_RETURN(auto client, http::HttpClient::FromUrl(t.api_url, t.ca_file));
    const std::string payload = nlohmann::json{{"body", body}}.dump();
    ASSIGN_OR_RETURN(auto me, Send(client, t, api, "GET", api.user, ""));
    ASSIGN_OR_RETURN(std::string author, AuthorOf(me, t.forge));
    ASSIGN_OR_RETURN(auto existing, Find(client, api, t, marker, author));
    if (existing) {
      ASSIGN_OR_RETURN(auto r, Send(client, t, api, api.edit_method,
                                    api.edit_prefix + std::to_string(*existing), payload));
      (void)r;
      return *existing;
    }
    ASSIGN_OR_RETURN(auto r, Send(client, t, api, "POST", api.create, payload));
    return IdOf(r, t);
  }

 private:
  static Result<nlohmann::json> Send(const http::HttpClient& client, const CommentTarget& t,
                                     const Api& api, const std::string& method,
                                     const std::string& path, const std::string& payload) {
    auto r = client.Call(method, path, api.headers, payload, kTimeoutMs);
    if (!r.ok()) {
      return Unavailable(t.forge + " at " + t.api_url +
                         " could not be reached: " + r.status().message());
    }
    if (r->status < 200 || r->status > 299) {
      std::string m = ForgeMessage(*r);
      return Unavailable(t.forge + " answered HTTP " + std::to_string(r->status) + " to " + method +
                         " " + path + (m.empty() ? "" : ": " + m) +
                         (r->status == 401 || r->status == 403
                              ? " (check the repository's forge token and its scopes)"
                              : ""));
    }
    auto j = ParseUntrustedJson(r->body, t.forge + " reply", {.max_bytes = 16u << 20});
    if (!j.ok()) return Unavailable(t.forge + " answered with a body that is not JSON");
    return std::move(*j);
  }

  static Result<int64_t> IdOf(const nlohmann::json& comment, const CommentTarget& t) {
    if (!comment.is_object() || !comment.contains("id") || !comment["id"].is_number_integer()) {
      return Unavailable(t.forge + " answered without a comment id");
    }
    return comment["id"].get<int64_t>();
  }

  // Who wrote a comment (GitHub: user.login; GitLab: author.id), or who the
  // token is (GET /user: login; id). "" when the reply does not say.
  static std::string Writer(const nlohmann::json& j, const std::string& forge) {
    if (!j.is_object()) return "";
    if (forge == "github") {
      const auto& who = j.contains("user") ? j["user"] : j;
      return who.is_object() && who.contains("login") && who["login"].is_string()
                 ? who["login"].get<std::string>()
                 : "";
    }
    const auto& who = j.contains("author") ? j["author"] : j;
    return who.is_object() && who.contains("id") && who["id"].is_number_integer()
               ? std::to_string(who["id"].get<int64_t>())
               : "";
  }

  static Result<std::string> AuthorOf(const nlohmann::json& me, const std::string& forge) {
    std::string who = Writer(me, forge);
    if (who.empty()) return Unavailable(forge + " did not say whose the token is (GET /user)");
    return who;
  }

  // Only spur's own comment is edited: anyone may post a comment that starts
  // with the marker.
  static Result<std::optional<int64_t>> Find(const http::HttpClient& client, const Api& api,
                                             const CommentTarget& t, const std::string& marker,
                                             const std::string& author) {
    for (int page = 1; page <= kMaxPages; ++page) {
      ASSIGN_OR_RETURN(auto list, Send(client, t, api, "GET",
                                       api.list + "?per_page=" + std::to_string(kPageSize) +
                                           "&page=" + std::to_string(page),
                                       ""));
      if (!list.is_array()) return Unavailable(t.forge + " listed comments as something else");
      for (const auto& c : list) {
        if (!c.is_object() || !c.contains("body") || !c["body"].is_string()) continue;
        if (c["body"].get<std::string>().rfind(marker, 0) == 0 && Writer(c, t.forge) == author) {
          ASSIGN_OR_RETURN(int64_t id, IdOf(c, t));
          return std::optional<int64_t>(id);
        }
      }
      if (list.size() < static_cast<size_t>(kPageSize)) break;
    }
    return std::optional<int64_t>();
  }
};

}  // namespace

std::unique_ptr<CommentPoster> MakeHttpCommentPoster() {
  return std::make_unique<HttpCommentPoster>();
}

std::string DefaultApiUrl(const std::string& forge) {
  return forge == "gitlab" ? "https://gitlab.com/api/v4" : "https://api.github.com";
}

}  // namespace spur::forge
