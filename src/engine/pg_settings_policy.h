// Which postgres settings a branch may be given, by whom, and with what
// values: the one gate for `pg` in POST /branches, `--pg` on the CLI and
// `spur init --pg`, checked before anything is written.
//
// An allowlist: a static table of the settings spur knows, each with its kind
// (bool, integer, real, enum, memory, time, constrained text) and the lowest
// caller that may set it. Anything not in the table is refused. Settings that
// run programs, load code, write files or change how spur reaches the branch
// (archive_command, shared_preload_libraries, unix_socket_directories,
// listen_addresses, port, hba_file, ...) are refused to everyone. The full
// list is docs/settings.md.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace spur::engine {

// Who asks. Developers: harmless per-session knobs (work_mem,
// statement_timeout, log settings, planner switches). Admins: those plus
// what the pool's `allowed_settings` option lists. The pool's operator
// (`spur init --pg`): every known setting but the forbidden ones.
enum class SettingsCaller { kDeveloper, kAdmin, kOperator };

// Checks `requested` (name -> value as typed) for `caller`; `admin_allowed`
// is the pool's allowed_settings (used for kAdmin only). Returns the
// settings with lower-case names and values re-rendered from what was
// parsed (so no quote, backslash, newline, NUL or '#' a caller typed can
// reach spur.conf). On the first bad setting, nothing is returned:
//   InvalidArgument  unknown setting, malformed name, bad value (the message
//                    states the kind and range), more than 64 settings;
//   PermissionDenied a forbidden setting, or one above the caller's role.
Result<std::map<std::string, std::string>> CheckSettings(
    const std::map<std::string, std::string>& requested, SettingsCaller caller,
    const std::vector<std::string>& admin_allowed);

// True for settings no one may set through spur (case-insensitive).
bool IsForbiddenSetting(std::string_view name);

// The default of the pool option allowed_settings, comma-separated.
const char* DefaultAdminSettings();

// A comma-separated allowed_settings value: each a known setting that is not
// forbidden. InvalidArgument names the first that is not.
Result<std::vector<std::string>> ParseAllowedSettings(std::string_view text);

// Every known setting with the lowest caller that may set it ("developer",
// "admin" or "never"), for docs and tests.
std::vector<std::pair<std::string, std::string>> KnownSettings();

}  // namespace spur::engine
