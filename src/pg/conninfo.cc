#include "pg/conninfo.h"

#include <libpq-fe.h>

#include "os/fs.h"

namespace spur::pg {

Result<std::vector<std::pair<std::string, std::string>>> ParseConninfo(
    const std::string& conninfo) {
  char* err = nullptr;
  PQconninfoOption* opts = PQconninfoParse(conninfo.c_str(), &err);
  if (opts == nullptr) {
    std::string why = err ? err : "out of memory";
    if (err) PQfreemem(err);
    while (!why.empty() && why.back() == '\n') why.pop_back();
    return InvalidArgument("cannot read the connection string: " + why +
                           "; use postgres://user:password@host:port/dbname");
  }
  std::vector<std::pair<std::string, std::string>> out;
  for (PQconninfoOption* o = opts; o->keyword != nullptr; ++o) {
    if (o->val != nullptr && *o->val != '\0') out.emplace_back(o->keyword, o->val);
  }
  PQconninfoFree(opts);
  return out;
}

std::string RedactConninfo(const std::string& conninfo) {
  auto parsed = ParseConninfo(conninfo);
  if (!parsed.ok()) return "(unreadable connection string)";
  std::string host = "localhost", port, user, db, password;
  for (const auto& [k, v] : *parsed) {
    if (k == "host" || k == "hostaddr") host = v;
    if (k == "port") port = v;
    if (k == "user") user = v;
    if (k == "dbname") db = v;
    if (k == "password") password = "***";
  }
  std::string out = "postgres://";
  if (!user.empty()) out += user + (password.empty() ? "" : ":" + password) + "@";
  out += host;
  if (!port.empty()) out += ":" + port;
  if (!db.empty()) out += "/" + db;
  return out;
}

Result<ServiceFile> ServiceFile::Write(const std::string& path, const std::string& conninfo) {
  ASSIGN_OR_RETURN(auto pairs, ParseConninfo(conninfo));
  std::string text = "[spur]\n";
  for (const auto& [k, v] : pairs) {
    if (v.find('\n') != std::string::npos) {
      return InvalidArgument("connection parameter " + k + " contains a line break");
    }
    text += k + "=" + v + "\n";
  }
  RETURN_IF_ERROR(os::WriteFileAtomic(path, text, 0600));
  return ServiceFile(path);
}

ServiceFile::~ServiceFile() {
  if (!path_.empty()) os::RemoveFile(path_).IgnoreError();
}

}  // namespace spur::pg
