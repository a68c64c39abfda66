#include "audit/summary.h"

#include <algorithm>
#include <cctype>

#include "audit/record.h"
#include "common/crypto.h"

namespace spur::audit {
namespace {

constexpr char kEllipsis[] = "\xe2\x80\xa6";  // "…"
constexpr char kRedacted[] = "(redacted)";

struct Summarizer {
  const SummaryLimits& limits;
  size_t spent = 0;

  bool Spend(size_t n) {
    spent += n;
    return spent <= limits.budget;
  }

  std::string Text(std::string_view s) {
    std::string out = Truncate(s, std::min(limits.max_string, limits.budget));
    Spend(out.size());
    return out;
  }

  static std::string More(size_t n) { return "+" + std::to_string(n) + " more"; }

  nlohmann::json Value(const nlohmann::json& v, int depth) {
    if (v.is_string()) return Text(v.get_ref<const std::string&>());
    if (!v.is_structured()) {
      Spend(8);
      return v;
    }
    if (depth >= limits.max_depth) {
      Spend(16);
      return v.is_object() ? "{" + std::to_string(v.size()) + " keys}"
                           : "[" + std::to_string(v.size()) + " items]";
    }
    return v.is_object() ? Object(v, depth) : Array(v, depth);
  }

  nlohmann::json Object(const nlohmann::json& v, int depth) {
    nlohmann::json out = nlohmann::json::object();
    size_t kept = 0;
    for (auto it = v.begin(); it != v.end(); ++it) {
      if (kept == limits.max_entries || spent >= limits.budget) {
        out[kEllipsis] = More(v.size() - kept);
        break;
      }
      std::string key = Text(it.key());
      out[key] = IsSecretKey(it.key()) ? nlohmann::json(kRedacted) : Value(it.value(), depth + 1);
      ++kept;
    }
    return out;
  }

  nlohmann::json Array(const nlohmann::json& v, int depth) {
    nlohmann::json out = nlohmann::json::array();
    size_t kept = 0;
    for (const auto& item : v) {
      if (kept == limits.max_entries || spent >= limits.budget) {
        out.push_back(More(v.size() - kept));
        break;
      }
      out.push_back(Value(item, depth + 1));
      ++kept;
    }
    return out;
  }
};

}  // namespace

bool IsSecretKey(std::string_view key) {
  std::string lower(key.substr(0, 256));
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"password", "passwd", "secret", "token", "credential"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string Truncate(std::string_view s, size_t max) {
  if (s.size() <= max) return std::string(s);
  size_t cut = max;
  // Back up to the start of a UTF-8 sequence (never inside one).
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return std::string(s.substr(0, cut)) + kEllipsis;
}

nlohmann::json Summarize(const nlohmann::json& v, const SummaryLimits& limits) {
  Summarizer s{limits};
  return s.Value(v, 0);
}

nlohmann::json RequestDetail(const nlohmann::json& body, std::string_view raw_body,
                             const std::map<std::string, std::string>& extra) {
  Summarizer s{SummaryLimits{}};
  nlohmann::json d = body.is_object() ? s.Value(body, 0) : nlohmann::json::object();
  if (!body.is_object() && !body.is_null()) d["body"] = s.Value(body, 1);
  size_t kept = 0;
  for (const auto& [k, v] : extra) {
    if (kept == s.limits.max_entries || s.spent >= s.limits.budget) {
      d["more_parameters"] = Summarizer::More(extra.size() - kept);
      break;
    }
    d[s.Text(k)] = IsSecretKey(k) ? nlohmann::json(kRedacted) : nlohmann::json(s.Text(v));
    ++kept;
  }
  const std::string compact = raw_body.empty() ? CanonicalJson(body) : std::string();
  const std::string_view hashed = raw_body.empty() ? std::string_view(compact) : raw_body;
  d["body_bytes"] = hashed.size();
  d["body_sha256"] = Sha256Hex(hashed);
  return d;
}

}  // namespace spur::audit
