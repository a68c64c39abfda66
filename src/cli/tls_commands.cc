// spur tls init|ca|show|branches: the pool's CA and certificate (engine/tls.h).
// On the pool's host only: the CA's key never leaves it, and a client must
// get the CA over a channel it already trusts before it can verify https.
#include <cstdio>

#include "cli/commands.h"
#include "common/units.h"
#include "engine/tls.h"
#include "os/fs.h"

namespace spur::cli {
namespace {

struct TlsArgs {
  std::vector<std::string> names;
  std::string state;
};

nlohmann::json InfoJson(const CertInfo& info, const engine::TlsPaths& p) {
  return {{"names", info.names},          {"not_after", FormatTimestamp(info.not_after)},
          {"sha256", info.sha256},        {"ca_cert", p.ca_cert},
          {"server_cert", p.server_cert}, {"server_key", p.server_key}};
}

int RunInit(GlobalOptions& g, const TlsArgs& a) {
  if (Status st = LocalOnly(g, "spur tls"); !st.ok()) return Fail(g, st);
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto info = (*pool)->IssueTlsCertificate(a.names);
  if (!info.ok()) return Fail(g, info.status());
  const engine::TlsPaths p = engine::TlsFiles((*pool)->layout());
  if (g.json) {
    PrintJson(InfoJson(*info, p));
    return 0;
  }
  std::string names;
  for (const auto& n : info->names) names += (names.empty() ? "" : ", ") + n;
  std::printf("issued %s for %s (until %s)\n", p.server_cert.c_str(), names.c_str(),
              FormatTimestamp(info->not_after).c_str());
  std::printf("clients trust the CA: spur tls ca > spur-ca.pem\n");
  std::printf("https for the API: spur serve --tls; branches: spur tls branches on\n");
  return 0;
}

int RunCa(GlobalOptions& g) {
  if (Status st = LocalOnly(g, "spur tls"); !st.ok()) return Fail(g, st);
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  const engine::TlsPaths p = engine::TlsFiles((*pool)->layout());
  auto pem = os::ReadFile(p.ca_cert);
  if (!pem.ok()) {
    return Fail(g, NotFound("the pool has no CA yet; run `spur tls init` first"));
  }
  if (g.json)
    PrintJson({{"ca_cert", p.ca_cert}, {"pem", *pem}});
  else
    std::fputs(pem->c_str(), stdout);
  return 0;
}

int RunShow(GlobalOptions& g) {
  if (Status st = LocalOnly(g, "spur tls"); !st.ok()) return Fail(g, st);
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto info = engine::PoolCertificate((*pool)->layout());
  if (!info.ok()) return Fail(g, info.status());
  const bool branches = (*pool)->config().tls;
  const engine::TlsPaths p = engine::TlsFiles((*pool)->layout());
  if (g.json) {
    nlohmann::json j = *info ? InfoJson(**info, p) : nlohmann::json::object();
    j["issued"] = info->has_value();
    j["branches"] = branches;
    PrintJson(j);
    return 0;
  }
  if (!*info) {
    std::printf("no certificate yet: spur tls init [--name HOST]...\n");
    return 0;
  }
  std::string names;
  for (const auto& n : (*info)->names) names += (names.empty() ? "" : ", ") + n;
  std::printf("certificate: %s\nnames:       %s\nvalid until: %s\nsha256:      %s\n",
              p.server_cert.c_str(), names.c_str(), FormatTimestamp((*info)->not_after).c_str(),
              (*info)->sha256.c_str());
  std::printf("branches:    %s\n",
              branches ? "TLS required on TCP" : "plain TCP (tls branches on)");
  return 0;
}

int RunBranches(GlobalOptions& g, const TlsArgs& a) {
  if (Status st = LocalOnly(g, "spur tls"); !st.ok()) return Fail(g, st);
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto running = (*pool)->SetBranchTls(a.state == "on");
  if (!running.ok()) return Fail(g, running.status());
  if (g.json) {
    PrintJson({{"branches_tls", a.state == "on"}, {"restart_to_apply", *running}});
    return 0;
  }
  std::printf("branches %s from their next start\n",
              a.state == "on" ? "require TLS on TCP" : "take plain TCP");
  if (!running->empty()) {
    std::string list;
    for (const auto& n : *running) list += (list.empty() ? "" : " ") + n;
    std::printf(
        "running now (restart to apply: spur branch stop NAME; spur branch start NAME): "
        "%s\n",
        list.c_str());
  }
  return 0;
}

}  // namespace

void AddTlsCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto a = std::make_shared<TlsArgs>();
  auto* tls = app.add_subcommand("tls", "The pool's CA and TLS certificate (on the pool's host)");
  tls->require_subcommand(1);
  auto* init = tls->add_subcommand(
      "init",
      "Make the pool's CA (once) and issue its server certificate for spur serve and "
      "the branches");
  init->add_option("--name", a->names,
                   "Another host name or IP address clients use (repeatable); advertise_host, "
                   "localhost, 127.0.0.1 and ::1 are always in")
      ->type_name("HOST");
  init->callback([&g, a, exit_code] { *exit_code = RunInit(g, *a); });
  auto* ca = tls->add_subcommand(
      "ca", "Print the pool's CA certificate (PEM) for clients: --cacert, sslrootcert");
  ca->callback([&g, exit_code] { *exit_code = RunCa(g); });
  auto* show = tls->add_subcommand("show", "Show the certificate's names, expiry and fingerprint");
  show->callback([&g, exit_code] { *exit_code = RunShow(g); });
  auto* branches = tls->add_subcommand(
      "branches", "on: branches require TLS on TCP (from their next start); off: plain TCP");
  branches->add_option("state", a->state, "on or off")
      ->required()
      ->check(CLI::IsMember({"on", "off"}));
  branches->callback([&g, a, exit_code] { *exit_code = RunBranches(g, *a); });
}

}  // namespace spur::cli
