// Throughput of each masking transformer, single-threaded.
//
//   spur_bench_transformers [values [filter]]
//
// For every rule (whose label contains `filter`, if given), generates
// `values` realistic inputs (default 1,000,000; fixed seed), applies the
// transformer to all of them 5 times, and prints a Markdown table of the
// median values per second, with the CPU model from /proc/cpuinfo. Time is
// the thread's CPU time, so other load on the machine does not count.
#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "mask/transformer.h"

namespace {

using spur::mask::ColumnInfo;
using spur::mask::Kind;
using spur::mask::TransformSpec;

constexpr int kRepetitions = 5;

struct Case {
  std::string label;
  TransformSpec spec;
  std::string type;
  std::function<std::string(std::mt19937_64&, size_t)> make;
};

std::string Letters(std::mt19937_64& rng, int min_len, int max_len, bool capital) {
  const int len = min_len + static_cast<int>(rng() % static_cast<uint64_t>(max_len - min_len + 1));
  std::string s;
  for (int i = 0; i < len; ++i) s.push_back(static_cast<char>('a' + rng() % 26));
  if (capital) s[0] = static_cast<char>(s[0] - 32);
  return s;
}

std::string Digits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + rng() % 10));
  return s;
}

std::string LuhnCard(std::mt19937_64& rng) {
  std::string body = "4" + Digits(rng, 14);
  int sum = 0;
  for (size_t i = 0; i < body.size(); ++i) {
    int d = body[body.size() - 1 - i] - '0';
    if (i % 2 == 0) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  body.push_back(static_cast<char>('0' + (10 - sum % 10) % 10));
  return body.substr(0, 4) + " " + body.substr(4, 4) + " " + body.substr(8, 4) + " " +
         body.substr(12, 4);
}

std::string Date(std::mt19937_64& rng) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", 1950 + static_cast<int>(rng() % 70),
                1 + static_cast<int>(rng() % 12), 1 + static_cast<int>(rng() % 28));
  return buf;
}

std::string Uuid(std::mt19937_64& rng) {
  static const char kHex[] = "0123456789abcdef";
  std::string s;
  for (int i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) s.push_back('-');
    s.push_back(kHex[i == 12 ? 4 : rng() % 16]);
  }
  return s;
}

TransformSpec Spec(Kind kind) {
  TransformSpec spec;
  spec.kind = kind;
  spec.days = 30;
  spec.percent = 10;
  spec.value = "redacted";
  spec.keep_last = 4;
  spec.pattern = "[0-9]";
  spec.replace = "#";
  return spec;
}

std::vector<Case> Cases() {
  using R = std::mt19937_64;
  TransformSpec json = Spec(Kind::kJson);
  json.json_paths = {{"$.email", Spec(Kind::kEmail)}, {"$.phones[*]", Spec(Kind::kPhone)}};
  return {
      {"keep", Spec(Kind::kKeep), "text", [](R& r, size_t) { return Letters(r, 5, 12, true); }},
      {"email", Spec(Kind::kEmail), "text",
       [](R& r, size_t i) {
         return Letters(r, 3, 8, false) + "." + Letters(r, 4, 9, false) + "@example" +
                std::to_string(i % 50) + ".com";
       }},
      {"first_name", Spec(Kind::kFirstName), "text",
       [](R& r, size_t) { return Letters(r, 3, 9, true); }},
      {"last_name", Spec(Kind::kLastName), "character varying(40)",
       [](R& r, size_t) { return Letters(r, 4, 11, true); }},
      {"full_name", Spec(Kind::kFullName), "text",
       [](R& r, size_t) { return Letters(r, 3, 9, true) + " " + Letters(r, 4, 11, true); }},
      {"phone", Spec(Kind::kPhone), "text",
       [](R& r, size_t) { return "+1 " + Digits(r, 3) + "-" + Digits(r, 3) + "-" + Digits(r, 4); }},
      {"credit_card", Spec(Kind::kCreditCard), "text", [](R& r, size_t) { return LuhnCard(r); }},
      {"iban", Spec(Kind::kIban), "text",
       [](R& r, size_t) {
         return "DE" + Digits(r, 2) + " " + Digits(r, 4) + " " + Digits(r, 4) + " " + Digits(r, 4) +
                " " + Digits(r, 4) + " " + Digits(r, 2);
       }},
      {"street", Spec(Kind::kStreet), "text",
       [](R& r, size_t) { return Digits(r, 3) + " " + Letters(r, 4, 10, true) + " Street"; }},
      {"city", Spec(Kind::kCity), "text", [](R& r, size_t) { return Letters(r, 4, 12, true); }},
      {"postcode", Spec(Kind::kPostcode), "text",
       [](R& r, size_t) { return "SW" + Digits(r, 1) + "A " + Digits(r, 1) + "AA"; }},
      {"date_shift (date)", Spec(Kind::kDateShift), "date", [](R& r, size_t) { return Date(r); }},
      {"date_shift (timestamptz)", Spec(Kind::kDateShift), "timestamp with time zone",
       [](R& r, size_t) { return Date(r) + " 12:34:56.789+02"; }},
      {"birthdate", Spec(Kind::kBirthdate), "date", [](R& r, size_t) { return Date(r); }},
      {"noise (integer)", Spec(Kind::kNoise), "integer",
       [](R& r, size_t) { return std::to_string(r() % 1000000); }},
      {"noise (numeric)", Spec(Kind::kNoise), "numeric(12,2)",
       [](R& r, size_t) { return std::to_string(r() % 100000) + "." + Digits(r, 2); }},
      {"noise (double)", Spec(Kind::kNoise), "double precision",
       [](R& r, size_t) { return std::to_string(r() % 100000) + "." + Digits(r, 3); }},
      {"hash (text)", Spec(Kind::kHash), "text",
       [](R& r, size_t) { return Letters(r, 6, 20, false); }},
      {"hash (bigint)", Spec(Kind::kHash), "bigint",
       [](R&, size_t i) { return std::to_string(i + 1); }},
      {"uuid", Spec(Kind::kUuid), "uuid", [](R& r, size_t) { return Uuid(r); }},
      {"null", Spec(Kind::kNull), "text", [](R& r, size_t) { return Letters(r, 5, 12, true); }},
      {"constant", Spec(Kind::kConstant), "text",
       [](R& r, size_t) { return Letters(r, 5, 12, true); }},
      {"partial", Spec(Kind::kPartial), "text", [](R& r, size_t) { return Digits(r, 16); }},
      {"regex", Spec(Kind::kRegex), "text",
       [](R& r, size_t) { return "order " + Digits(r, 8) + " ok"; }},
      {"json", json, "jsonb",
       [](R& r, size_t) {
         return "{\"email\": \"" + Letters(r, 4, 8, false) + "@example.com\", \"phones\": [\"+44 " +
                Digits(r, 10) + "\"], \"age\": 42}";
       }},
  };
}

double ThreadCpuSeconds() {
  timespec ts{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("model name", 0) == 0) return line.substr(line.find(':') + 2);
  }
  return "unknown";
}

// Median values per second over kRepetitions passes, or a negative number
// when the transformer cannot be built or fails.
double Measure(const Case& c, size_t count, std::string& error) {
  spur::Result<spur::mask::MaskKey> key = spur::mask::MaskKey::FromHex(std::string(64, '7'));
  ColumnInfo column{"bench.t", "c", c.type, false};
  auto transformer = spur::mask::MakeTransformer(c.spec, column, *key);
  if (!transformer.ok()) {
    error = transformer.status().message();
    return -1;
  }
  std::mt19937_64 rng(42);
  std::vector<std::string> values;
  values.reserve(count);
  for (size_t i = 0; i < count; ++i) values.push_back(c.make(rng, i));
  std::vector<double> rates;
  std::string out;
  size_t checksum = 0;
  for (int rep = 0; rep < kRepetitions; ++rep) {
    const double start = ThreadCpuSeconds();
    for (const std::string& v : values) {
      bool out_null = false;
      spur::Status st = (*transformer)->Apply(v, out, out_null);
      if (!st.ok()) {
        error = st.message();
        return -1;
      }
      checksum += out.size();
    }
    rates.push_back(static_cast<double>(count) / (ThreadCpuSeconds() - start));
  }
  if (checksum == 1) std::puts("");  // keeps the loop from being optimised away
  std::sort(rates.begin(), rates.end());
  return rates[kRepetitions / 2];
}

}  // namespace

int main(int argc, char** argv) {
  const size_t count = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 1000000;
  const std::string filter = argc > 2 ? argv[2] : "";
  std::printf("CPU: %s\n%zu values per transformer, median of %d runs, one thread (CPU time)\n\n",
              CpuModel().c_str(), count, kRepetitions);
  std::printf("| transformer | values/s per core (median of %d) |\n|---|---:|\n", kRepetitions);
  int failures = 0;
  for (const Case& c : Cases()) {
    if (c.label.find(filter) == std::string::npos) continue;
    std::string error;
    const double rate = Measure(c, count, error);
    if (rate < 0) {
      std::printf("| %s | failed: %s |\n", c.label.c_str(), error.c_str());
      ++failures;
    } else {
      std::printf("| %s | %.0f |\n", c.label.c_str(), rate);
    }
    std::fflush(stdout);
  }
  return failures == 0 ? 0 : 1;
}
