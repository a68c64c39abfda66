// Registration of each command group on the CLI11 app. A command's callback
// stores its exit code in *exit_code.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace spur::cli {

void AddPoolCommands(CLI::App& app, GlobalOptions& g, int* exit_code);      // init, status
void AddBranchCommands(CLI::App& app, GlobalOptions& g, int* exit_code);    // branch ...
void AddSnapshotCommands(CLI::App& app, GlobalOptions& g, int* exit_code);  // snapshot ...
void AddConnectCommands(CLI::App& app, GlobalOptions& g, int* exit_code);   // uri, psql
// token, quota, schedule, config, audit, cost
void AddAdminCommands(CLI::App& app, GlobalOptions& g, int* exit_code);
void AddCiCommands(CLI::App& app, GlobalOptions& g, int* exit_code);       // ci, repo
void AddSourceCommands(CLI::App& app, GlobalOptions& g, int* exit_code);   // source ...
void AddSyncCommand(CLI::App& app, GlobalOptions& g, int* exit_code);      // sync
void AddDiffCommand(CLI::App& app, GlobalOptions& g, int* exit_code);      // diff
void AddRehearseCommand(CLI::App& app, GlobalOptions& g, int* exit_code);  // rehearse
void AddMaskCommands(CLI::App& app, GlobalOptions& g, int* exit_code);     // mask check|verify
void AddServeCommand(CLI::App& app, GlobalOptions& g, int* exit_code);     // serve
void AddTlsCommands(CLI::App& app, GlobalOptions& g, int* exit_code);      // tls ...

}  // namespace spur::cli
