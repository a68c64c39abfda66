#include "fake_forge.h"

#include <nlohmann/json.hpp>
#include <regex>

namespace spur::testing {
namespace {

http::Response Json(int status, const nlohmann::json& body) {
  http::Response r;
  r.status = status;
  r.body = body.dump();
  return r;
}

}  // namespace

FakeForge::FakeForge(std::string token) : token_(std::move(token)) {
  http::HttpServer::Options o;
  server_ = std::make_unique<http::HttpServer>(o);
  ok_ =
      server_->Start([this](const http::Request& r, const http::Peer&) { return Handle(r); }).ok();
}

FakeForge::~FakeForge() { server_->Stop(); }

std::vector<FakeForge::Seen> FakeForge::requests() const {
  std::lock_guard<std::mutex> g(mu_);
  return seen_;
}

std::map<int64_t, std::string> FakeForge::comments(const std::string& key) const {
  std::lock_guard<std::mutex> g(mu_);
  auto it = comments_.find(key);
  return it == comments_.end() ? std::map<int64_t, std::string>{} : it->second;
}

void FakeForge::AddForeignComment(const std::string& key, const std::string& body) {
  std::lock_guard<std::mutex> g(mu_);
  const int64_t id = next_id_++;
  comments_[key][id] = body;
  foreign_[id] = true;
}

http::Response FakeForge::Handle(const http::Request& r) {
  std::lock_guard<std::mutex> g(mu_);
  seen_.push_back({r.method, r.target, r.body, r.headers});
  if (r.target == "/user" || r.target == "/api/v4/user") {
    const bool github = r.target == "/user";
    if (github ? r.Header("authorization") != "Bearer " + token_
               : r.Header("private-token") != token_) {
      return Json(401, {{"message", "Bad credentials"}});
    }
    return Json(200, {{"login", "spur-bot"}, {"id", 7}});
  }
  static const std::regex kGhList("/repos/([^/]+/[^/]+)/issues/([0-9]+)/comments");
  static const std::regex kGhEdit("/repos/([^/]+/[^/]+)/issues/comments/([0-9]+)");
  static const std::regex kGlList("/projects/([^/]+)/merge_requests/([0-9]+)/notes");
  static const std::regex kGlEdit("/projects/([^/]+)/merge_requests/([0-9]+)/notes/([0-9]+)");
  std::string path = r.target.substr(0, r.target.find('?'));
  if (path.rfind("/api/v4/", 0) == 0) path = path.substr(7);  // GitLab's API base
  std::smatch m;
  std::string key;
  int64_t edit_id = 0;
  if (std::regex_match(path, m, kGhList)) {
    if (r.Header("authorization") != "Bearer " + token_)
      return Json(401, {{"message", "Bad credentials"}});
    key = "github:" + m[1].str() + "#" + m[2].str();
  } else if (std::regex_match(path, m, kGhEdit)) {
    if (r.Header("authorization") != "Bearer " + token_)
      return Json(401, {{"message", "Bad credentials"}});
    key = "github:" + m[1].str();
    edit_id = std::stoll(m[2].str());
  } else if (std::regex_match(path, m, kGlEdit)) {
    if (r.Header("private-token") != token_) return Json(401, {{"message", "401 Unauthorized"}});
    key = "gitlab:" + http::PercentDecode(m[1].str(), false).value_or("") + "#" + m[2].str();
    edit_id = std::stoll(m[3].str());
  } else if (std::regex_match(path, m, kGlList)) {
    if (r.Header("private-token") != token_) return Json(401, {{"message", "401 Unauthorized"}});
    key = "gitlab:" + http::PercentDecode(m[1].str(), false).value_or("") + "#" + m[2].str();
  } else {
    return Json(404, {{"message", "Not Found"}});
  }
  auto body = nlohmann::json::parse(r.body.empty() ? "null" : r.body, nullptr, false);
  if (edit_id != 0) {
    if (r.method != "PATCH" && r.method != "PUT") return Json(405, {{"message", "no"}});
    for (auto& [pr, list] : comments_) {
      if (pr.rfind(key, 0) == 0 && list.count(edit_id)) {
        list[edit_id] = body.value("body", "");
        return Json(200, {{"id", edit_id}, {"body", list[edit_id]}});
      }
    }
    return Json(404, {{"message", "Not Found"}});
  }
  auto& list = comments_[key];
  if (r.method == "GET") {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& [id, text] : list) {
      const bool mine = !foreign_.count(id);
      out.push_back({{"id", id},
                     {"body", text},
                     {"user", {{"login", mine ? "spur-bot" : "mallory"}}},
                     {"author", {{"id", mine ? 7 : 666}}}});
    }
    return Json(200, out);
  }
  if (r.method != "POST" || !body.is_object() || !body.contains("body")) {
    return Json(422, {{"message", "Validation Failed"}});
  }
  const int64_t id = next_id_++;
  list[id] = body["body"].get<std::string>();
  return Json(201, {{"id", id}, {"body", list[id]}});
}

}  // namespace spur::testing
