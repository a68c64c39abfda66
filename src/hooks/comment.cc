#include "hooks/comment.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>

#include "common/units.h"

namespace spur::hooks {
namespace {

constexpr size_t kMaxOutputBytes = 16 * 1024;

size_t LongestBacktickRun(std::string_view text) {
  size_t longest = 0, run = 0;
  for (char c : text) {
    run = c == '`' ? run + 1 : 0;
    longest = std::max(longest, run);
  }
  return longest;
}

// A fenced code block whose fence is longer than any run of backticks in `body`.
std::string FencedBlock(std::string_view info, std::string_view body) {
  std::string fence(std::max<size_t>(3, LongestBacktickRun(body) + 1), '`');
  std::string out = fence + std::string(info) + "\n" + std::string(body);
  if (!body.empty() && body.back() != '\n') out += '\n';
  return out + fence + "\n";
}

// A one-line code span that `text` cannot close early.
std::string InlineCode(std::string_view text) {
  std::string t(text);
  std::replace_if(
      t.begin(), t.end(), [](char c) { return c == '\n' || c == '\r'; }, ' ');
  std::string ticks(LongestBacktickRun(t) + 1, '`');
  bool pad =
      t.empty() || t.front() == '`' || t.back() == '`' || (t.front() == ' ' && t.back() == ' ');
  std::string space = pad ? " " : "";
  return ticks + space + t + space + ticks;
}

// Plain text for a table cell: one line, no '|' or HTML.
std::string Cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '<') {
      out += "&lt;";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

// Skips the terminal escape sequence starting at text[i] (an ESC); returns its last index.
size_t SkipEscape(std::string_view text, size_t i) {
  if (i + 1 >= text.size()) return i;
  if (text[i + 1] == '[') {  // CSI: parameters, then a final byte 0x40-0x7e
    size_t j = i + 2;
    while (j < text.size() && !(text[j] >= 0x40 && text[j] <= 0x7e)) ++j;
    return j;
  }
  if (text[i + 1] == ']') {  // OSC: ends at BEL or ESC backslash
    size_t j = i + 2;
    while (j < text.size() && text[j] != '\a' && !(text[j] == '\\' && text[j - 1] == 0x1b)) ++j;
    return j;
  }
  return i + 1;
}

// The last kMaxOutputBytes of `text`, from a character boundary, without terminal escapes or
// control characters (a lone CR becomes a newline).
std::string CleanOutput(std::string_view text) {
  bool cut = text.size() > kMaxOutputBytes;
  if (cut) {
    text = text.substr(text.size() - kMaxOutputBytes);
    while (!text.empty() && (static_cast<unsigned char>(text[0]) & 0xc0) == 0x80) {
      text.remove_prefix(1);
    }
  }
  std::string out = cut ? "[... earlier output cut ...]\n" : "";
  for (size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c == 0x1b) {
      i = SkipEscape(text, i);
    } else if (c == '\r') {
      if (i + 1 == text.size() || text[i + 1] != '\n') out += '\n';
    } else if (c == '\n' || c == '\t' || (c >= 0x20 && c != 0x7f)) {
      out += static_cast<char>(c);
    }
  }
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

// Percent-encodes all but RFC 3986 unreserved characters (for URI user and path parts).
std::string PercentEncode(std::string_view text) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string ConnectionUri(const CommentInput& in) {
  bool ipv6 = in.host.find(':') != std::string::npos && !in.host.starts_with("[");
  std::string host = ipv6 ? "[" + in.host + "]" : in.host;
  return "postgresql://" + PercentEncode(in.role) + "@" + host + ":" + std::to_string(in.port) +
         "/" + PercentEncode(in.database);
}

std::string Money(double amount, const std::string& currency) {
  char buf[64];
  bool usd = currency == "USD";
  if (amount > 0 && amount < 0.005) {
    std::snprintf(buf, sizeof buf, usd ? "< $0.01" : "< 0.01 %s", currency.c_str());
  } else {
    std::snprintf(buf, sizeof buf, usd ? "$%.2f" : "%.2f %s", amount, currency.c_str());
  }
  return buf;
}

std::string Elapsed(double seconds) {
  if (seconds >= 60) return FormatDuration(std::llround(seconds));
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1fs", seconds);
  return buf;
}

std::string ExpiresIn(const CommentInput& in) {
  if (!in.expires_at) return "never";
  if (*in.expires_at <= in.now) return "expired";
  return FormatDuration(*in.expires_at - in.now);
}

std::string Summary(const CommentInput& in) {
  std::string row = "| " + InlineCode(in.branch) + " | " + Cell(in.state) + " | " +
                    FormatBytes(in.exclusive_bytes) + " | " +
                    Cell(Money(in.cost_estimate_month, in.currency)) + " | " + ExpiresIn(in) +
                    " |\n";
  return "| Branch | State | Storage | Est. cost / month | Expires in |\n|---|---|---|---|---|\n" +
         row;
}

std::string ConnectSection(const CommentInput& in) {
  std::string out = "#### Connect\n\n";
  if (in.state != "running") {
    out += "The branch is " + Cell(in.state) + "; start it with " +
           InlineCode("spur branch start " + in.branch) + ".\n\n";
  }
  std::string shell = "psql \"" + ConnectionUri(in) + "\"\n";
  shell += "# the URI with the password, for DATABASE_URL:\n";
  shell += "spur uri " + in.branch + "\n";
  return out + FencedBlock("sh", shell);
}

std::string MigrationSection(const std::optional<MigrationResult>& m) {
  std::string out = "#### Migration\n\n";
  if (!m) return out + "No migrate command configured; set `migrate:` in `.spur.yaml`.\n";
  out += m->exit_code == 0 ? "✅ " : "❌ ";
  out += InlineCode(m->command);
  if (m->exit_code == 0) {
    out += " succeeded in " + Elapsed(m->seconds);
  } else if (m->exit_code < 0) {
    out += " was killed by a signal after " + Elapsed(m->seconds);
  } else {
    out +=
        " failed with exit code " + std::to_string(m->exit_code) + " after " + Elapsed(m->seconds);
  }
  out += ".\n\n";
  std::string output = CleanOutput(m->output_tail);
  out += m->exit_code == 0 ? "<details>" : "<details open>";
  out += "<summary>Output (last lines)</summary>\n\n";
  out += output.empty() ? "(no output)\n" : FencedBlock("text", output);
  return out + "\n</details>\n";
}

constexpr size_t kMaxListed = 50;
constexpr size_t kMaxScriptBytes = 16 * 1024;

// A code span inside a table cell: GFM splits cells at '|' even inside
// backticks, so it is escaped there (and shown as '|').
std::string TableCode(std::string_view text) {
  std::string escaped;
  for (char c : InlineCode(text)) {
    if (c == '|') escaped += '\\';
    escaped += c;
  }
  return escaped;
}

std::string SchemaChanges(const DiffSummary& d) {
  if (d.statements.empty()) return "No schema changes.\n\n";
  std::string sql;
  size_t risky = 0;
  for (size_t i = 0; i < d.statements.size(); ++i) {
    const auto& st = d.statements[i];
    if (!st.hazards.empty()) ++risky;
    if (i >= kMaxListed) continue;
    if (!st.hazards.empty()) {
      std::string list;
      for (const auto& h : st.hazards) list += (list.empty() ? "" : ", ") + h;
      sql += "-- hazard: " + list + "\n";
    }
    sql += st.sql + "\n";
  }
  if (d.statements.size() > kMaxListed) {
    sql += "-- ... " + std::to_string(d.statements.size() - kMaxListed) +
           " more statements: spur diff " + "--schema\n";
  }
  // The first statements matter most (a DROP before a long function body):
  // cut from the end.
  if (sql.size() > kMaxScriptBytes) {
    size_t cut = kMaxScriptBytes;
    while (cut > 0 && (static_cast<unsigned char>(sql[cut]) & 0xc0) == 0x80) --cut;
    sql = sql.substr(0, cut) + "\n-- ... cut here: spur diff --schema shows the whole script\n";
  }
  std::string out = std::to_string(d.statements.size()) + " schema statement" +
                    (d.statements.size() == 1 ? "" : "s") + ", " + std::to_string(risky) +
                    " with hazards.\n\n";
  out += risky ? "<details open>" : "<details>";
  out += "<summary>Schema script</summary>\n\n" + FencedBlock("sql", CleanOutput(sql));
  return out + "\n</details>\n\n";
}

std::string DataChanges(const DiffSummary& d) {
  if (d.tables.empty()) {
    return d.sequences ? "No rows changed; " + std::to_string(d.sequences) + " sequence(s) moved.\n"
                       : "No rows changed.\n";
  }
  std::string out = "| Table | Inserted | Deleted | Updated |\n|---|---:|---:|---:|\n";
  for (size_t i = 0; i < d.tables.size() && i < kMaxListed; ++i) {
    const auto& t = d.tables[i];
    out += "| " + TableCode(t.name) + " | " + std::to_string(t.inserted) + " | " +
           std::to_string(t.deleted) + " | " + std::to_string(t.updated) + " |\n";
  }
  if (d.tables.size() > kMaxListed) {
    out += "\n" + std::to_string(d.tables.size() - kMaxListed) + " more tables changed.\n";
  }
  return out;
}

std::string ChangesSection(const std::optional<DiffSummary>& d) {
  if (!d) return "";
  std::string out =
      "#### Changes against " + InlineCode(d->against.empty() ? "?" : d->against) + "\n\n";
  if (!d->error.empty())
    return out + "The diff could not be made: " + InlineCode(d->error) + "\n\n";
  return out + SchemaChanges(*d) + DataChanges(*d) + "\n";
}

}  // namespace

std::string CommentMarker(std::string_view repo, int64_t pr) {
  std::string safe;
  for (char c : repo) {
    if (c != '<' && c != '>' && c != '\n' && c != '\r') safe += c;
  }
  return "<!-- spur:" + safe + "#" + std::to_string(pr) + " -->";
}

std::string BuildPrComment(const CommentInput& in) {
  std::string out = CommentMarker(in.repo, in.pr) + "\n";
  out += "### 🐘 Database branch " + InlineCode(in.branch) + "\n\n";
  out += Summary(in) + "\n";
  out += ConnectSection(in) + "\n";
  out += MigrationSection(in.migration) + "\n";
  out += ChangesSection(in.diff);
  return out + "<sub>Updated by spur at " + FormatTimestamp(in.now) + ".</sub>\n";
}

}  // namespace spur::hooks
