#include "pg/installation.h"

#include <algorithm>
#include <cstdlib>

#include "os/fs.h"
#include "os/process.h"

namespace spur::pg {
namespace {

Result<int> MajorVersion(const std::string& bindir) {
  auto out = os::RunChecked({bindir + "/postgres", "--version"});
  if (!out.ok()) return out.status();
  // "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)"
  const std::string& s = out->out;
  auto paren = s.find(") ");
  if (paren == std::string::npos) return Internal("cannot parse postgres --version: " + s);
  return std::atoi(s.c_str() + paren + 2);
}

Result<Installation> FromBindir(const std::string& bindir) {
  if (!os::PathExists(bindir + "/postgres") || !os::PathExists(bindir + "/initdb")) {
    return NotFound("no postgres and initdb in " + bindir);
  }
  ASSIGN_OR_RETURN(int major, MajorVersion(bindir));
  return Installation{bindir, major};
}

}  // namespace

Result<Installation> FindInstallation(const std::string& configured) {
  if (!configured.empty()) {
    auto inst = FromBindir(configured);
    if (!inst.ok()) return inst.status().WithContext("configured pg bindir");
    return inst;
  }
  auto pgc = os::Run({"pg_config", "--bindir"});
  if (pgc.ok() && pgc->exit_code == 0) {
    std::string dir = pgc->out;
    while (!dir.empty() && (dir.back() == '\n' || dir.back() == ' ')) dir.pop_back();
    auto inst = FromBindir(dir);
    if (inst.ok()) return inst;
  }
  auto versions = os::ListDir("/usr/lib/postgresql");
  if (versions.ok()) {
    std::vector<std::string> v = *versions;
    std::sort(v.begin(), v.end(), [](const std::string& a, const std::string& b) {
      return std::atoi(a.c_str()) > std::atoi(b.c_str());
    });
    for (const auto& ver : v) {
      auto inst = FromBindir("/usr/lib/postgresql/" + ver + "/bin");
      if (inst.ok()) return inst;
    }
  }
  return NotFound(
      "no PostgreSQL server found (pg_config, /usr/lib/postgresql/*/bin); install "
      "postgresql-15 or pass --pg-bindir DIR");
}

}  // namespace spur::pg
