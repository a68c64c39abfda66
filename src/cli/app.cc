#include "cli/app.h"

#include <cstdio>

#include "cli/commands.h"
#include "cli/table.h"
#include "common/log.h"

namespace spur::cli {

int Run(int argc, char** argv) {
  CLI::App app{"spur: instant copy-on-write PostgreSQL branches", "spur"};
  app.require_subcommand(1);
  app.fallthrough();
  app.set_version_flag("--version", "spur 0.1.0");
  GlobalOptions g;
  app.add_option("--pool", g.pool,
                 "Pool directory (default: $SPUR_POOL, else /var/lib/spur "
                 "as root, ~/.local/share/spur otherwise)");
  app.add_option("--server", g.server,
                 "Talk to `spur serve` at URL (https://HOST:PORT, http://HOST:PORT or "
                 "unix:///path/spur.sock) instead of the local pool (default: $SPUR_SERVER)");
  app.add_option("--token", g.token, "API token for --server (default: $SPUR_TOKEN)");
  app.add_option("--cacert", g.cacert,
                 "PEM CA certificate(s) to trust for an https:// server, e.g. the pool's own "
                 "from `spur tls ca` (default: $SPUR_CACERT, else the system's trust store)")
      ->type_name("FILE");
  app.add_flag("--json", g.json, "Print results as JSON on stdout");
  app.add_flag("--wide", g.wide, "Show table cells whole (by default cut at 60 characters)");
  app.add_flag("-v,--verbose", g.verbose, "Log more detail to stderr");
  app.add_flag("-q,--quiet", g.quiet, "Log only warnings and errors");
  app.footer(
      "Exit codes: 0 ok, 1 internal error, 2 bad input, 3 not found, 4 already exists, "
      "5 refused in this state, 6 unavailable (postgres or server), 7 not allowed (token or role), "
      "8 quota exceeded, 9 audit log tampered or personal data found (mask verify), "
      "10 migration failed (ci up --migrate), 11 pool disk full, 12 a guardrail fired (rehearse).");

  int exit_code = 0;
  AddPoolCommands(app, g, &exit_code);
  AddBranchCommands(app, g, &exit_code);
  AddSnapshotCommands(app, g, &exit_code);
  AddConnectCommands(app, g, &exit_code);
  AddAdminCommands(app, g, &exit_code);
  AddCiCommands(app, g, &exit_code);
  AddTlsCommands(app, g, &exit_code);
  AddSourceCommands(app, g, &exit_code);
  AddSyncCommand(app, g, &exit_code);
  AddDiffCommand(app, g, &exit_code);
  AddRehearseCommand(app, g, &exit_code);
  AddMaskCommands(app, g, &exit_code);
  AddServeCommand(app, g, &exit_code);
  app.parse_complete_callback([&g] {
    Table::SetMaxCellWidth(g.wide ? 0 : Table::kDefaultMaxCellWidth);
    SetUpLogging(g.verbose ? LogLevel::kVerbose : (g.quiet ? LogLevel::kQuiet : LogLevel::kNormal));
  });

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    if (what.empty()) what = "missing command";
    std::fprintf(stderr, "error: %s; run `spur --help` (or `spur COMMAND --help`)\n", what.c_str());
    return 2;
  }
  return exit_code;
}

}  // namespace spur::cli
