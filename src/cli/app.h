// The spur command line: builds the command tree and runs one command.
#pragma once

namespace spur::cli {

// Parses argv, runs the command, returns the process exit code.
int Run(int argc, char** argv);

}  // namespace spur::cli
