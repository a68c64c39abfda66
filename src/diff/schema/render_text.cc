// RenderText: the diff for people.
#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "diff/schema/schema_diff.h"

namespace spur::diff::schema {
namespace {

struct Style {
  bool color;
  std::string Paint(const std::string& s, const char* code) const {
    return color ? std::string("\033[") + code + "m" + s + "\033[0m" : s;
  }
};

std::string Heading(const std::string& kind) {
  std::string h = kind;
  if (h.empty()) return h;
  if (h == "default privileges") {
    h = "default privileges";
  } else if (h.back() == 'x') {
    h += "es";
  } else if (h.back() == 'y') {
    h = h.substr(0, h.size() - 1) + "ies";
  } else {
    h += "s";
  }
  h[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(h[0])));
  return h;
}

void RenderChanges(std::string& out, const SchemaDiff& diff, const Style& st) {
  std::vector<std::string> kinds;
  std::map<std::string, std::vector<const Change*>> by_kind;
  for (const Change& c : diff.changes) {
    if (!by_kind.count(c.kind)) kinds.push_back(c.kind);
    by_kind[c.kind].push_back(&c);
  }
  for (const std::string& kind : kinds) {
    out += "\n" + st.Paint(Heading(kind), "1") + "\n";
    for (const Change* c : by_kind[kind]) {
      std::string marker = c->action == "added"     ? st.Paint("+", "32")
                           : c->action == "removed" ? st.Paint("-", "31")
                                                    : st.Paint("~", "33");
      out += "  " + marker + " " + c->name + "\n";
      for (const std::string& d : c->details) out += "      " + d + "\n";
    }
  }
}

// Objects the script drops and creates again only because something they
// depend on changes.
void RenderRecreated(std::string& out, const SchemaDiff& diff, const Style& st) {
  std::set<std::string> changed;
  for (const Change& c : diff.changes) {
    changed.insert(c.kind + " " + c.name);
    if (c.kind == "grant" || c.kind == "comment") changed.insert(c.name);  // "table public.t"
  }
  std::vector<std::string> recreated;
  std::set<std::string> seen;
  for (const Statement& s : diff.statements) {
    if (changed.count(s.object) || !seen.insert(s.object).second) continue;
    recreated.push_back(s.object);
  }
  if (recreated.empty()) return;
  out += "\n" + st.Paint("Recreated because what they depend on changes", "1") + "\n";
  for (const std::string& r : recreated) out += "  " + st.Paint("*", "36") + " " + r + "\n";
}

void RenderHazards(std::string& out, const SchemaDiff& diff, const Style& st) {
  std::map<Hazard, std::vector<std::string>> objects;
  std::map<Hazard, size_t> counts;
  for (const Statement& s : diff.statements) {
    for (Hazard h : s.hazards) {
      ++counts[h];
      auto& list = objects[h];
      if (std::find(list.begin(), list.end(), s.object) == list.end()) list.push_back(s.object);
    }
  }
  if (counts.empty()) return;
  out += "\n" + st.Paint("Hazards", "1;35") + "\n";
  for (const auto& [hazard, count] : counts) {
    const auto& list = objects[hazard];
    std::string names;
    for (size_t i = 0; i < list.size() && i < 4; ++i) names += (i ? ", " : "") + list[i];
    if (list.size() > 4) names += ", and " + std::to_string(list.size() - 4) + " more";
    out += "  " + st.Paint(std::string(HazardName(hazard)), "35") + ": " + std::to_string(count) +
           (count == 1 ? " statement (" : " statements (") + names + ")\n";
  }
}

}  // namespace

std::string RenderText(const SchemaDiff& diff, bool color) {
  Style st{color};
  if (diff.empty()) return "No schema changes.\n";
  std::string out;
  RenderChanges(out, diff, st);
  RenderRecreated(out, diff, st);
  RenderHazards(out, diff, st);
  size_t added = 0, removed = 0, changed = 0, outside = 0;
  for (const Change& c : diff.changes) {
    added += c.action == "added";
    removed += c.action == "removed";
    changed += c.action == "changed";
  }
  for (const Statement& s : diff.statements) outside += s.transactional ? 0 : 1;
  auto count = [](size_t n, const char* one, const char* many) {
    return std::to_string(n) + " " + (n == 1 ? one : many);
  };
  out += "\n" + count(diff.changes.size(), "change", "changes") + " (" + std::to_string(added) +
         " added, " + std::to_string(removed) + " removed, " + std::to_string(changed) +
         " changed), " + count(diff.statements.size(), "statement", "statements") + " (" +
         std::to_string(outside) + " outside transactions)\n";
  return out;
}

}  // namespace spur::diff::schema
