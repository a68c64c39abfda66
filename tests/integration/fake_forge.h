// A local stand-in for the GitHub and GitLab REST APIs, as far as spur's PR
// comment uses them: list, create and edit the comments of a pull request
// (GitHub: /repos/O/R/issues/N/comments, /repos/O/R/issues/comments/ID) or of
// a merge request (GitLab: /projects/ID/merge_requests/N/notes[/ID]). It
// records every request and refuses those without the expected token, so a
// test checks what spur sent, and how.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/message.h"
#include "http/server.h"

namespace spur::testing {

class FakeForge {
 public:
  // Serves on 127.0.0.1 (any free port); requests must carry `token`.
  explicit FakeForge(std::string token);
  ~FakeForge();
  bool ok() const { return ok_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  struct Seen {
    std::string method, target, body;
    std::map<std::string, std::string> headers;
  };
  std::vector<Seen> requests() const;
  // The comments on PR `key` ("github:acme/shop#3", "gitlab:acme/web#5"), by id.
  std::map<int64_t, std::string> comments(const std::string& key) const;
  // A comment by someone else (not the token's user, "spur-bot", id 7).
  void AddForeignComment(const std::string& key, const std::string& body);

 private:
  http::Response Handle(const http::Request& r);

  std::string token_;
  bool ok_ = false;
  mutable std::mutex mu_;
  std::vector<Seen> seen_;
  std::map<std::string, std::map<int64_t, std::string>> comments_;  // by PR key
  std::map<int64_t, bool> foreign_;                                 // ids not by spur-bot
  int64_t next_id_ = 1000;
  std::unique_ptr<http::HttpServer> server_;
};

}  // namespace spur::testing
