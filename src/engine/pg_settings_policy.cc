#include "engine/pg_settings_policy.h"

#include <algorithm>
#include <cctype>

#include "common/untrusted_text.h"
#include "engine/pg_setting_value.h"

namespace spur::engine {
namespace {

enum class Level { kDeveloper, kAdmin, kNever };

struct Entry {
  const char* name;  // lower case, as postgres matches names case-insensitively
  Level level;
  SettingSpec spec;
};

using K = SettingKind;
constexpr int64_t kIntMax = 2147483647;
constexpr int64_t kMs = 1000, kS = 1000 * 1000;
constexpr int64_t kGBinKB = 1024 * 1024;
constexpr SettingSpec kBoolSpec{K::kBool, 0, 0, 1, ""};
constexpr SettingSpec kNeverSpec{K::kText, 0, 0, 1, ""};
constexpr SettingSpec Int(int64_t lo, int64_t hi) { return {K::kInteger, lo, hi, 1, ""}; }
constexpr SettingSpec Real(int64_t lo_milli, int64_t hi_milli) {
  return {K::kReal, lo_milli, hi_milli, 1, ""};
}
constexpr SettingSpec Mem(int64_t lo_kb, int64_t hi_kb, int64_t bare_kb) {
  return {K::kMemory, lo_kb, hi_kb, bare_kb, ""};
}
constexpr SettingSpec Time(int64_t lo, int64_t hi, int64_t base) {
  return {K::kTime, lo, hi, base, ""};
}
constexpr SettingSpec Enum(const char* values) { return {K::kEnum, 0, 0, 1, values}; }

const char kMessageLevels[] = "debug5|debug4|debug3|debug2|debug1|log|notice|warning|error";

// Developers: what a session could mostly SET itself, plus logging and
// planner knobs; nothing that changes memory reserved at start, durability
// for others, or what the server runs or reads.
const std::vector<Entry>& Table() {
  static const std::vector<Entry> kTable = {
      // Memory and limits of one session.
      {"work_mem", Level::kDeveloper, Mem(64, 2 * kGBinKB, 1)},
      {"maintenance_work_mem", Level::kDeveloper, Mem(1024, 2 * kGBinKB, 1)},
      {"temp_buffers", Level::kDeveloper, Mem(800, kGBinKB, 8)},
      {"statement_timeout", Level::kDeveloper, Time(0, kIntMax, kMs)},
      {"lock_timeout", Level::kDeveloper, Time(0, kIntMax, kMs)},
      {"idle_in_transaction_session_timeout", Level::kDeveloper, Time(0, kIntMax, kMs)},
      {"idle_session_timeout", Level::kDeveloper, Time(0, kIntMax, kMs)},
      {"default_transaction_isolation", Level::kDeveloper,
       Enum("read uncommitted|read committed|repeatable read|serializable")},
      {"synchronous_commit", Level::kDeveloper, Enum("on|off|local|remote_write|remote_apply")},
      // Logging.
      {"log_min_duration_statement", Level::kDeveloper, Time(-1, kIntMax, kMs)},
      {"log_min_duration_sample", Level::kDeveloper, Time(-1, kIntMax, kMs)},
      {"log_autovacuum_min_duration", Level::kDeveloper, Time(-1, kIntMax, kMs)},
      {"log_statement", Level::kDeveloper, Enum("none|ddl|mod|all")},
      {"log_lock_waits", Level::kDeveloper, kBoolSpec},
      {"log_temp_files", Level::kDeveloper, Mem(-1, kIntMax, 1)},
      {"log_connections", Level::kDeveloper, kBoolSpec},
      {"log_disconnections", Level::kDeveloper, kBoolSpec},
      {"log_duration", Level::kDeveloper, kBoolSpec},
      {"log_checkpoints", Level::kDeveloper, kBoolSpec},
      {"log_min_messages", Level::kDeveloper,
       Enum("debug5|debug4|debug3|debug2|debug1|info|"
            "notice|warning|error|log|fatal|panic")},
      {"client_min_messages", Level::kDeveloper, Enum(kMessageLevels)},
      {"track_activities", Level::kDeveloper, kBoolSpec},
      {"track_counts", Level::kDeveloper, kBoolSpec},
      {"track_io_timing", Level::kDeveloper, kBoolSpec},
      {"track_wal_io_timing", Level::kDeveloper, kBoolSpec},
      {"track_functions", Level::kDeveloper, Enum("none|pl|all")},
      // Planner.
      {"random_page_cost", Level::kDeveloper, Real(0, 1000000000)},
      {"seq_page_cost", Level::kDeveloper, Real(0, 1000000000)},
      {"cpu_tuple_cost", Level::kDeveloper, Real(0, 1000000000)},
      {"cpu_index_tuple_cost", Level::kDeveloper, Real(0, 1000000000)},
      {"cpu_operator_cost", Level::kDeveloper, Real(0, 1000000000)},
      {"effective_cache_size", Level::kDeveloper, Mem(8, 1024 * kGBinKB, 8)},
      {"effective_io_concurrency", Level::kDeveloper, Int(0, 1000)},
      {"maintenance_io_concurrency", Level::kDeveloper, Int(0, 1000)},
      {"default_statistics_target", Level::kDeveloper, Int(1, 10000)},
      {"max_parallel_workers_per_gather", Level::kDeveloper, Int(0, 1024)},
      {"max_parallel_maintenance_workers", Level::kDeveloper, Int(0, 1024)},
      {"jit", Level::kDeveloper, kBoolSpec},
      {"enable_async_append", Level::kDeveloper, kBoolSpec},
      {"enable_bitmapscan", Level::kDeveloper, kBoolSpec},
      {"enable_gathermerge", Level::kDeveloper, kBoolSpec},
      {"enable_hashagg", Level::kDeveloper, kBoolSpec},
      {"enable_hashjoin", Level::kDeveloper, kBoolSpec},
      {"enable_incremental_sort", Level::kDeveloper, kBoolSpec},
      {"enable_indexonlyscan", Level::kDeveloper, kBoolSpec},
      {"enable_indexscan", Level::kDeveloper, kBoolSpec},
      {"enable_material", Level::kDeveloper, kBoolSpec},
      {"enable_memoize", Level::kDeveloper, kBoolSpec},
      {"enable_mergejoin", Level::kDeveloper, kBoolSpec},
      {"enable_nestloop", Level::kDeveloper, kBoolSpec},
      {"enable_parallel_append", Level::kDeveloper, kBoolSpec},
      {"enable_parallel_hash", Level::kDeveloper, kBoolSpec},
      {"enable_partition_pruning", Level::kDeveloper, kBoolSpec},
      {"enable_partitionwise_aggregate", Level::kDeveloper, kBoolSpec},
      {"enable_partitionwise_join", Level::kDeveloper, kBoolSpec},
      {"enable_seqscan", Level::kDeveloper, kBoolSpec},
      {"enable_sort", Level::kDeveloper, kBoolSpec},
      {"enable_tidscan", Level::kDeveloper, kBoolSpec},
      // Locale-free formatting.
      {"timezone",
       Level::kDeveloper,
       {K::kText, 0, 0, 1, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_/+-"}},
      {"datestyle", Level::kDeveloper, {K::kText, 0, 0, 1, "ISOPostgrSQLGermanDMYdmy, "}},
      {"intervalstyle", Level::kDeveloper, Enum("postgres|postgres_verbose|sql_standard|iso_8601")},
      {"extra_float_digits", Level::kDeveloper, Int(-15, 3)},

      // Admins, when the pool's allowed_settings lists them.
      {"shared_buffers", Level::kAdmin, Mem(128, 1024 * kGBinKB, 8)},
      {"max_connections", Level::kAdmin, Int(5, 10000)},
      {"superuser_reserved_connections", Level::kAdmin, Int(1, 100)},
      {"wal_level", Level::kAdmin, Enum("minimal|replica|logical")},
      {"max_wal_size", Level::kAdmin, Mem(2 * 1024, 1024 * kGBinKB, 1024)},
      {"min_wal_size", Level::kAdmin, Mem(2 * 1024, 1024 * kGBinKB, 1024)},
      {"wal_buffers", Level::kAdmin, Mem(-1, kGBinKB, 8)},
      {"wal_keep_size", Level::kAdmin, Mem(0, 1024 * kGBinKB, 1024)},
      {"checkpoint_timeout", Level::kAdmin, Time(30, 86400, kS)},
      {"checkpoint_completion_target", Level::kAdmin, Real(0, 1000)},
      {"autovacuum", Level::kAdmin, kBoolSpec},
      {"autovacuum_naptime", Level::kAdmin, Time(1, 2147483, kS)},
      {"autovacuum_max_workers", Level::kAdmin, Int(1, 100)},
      {"autovacuum_vacuum_scale_factor", Level::kAdmin, Real(0, 100000)},
      {"autovacuum_analyze_scale_factor", Level::kAdmin, Real(0, 100000)},
      {"autovacuum_vacuum_threshold", Level::kAdmin, Int(0, kIntMax)},
      {"autovacuum_analyze_threshold", Level::kAdmin, Int(0, kIntMax)},
      {"autovacuum_vacuum_cost_delay", Level::kAdmin, Time(-1, 100, kMs)},
      {"autovacuum_vacuum_cost_limit", Level::kAdmin, Int(-1, 10000)},
      {"autovacuum_work_mem", Level::kAdmin, Mem(-1, 2 * kGBinKB, 1)},
      {"max_worker_processes", Level::kAdmin, Int(0, 1024)},
      {"max_parallel_workers", Level::kAdmin, Int(0, 1024)},
      {"max_locks_per_transaction", Level::kAdmin, Int(10, 100000)},
      {"max_pred_locks_per_transaction", Level::kAdmin, Int(10, 100000)},
      {"max_prepared_transactions", Level::kAdmin, Int(0, 10000)},
      {"max_wal_senders", Level::kAdmin, Int(0, 1000)},
      {"max_replication_slots", Level::kAdmin, Int(0, 1000)},
      {"hot_standby", Level::kAdmin, kBoolSpec},
      {"huge_pages", Level::kAdmin, Enum("on|off|try")},
      {"fsync", Level::kAdmin, kBoolSpec},
      {"full_page_writes", Level::kAdmin, kBoolSpec},
      {"recovery_init_sync_method", Level::kAdmin, Enum("fsync|syncfs")},

      // Never through spur: they run programs, load code, read or write
      // files, or change how spur (and only spur) reaches the branch.
      {"archive_mode", Level::kNever, kNeverSpec},
      {"archive_command", Level::kNever, kNeverSpec},
      {"archive_library", Level::kNever, kNeverSpec},
      {"archive_cleanup_command", Level::kNever, kNeverSpec},
      {"restore_command", Level::kNever, kNeverSpec},
      {"recovery_end_command", Level::kNever, kNeverSpec},
      {"shared_preload_libraries", Level::kNever, kNeverSpec},
      {"local_preload_libraries", Level::kNever, kNeverSpec},
      {"session_preload_libraries", Level::kNever, kNeverSpec},
      {"dynamic_library_path", Level::kNever, kNeverSpec},
      {"jit_provider", Level::kNever, kNeverSpec},
      {"ssl_passphrase_command", Level::kNever, kNeverSpec},
      {"unix_socket_directories", Level::kNever, kNeverSpec},
      {"unix_socket_group", Level::kNever, kNeverSpec},
      {"unix_socket_permissions", Level::kNever, kNeverSpec},
      {"listen_addresses", Level::kNever, kNeverSpec},
      {"port", Level::kNever, kNeverSpec},
      {"data_directory", Level::kNever, kNeverSpec},
      {"config_file", Level::kNever, kNeverSpec},
      {"hba_file", Level::kNever, kNeverSpec},
      {"ident_file", Level::kNever, kNeverSpec},
      {"external_pid_file", Level::kNever, kNeverSpec},
      {"ssl", Level::kNever, kNeverSpec},
      {"ssl_cert_file", Level::kNever, kNeverSpec},
      {"ssl_key_file", Level::kNever, kNeverSpec},
      {"ssl_ca_file", Level::kNever, kNeverSpec},
      {"ssl_crl_file", Level::kNever, kNeverSpec},
      {"ssl_crl_dir", Level::kNever, kNeverSpec},
      {"ssl_dh_params_file", Level::kNever, kNeverSpec},
      {"krb_server_keyfile", Level::kNever, kNeverSpec},
      {"logging_collector", Level::kNever, kNeverSpec},
      {"log_directory", Level::kNever, kNeverSpec},
      {"log_filename", Level::kNever, kNeverSpec},
      {"log_file_mode", Level::kNever, kNeverSpec},
      {"log_destination", Level::kNever, kNeverSpec},
      {"primary_conninfo", Level::kNever, kNeverSpec},
      {"primary_slot_name", Level::kNever, kNeverSpec},
      {"promote_trigger_file", Level::kNever, kNeverSpec},
      {"password_encryption", Level::kNever, kNeverSpec},
      {"allow_system_table_mods", Level::kNever, kNeverSpec},
      {"ignore_system_indexes", Level::kNever, kNeverSpec},
      {"zero_damaged_pages", Level::kNever, kNeverSpec},
      {"ignore_checksum_failure", Level::kNever, kNeverSpec},
      {"wal_init_zero", Level::kNever, kNeverSpec},
      {"wal_recycle", Level::kNever, kNeverSpec},
      {"include", Level::kNever, kNeverSpec},
      {"include_dir", Level::kNever, kNeverSpec},
      {"include_if_exists", Level::kNever, kNeverSpec},
  };
  return kTable;
}

constexpr size_t kMaxSettings = 64;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const Entry* Find(std::string_view name) {
  std::string lower = Lower(name);
  for (const auto& e : Table()) {
    if (lower == e.name) return &e;
  }
  return nullptr;
}

Status Forbidden(const std::string& name) {
  return PermissionDenied("postgres setting " + Quote(name) +
                          " can never be set through spur: it runs programs, loads code, "
                          "touches files or changes how spur reaches the branch "
                          "(see docs/settings.md)");
}

// The entry `name` names, when `caller` may set it.
Result<const Entry*> Permitted(const std::string& name, SettingsCaller caller,
                               const std::vector<std::string>& admin_allowed) {
  const Entry* e = Find(name);
  if (!e) {
    return InvalidArgument("unknown postgres setting " + Quote(name) +
                           "; spur accepts only the settings listed in docs/settings.md");
  }
  if (e->level == Level::kNever) return Forbidden(e->name);
  if (e->level == Level::kDeveloper || caller == SettingsCaller::kOperator) return e;
  if (caller == SettingsCaller::kDeveloper) {
    return PermissionDenied("postgres setting \"" + std::string(e->name) +
                            "\" is for admins; developers may set per-session settings such as "
                            "work_mem or statement_timeout (see docs/settings.md)");
  }
  if (std::find(admin_allowed.begin(), admin_allowed.end(), e->name) == admin_allowed.end()) {
    return PermissionDenied("postgres setting \"" + std::string(e->name) +
                            "\" is not in the pool's allowed_settings; the pool's operator may "
                            "add it with `spur config set allowed_settings ...`");
  }
  return e;
}

}  // namespace

Result<std::map<std::string, std::string>> CheckSettings(
    const std::map<std::string, std::string>& requested, SettingsCaller caller,
    const std::vector<std::string>& admin_allowed) {
  if (requested.size() > kMaxSettings) {
    return InvalidArgument("at most " + std::to_string(kMaxSettings) +
                           " postgres settings per branch");
  }
  std::map<std::string, std::string> out;
  for (const auto& [name, value] : requested) {
    ASSIGN_OR_RETURN(const Entry* e, Permitted(name, caller, admin_allowed));
    auto canonical = CanonicalSettingValue(e->spec, value);
    if (!canonical.ok()) {
      return InvalidArgument("postgres setting \"" + std::string(e->name) +
                             "\": " + canonical.status().message());
    }
    if (out.count(e->name)) {
      return InvalidArgument("postgres setting \"" + std::string(e->name) + "\" is given twice");
    }
    out[e->name] = *canonical;
  }
  return out;
}

bool IsForbiddenSetting(std::string_view name) {
  const Entry* e = Find(name);
  return e && e->level == Level::kNever;
}

const char* DefaultAdminSettings() {
  return "shared_buffers,max_connections,wal_level,max_wal_size,min_wal_size,wal_buffers,"
         "checkpoint_timeout,checkpoint_completion_target,autovacuum,autovacuum_naptime,"
         "autovacuum_max_workers,autovacuum_vacuum_scale_factor,"
         "autovacuum_analyze_scale_factor,autovacuum_vacuum_cost_delay,"
         "autovacuum_vacuum_cost_limit,autovacuum_work_mem,max_worker_processes,"
         "max_parallel_workers,max_locks_per_transaction,max_prepared_transactions,huge_pages,"
         "recovery_init_sync_method";
}

Result<std::vector<std::string>> ParseAllowedSettings(std::string_view text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string name = Lower(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (name.empty()) continue;
    const Entry* e = Find(name);
    if (!e) {
      return InvalidArgument("unknown postgres setting " + Quote(name) +
                             " in allowed_settings; see docs/settings.md");
    }
    if (e->level == Level::kNever) return Forbidden(e->name);
    out.push_back(e->name);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> KnownSettings() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& e : Table()) {
    out.emplace_back(e.name, e.level == Level::kDeveloper ? "developer"
                             : e.level == Level::kAdmin   ? "admin"
                                                          : "never");
  }
  return out;
}

}  // namespace spur::engine
