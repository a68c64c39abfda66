// spur mask init --source NAME; spur mask check MASK --source NAME;
// spur mask verify SNAPSHOT --source NAME
#include <cstdio>

#include "cli/commands.h"
#include "cli/table.h"
#include "common/units.h"
#include "mask/config.h"
#include "os/fs.h"
#include "sync/mask_audit.h"
#include "sync/mask_init.h"
#include "sync/mask_verify.h"
#include "sync/runner.h"

namespace spur::cli {
namespace {

struct MaskArgs {
  std::string file, snapshot, source, key_file, strict;
  std::string output = "mask.yaml";
  bool force = false;
  std::string sample = "100";
  int min_length = 5;
  int examples = 5;
};

int RunInit(GlobalOptions& g, const MaskArgs& a) {
  const bool to_stdout = a.output == "-";
  if (!to_stdout && !a.force && os::PathExists(a.output)) {
    return Fail(g, AlreadyExists(a.output + " exists; pass --force to overwrite it, or -o FILE"));
  }
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto source = (*pool)->store().GetSource(a.source);
  if (!source.ok()) return Fail(g, source.status());
  if (source->mode == "physical") {
    return Fail(g, FailedPrecondition("source \"" + a.source +
                                      "\" is physical: its files are copied as they are and "
                                      "cannot be masked; add it as a logical source"));
  }
  auto starter = sync::InitMask(source->url, a.source);
  if (!starter.ok()) return Fail(g, starter.status());
  if (to_stdout) {
    std::fputs(starter->yaml.c_str(), stdout);
    return 0;
  }
  if (Status st = os::WriteFileAtomic(a.output, starter->yaml, 0644); !st.ok()) return Fail(g, st);
  if (g.json) {
    PrintJson({{"path", a.output},
               {"guessed", starter->guessed},
               {"kept", starter->kept},
               {"todo", starter->todo},
               {"skipped", starter->skipped}});
    return 0;
  }
  std::printf("wrote %s: %d rule(s) guessed, %d column(s) kept, %d todo\n", a.output.c_str(),
              starter->guessed, starter->kept, starter->todo);
  if (starter->todo > 0) {
    std::printf("decide each `todo`, then: spur mask check %s --source %s\n", a.output.c_str(),
                a.source.c_str());
  }
  return 0;
}

int RunCheck(GlobalOptions& g, const MaskArgs& a) {
  auto config = mask::LoadMaskConfig(a.file);
  if (!config.ok()) return Fail(g, config.status());
  if (!a.strict.empty()) config->strict = *mask::StrictnessFromName(a.strict);
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
      std::printf("%zu column(s) need a rule (strict: %s):\n", r["unruled"].size(),
                  r["strict"].get<std::string>().c_str());
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
      std::printf("ok: %d column(s) masked, every column strict: %s asks about has a rule\n",
                  r["masked_columns"].get<int>(), r["strict"].get<std::string>().c_str());
    }
  }
  if (r["ok"].get<bool>()) return 0;
  std::fprintf(stderr, "error: %s\n",
               r["unruled"].empty() ? "a rule cannot be applied"
                                    : "add a rule (or `keep`) for each column listed; "
                                      "`todo` lines too");
  return 5;
}

// "all" is 0 (every value); else a count in [1, 10,000,000].
Result<int64_t> ParseSample(const std::string& text) {
  if (text == "all") return 0;
  ASSIGN_OR_RETURN(int64_t n, ParseInteger("--sample", text, 1, 10'000'000));
  return n;
}

int RunVerify(GlobalOptions& g, const MaskArgs& a) {
  auto sample = ParseSample(a.sample);
  if (!sample.ok()) return Fail(g, sample.status());
  if (a.min_length < 1 || a.min_length > 1000) {
    return Fail(g, InvalidArgument("--min-length must be between 1 and 1000"));
  }
  if (a.examples < 0 || a.examples > 1000) {
    return Fail(g, InvalidArgument("--examples must be between 0 and 1000"));
  }
  auto pool = OpenPool(g);
  if (!pool.ok()) return Fail(g, pool.status());
  auto source = (*pool)->store().GetSource(a.source);
  if (!source.ok()) return Fail(g, source.status());
  sync::VerifyOptions o;
  o.snapshot = a.snapshot;
  o.source_url = source->url;
  o.sample = *sample;
  o.min_length = static_cast<size_t>(a.min_length);
  o.examples = a.examples;
  auto key = sync::LoadMaskKey((*pool)->layout(), a.key_file);
  if (key.ok()) {
    o.key = *key;
  } else if (!a.key_file.empty()) {
    return Fail(g, key.status());
  }
  auto report = sync::VerifySnapshot(**pool, o);
  if (!report.ok()) return Fail(g, report.status());
  const auto& r = *report;
  const bool clean = r["clean"].get<bool>();
  if (g.json) {
    PrintJson(r);
  } else {
    if (!r["found"].empty()) {
      Table t({"RELATION", "COLUMN", "LEAKS", "COLLISIONS", "WHERE (first rows)"});
      for (const auto& f : r["found"]) {
        std::string where;
        for (const auto& e : f["examples"])
          where += (where.empty() ? "" : ", ") + e.get<std::string>();
        t.AddRow({f["relation"].get<std::string>(), f["column"].get<std::string>(),
                  std::to_string(f["leaks"].get<uint64_t>()),
                  std::to_string(f["collisions"].get<uint64_t>() + f["unchecked"].get<uint64_t>()),
                  where});
      }
      t.Print();
    }
    for (const auto& s : r["schema"]) {
      std::printf("schema: %s holds %llu original value(s)\n",
                  s["object"].get<std::string>().c_str(),
                  static_cast<unsigned long long>(s["leaks"].get<uint64_t>()));
    }
    const auto& scan = r["scan"];
    std::printf(
        "searched %zu original values (%s per column) in every masked column of %zu "
        "relation(s), the schema text and %llu files, %llu bytes (WAL and free space "
        "included): %s\n",
        r["values_searched"].get<size_t>(), a.sample.c_str(), r["relations"].size(),
        static_cast<unsigned long long>(scan["files"].get<uint64_t>()),
        static_cast<unsigned long long>(scan["bytes"].get<uint64_t>()),
        clean ? "none found" : "FOUND in the snapshot");
    if (r["collisions"].get<uint64_t>() > 0) {
      std::printf(
          "%llu coincidental collision(s): masked values that equal another "
          "person's original (not leaks)\n",
          static_cast<unsigned long long>(r["collisions"].get<uint64_t>()));
    }
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
  auto* init = m->add_subcommand(
      "init", "Write a first mask.yaml for a source: a rule for every column, guessed or todo");
  init->add_option("--source", a->source, "Source name")->required();
  init->add_option("--output,-o", a->output, "File to write (default mask.yaml; - for stdout)");
  init->add_flag("--force", a->force, "Overwrite the file if it exists");
  init->callback([&g, a, exit_code] { *exit_code = RunInit(g, *a); });
  auto* check = m->add_subcommand(
      "check", "List the columns of a source that mask.yaml leaves without a rule");
  check->add_option("mask", a->file, "mask.yaml")->required();
  check->add_option("--source", a->source, "Source name")->required();
  check->add_option("--key-file", a->key_file, "Masking key (default the pool's)");
  check
      ->add_option("--strict", a->strict,
                   "Which columns need a rule, overriding mask.yaml: all, guess or off")
      ->check(CLI::IsMember({"all", "guess", "off"}));
  check->callback([&g, a, exit_code] { *exit_code = RunCheck(g, *a); });
  auto* verify = m->add_subcommand(
      "verify", "Search a sync snapshot (rows, files, schema) for original values (exit 9 if any)");
  verify
      ->add_option("snapshot", a->snapshot,
                   "Snapshot taken by `spur sync`, or a branch it refreshed (read as it is now)")
      ->required();
  verify->add_option("--source", a->source, "Source name")->required();
  verify->add_option("--sample", a->sample,
                     "Original values per column: a count (default 100) or all");
  verify->add_option("--min-length", a->min_length,
                     "Skip values shorter than this many bytes (default 5)");
  verify->add_option("--examples", a->examples, "Row locations shown per column (default 5)");
  verify->add_option("--key-file", a->key_file,
                     "Masking key the sync used (default the pool's): replays the rules to tell "
                     "collisions from leaks");
  verify->callback([&g, a, exit_code] { *exit_code = RunVerify(g, *a); });
}

}  // namespace spur::cli
