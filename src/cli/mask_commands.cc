// spur mask check MASK --source NAME; spur mask verify SNAPSHOT --source NAME
#include <cstdio>

#include "cli/commands.h"
#include "cli/table.h"
#include "mask/config.h"
#include "sync/mask_audit.h"
#include "sync/runner.h"

namespace spur::cli {
namespace {

struct MaskArgs {
  std::string file, snapshot, source, key_file;
  int sample = 100;
  int min_length = 5;
};

int RunCheck(GlobalOptions& g, const MaskArgs& a) {
  auto config = mask::LoadMaskConfig(a.file);
  if (!config.ok()) return Fail(g, config.status());
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto source = (*pool)->store().GetSource(a.source);
  if (!source.ok()) return Fail(g, source.status());
  auto key = sync::LoadMaskKey((*pool)->layout(), a.key_file);
  if (!key.ok()) return Fail(g, key.status());
  auto report = sync::CheckMask(source->url, *config, *key);
  if (!report.ok()) return Fail(g, report.status());
  const auto& r = *report;
  if (g.json) {
    PrintJson(r);
  } else {
    if (!r["unruled"].empty()) {
      std::printf("%zu column(s) look personal and have no rule:\n", r["unruled"].size());
      Table t({"TABLE", "COLUMN", "LOOKS LIKE"});
      for (const auto& u : r["unruled"]) {
        t.AddRow({u["table"].get<std::string>(), u["column"].get<std::string>(),
                  u["category"].get<std::string>()});
      }
      t.Print();
    }
    if (!r["error"].get<std::string>().empty()) {
      std::printf("rule error: %s\n", r["error"].get<std::string>().c_str());
    }
    if (r["ok"].get<bool>()) {
      std::printf("ok: %d column(s) masked, no personal-looking column without a rule\n",
                  r["masked_columns"].get<int>());
    }
  }
  if (r["ok"].get<bool>()) return 0;
  std::fprintf(stderr, "error: %s\n",
               r["unruled"].empty() ? "a rule cannot be applied"
                                    : "add a rule (or `keep`) for each column listed");
  return 5;
}

int RunVerify(GlobalOptions& g, const MaskArgs& a) {
  if (a.sample < 1 || a.sample > 100000) {
    return Fail(g, InvalidArgument("--sample must be between 1 and 100000"));
  }
  if (a.min_length < 1) return Fail(g, InvalidArgument("--min-length must be at least 1"));
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto source = (*pool)->store().GetSource(a.source);
  if (!source.ok()) return Fail(g, source.status());
  sync::VerifyOptions o{a.snapshot, source->url, a.sample, static_cast<size_t>(a.min_length)};
  auto report = sync::VerifySnapshot(**pool, o);
  if (!report.ok()) return Fail(g, report.status());
  const auto& r = *report;
  bool clean = r["clean"].get<bool>();
  if (g.json) {
    PrintJson(r);
  } else {
    Table t({"TABLE", "COLUMN", "SAMPLED", "SKIPPED", "FOUND"});
    for (const auto& c : r["columns"]) {
      bool binary = c.contains("skipped_reason");
      t.AddRow({c["table"].get<std::string>(), c["column"].get<std::string>(),
                binary ? "-" : std::to_string(c["sampled"].get<int>()),
                binary ? "binary" : std::to_string(c["skipped"].get<int>()),
                std::to_string(c["found"].get<uint64_t>())});
    }
    t.Print();
    const auto& scan = r["scan"];
    std::printf(
        "searched %zu original values in %llu files, %llu bytes (relations, WAL, free "
        "space included): %s\n",
        r["values_searched"].get<size_t>(),
        static_cast<unsigned long long>(scan["files"].get<uint64_t>()),
        static_cast<unsigned long long>(scan["bytes"].get<uint64_t>()),
        clean ? "none found" : "FOUND in the snapshot");
  }
  if (clean) return 0;
  std::fprintf(stderr, "error: original values of personal columns are in snapshot %s\n",
               a.snapshot.c_str());
  return 9;
}

}  // namespace

void AddMaskCommands(CLI::App& app, GlobalOptions& g, int* exit_code) {
  auto* m =
      app.add_subcommand("mask", "Check mask rules and prove a snapshot holds no personal data");
  m->require_subcommand(1);
  auto a = std::make_shared<MaskArgs>();
  auto* check = m->add_subcommand(
      "check", "List personal-looking columns of a source that mask.yaml leaves without a rule");
  check->add_option("mask", a->file, "mask.yaml")->required();
  check->add_option("--source", a->source, "Source name")->required();
  check->add_option("--key-file", a->key_file, "Masking key (default the pool's)");
  check->callback([&g, a, exit_code] { *exit_code = RunCheck(g, *a); });
  auto* verify = m->add_subcommand(
      "verify", "Search every byte of a sync snapshot for sampled original values (exit 9 if any)");
  verify->add_option("snapshot", a->snapshot, "Snapshot taken by `spur sync`")->required();
  verify->add_option("--source", a->source, "Source name")->required();
  verify->add_option("--sample", a->sample, "Values sampled per column (default 100)");
  verify->add_option("--min-length", a->min_length,
                     "Skip values shorter than this many bytes (default 5)");
  verify->callback([&g, a, exit_code] { *exit_code = RunVerify(g, *a); });
}

}  // namespace spur::cli
