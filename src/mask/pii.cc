#include "mask/pii.h"

#include <algorithm>
#include <array>
#include <initializer_list>

namespace spur::mask {
namespace {

using Words = std::vector<std::string>;

enum TypeClass : unsigned {
  kText = 1,    // text, varchar, json, enums, unknown
  kNumber = 2,  // integers, numeric, floats
  kTime = 4,    // date, time, timestamp, interval
  kAny = kText | kNumber | kTime,
};

bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsWordByte(char c) {
  return IsUpper(c) || IsLower(c) || IsDigit(c) || static_cast<unsigned char>(c) >= 0x80;
}
char Lower(char c) { return IsUpper(c) ? static_cast<char>(c - 'A' + 'a') : c; }

bool OneOf(std::string_view word, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), word) != set.end();
}

// "character varying(80)[]" -> "character varying"; "pg_catalog.INT4" -> "int4".
std::string NormalType(std::string_view type) {
  std::string out;
  int depth = 0;
  for (char c : type) {
    if (c == '(') ++depth;
    if (depth == 0 && c != '[' && c != ']') out.push_back(Lower(c));
    if (c == ')' && depth > 0) --depth;
  }
  if (size_t dot = out.rfind('.'); dot != std::string::npos) out.erase(0, dot + 1);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

bool IsNetworkType(std::string_view t) { return OneOf(t, {"inet", "cidr", "macaddr", "macaddr8"}); }
bool IsBoolType(std::string_view t) { return t == "bool" || t == "boolean"; }

// The type class of a normalised type name; 0 for uuid (never personal by type).
unsigned ClassOf(std::string_view t) {
  if (t == "uuid") return 0;
  if (OneOf(t, {"int2",    "int4",    "int8",    "smallint",         "integer",
                "bigint",  "int",     "serial",  "smallserial",      "bigserial",
                "serial2", "serial4", "serial8", "numeric",          "decimal",
                "real",    "float4",  "float8",  "double precision", "money",
                "oid"})) {
    return kNumber;
  }
  if (t == "date" || t == "interval" || t.starts_with("time")) return kTime;
  return kText;
}

// One or two words; a one-word sequence leaves the second empty.
using Sequence = std::array<std::string_view, 2>;

// True when `words` holds `seq` as consecutive words.
bool HasSequence(const Words& words, const Sequence& seq) {
  const size_t n = seq[1].empty() ? 1 : 2;
  for (size_t i = 0; i + n <= words.size(); ++i) {
    if (words[i] == seq[0] && (n == 1 || words[i + 1] == seq[1])) return true;
  }
  return false;
}

// Words that, as the last word, describe the value rather than hold it.
bool IsMetadataWord(std::string_view w) {
  return OneOf(w,
               {"type",     "kind",       "status",   "count",  "verified", "confirmed", "enabled",
                "disabled", "flag",       "format",   "length", "len",      "domain",    "provider",
                "valid",    "visibility", "visible",  "sent",   "bounced",  "consent",   "template",
                "brand",    "locale",     "language", "version"});
}

// A key column: "user_id bigint", "customerId uuid", "userid int".
bool LooksLikeKey(const Words& words, std::string_view type) {
  if (type != "uuid" && ClassOf(type) != kNumber) return false;
  const std::string& last = words.back();
  const bool id_word = OneOf(last, {"id", "uuid", "guid"}) ||
                       (words.size() == 1 && last.size() > 2 && last.ends_with("id"));
  if (!id_word) return false;
  for (const std::string& w : words) {
    if (OneOf(w, {"national", "citizen", "social", "ssn", "taxpayer", "voter", "passport"})) {
      return false;
    }
  }
  return true;
}

struct Rule {
  const char* category;
  unsigned types;
  Sequence sequence;
};

// In priority order: the first rule whose word sequence appears decides.
const Rule kRules[] = {
    {"network address", kText, {"mac", "address"}},
    {"network address", kText, {"macaddr"}},
    {"network address", kText, {"macaddress"}},
    {"birth date", kAny, {"birth"}},
    {"birth date", kAny, {"dob"}},
    {"birth date", kAny, {"birthday"}},
    {"birth date", kAny, {"birthdate"}},
    {"birth date", kAny, {"born"}},
    {"birth date", kAny, {"birthplace"}},
    {"ip address", kText | kNumber, {"ip"}},
    {"ip address", kText | kNumber, {"ipaddr"}},
    {"ip address", kText | kNumber, {"ipaddress"}},
    {"ip address", kText | kNumber, {"ipv"}},
    {"ip address", kText | kNumber, {"remote", "addr"}},
    {"ip address", kText | kNumber, {"remote", "address"}},
    {"email", kText, {"email"}},
    {"email", kText, {"emails"}},
    {"email", kText, {"e", "mail"}},
    {"email", kText, {"mail", "address"}},
    {"email", kText, {"emailaddress"}},
    {"name", kText, {"holder", "name"}},
    {"card number", kText | kNumber, {"card"}},
    {"card number", kText | kNumber, {"creditcard"}},
    {"card number", kText | kNumber, {"cardnumber"}},
    {"card number", kText | kNumber, {"cc", "number"}},
    {"card number", kText | kNumber, {"cc", "num"}},
    {"card number", kText | kNumber, {"ccnum"}},
    {"card number", kText | kNumber, {"pan"}},
    {"card number", kText | kNumber, {"cvv"}},
    {"card number", kText | kNumber, {"cvc"}},
    {"iban", kText, {"iban"}},
    {"bank account", kText | kNumber, {"account", "number"}},
    {"bank account", kText | kNumber, {"accountnumber"}},
    {"bank account", kText | kNumber, {"acct", "no"}},
    {"bank account", kText | kNumber, {"acct", "number"}},
    {"bank account", kText | kNumber, {"bank", "account"}},
    {"national id", kText | kNumber, {"ssn"}},
    {"national id", kText | kNumber, {"social", "security"}},
    {"national id", kText | kNumber, {"national", "id"}},
    {"national id", kText | kNumber, {"nationalid"}},
    {"national id", kText | kNumber, {"nin"}},
    {"national id", kText | kNumber, {"national", "insurance"}},
    {"national id", kText | kNumber, {"sin"}},
    {"national id", kText | kNumber, {"citizen", "id"}},
    {"national id", kText | kNumber, {"id", "number"}},
    {"national id", kText | kNumber, {"id", "card"}},
    {"tax id", kText | kNumber, {"tax", "id"}},
    {"tax id", kText | kNumber, {"taxid"}},
    {"tax id", kText | kNumber, {"tax", "number"}},
    {"tax id", kText | kNumber, {"taxpayer", "id"}},
    {"tax id", kText | kNumber, {"tin"}},
    {"tax id", kText | kNumber, {"vat", "id"}},
    {"tax id", kText | kNumber, {"vat", "number"}},
    {"tax id", kText | kNumber, {"vat", "no"}},
    {"passport", kText | kNumber, {"passport"}},
    {"driver license", kText | kNumber, {"driver", "license"}},
    {"driver license", kText | kNumber, {"drivers", "license"}},
    {"driver license", kText | kNumber, {"driving", "license"}},
    {"driver license", kText | kNumber, {"driver", "licence"}},
    {"driver license", kText | kNumber, {"drivers", "licence"}},
    {"driver license", kText | kNumber, {"driving", "licence"}},
    {"driver license", kText | kNumber, {"driverlicense"}},
    {"phone", kText | kNumber, {"phone"}},
    {"phone", kText | kNumber, {"phones"}},
    {"phone", kText | kNumber, {"telephone"}},
    {"phone", kText | kNumber, {"tel"}},
    {"phone", kText | kNumber, {"mobile"}},
    {"phone", kText | kNumber, {"cellphone"}},
    {"phone", kText | kNumber, {"fax"}},
    {"phone", kText | kNumber, {"msisdn"}},
    {"phone", kText | kNumber, {"phonenumber"}},
    {"postcode", kText | kNumber, {"zip"}},
    {"postcode", kText | kNumber, {"zipcode"}},
    {"postcode", kText | kNumber, {"postcode"}},
    {"postcode", kText | kNumber, {"post", "code"}},
    {"postcode", kText | kNumber, {"postal", "code"}},
    {"postcode", kText | kNumber, {"postalcode"}},
    {"city", kText, {"city"}},
    {"city", kText, {"town"}},
    {"address", kText, {"address"}},
    {"address", kText, {"addresses"}},
    {"address", kText, {"addr"}},
    {"address", kText, {"street"}},
    {"address", kText, {"streetname"}},
    {"address", kText, {"housenumber"}},
    {"address", kText, {"house", "number"}},
    {"username", kText, {"username"}},
    {"username", kText, {"user", "name"}},
    {"username", kText, {"login"}},
    {"username", kText, {"screen", "name"}},
    {"username", kText, {"screenname"}},
};

// Words before "name" that make it the name of a thing, not of a person.
bool IsThingWord(std::string_view w) {
  return OneOf(
      w, {"table",      "file",        "product",     "company",      "host",         "schema",
          "column",     "database",    "db",          "domain",       "server",       "service",
          "app",        "application", "brand",       "category",     "class",        "event",
          "field",      "function",    "group",       "index",        "item",         "key",
          "label",      "module",      "org",         "organization", "organisation", "package",
          "plan",       "project",     "queue",       "role",         "sequence",     "sku",
          "store",      "shop",        "tag",         "team",         "template",     "type",
          "variant",    "view",        "feature",     "job",          "task",         "metric",
          "bucket",     "branch",      "repo",        "repository",   "device",       "country",
          "region",     "state",       "province",    "business",     "merchant",     "vendor",
          "supplier",   "bank",        "pool",        "cluster",      "topic",        "channel",
          "env",        "environment", "step",        "stage",        "status",       "attribute",
          "attr",       "param",       "parameter",   "property",     "setting",      "config",
          "collection", "list",        "menu",        "page",         "report",       "resource",
          "route",      "rule",        "section",     "source",       "target",       "test",
          "theme",      "unit",        "version",     "zone",         "course",       "game",
          "model",      "namespace",   "object",      "operation",    "option",       "policy",
          "provider",   "scope",       "constraint",  "trigger",      "extension",    "relation",
          "dir",        "directory",   "folder",      "path",         "image",        "asset",
          "document",   "doc",         "font",        "color",        "colour",       "icon",
          "command",    "method",      "action",      "workflow",     "pipeline",     "build",
          "release",    "tier",        "level",       "segment",      "campaign",     "promo",
          "coupon",     "discount",    "currency",    "timezone",     "network",      "interface",
          "worker",     "process",     "node",        "volume",       "disk",         "instance",
          "site",       "website",     "venue",       "location",     "place",        "room",
          "building",   "warehouse",   "facility",    "department",   "dept",         "division",
          "tenant",     "workspace",   "board",       "sheet",        "tab",          "form",
          "question",   "survey",      "container",   "pod",          "deployment",   "schedule",
          "calendar",   "holiday",     "vehicle",     "airline",      "airport",      "station",
          "drug",       "medication",  "pet",         "species",      "breed",        "plugin",
          "machine",    "cert",        "certificate", "secret",       "token",        "endpoint"});
}

// "name" alone, a person's name word, or "<x>_name" where x is not a thing.
bool LooksLikePersonName(const Words& words) {
  for (size_t i = 0; i < words.size(); ++i) {
    const std::string& w = words[i];
    if (OneOf(w, {"firstname", "lastname", "surname", "forename", "givenname", "familyname",
                  "fullname", "middlename", "maidenname", "nickname", "displayname", "realname"})) {
      return true;
    }
    if ((w == "name" || w == "names") && (i == 0 || !IsThingWord(words[i - 1]))) return true;
  }
  return false;
}

}  // namespace

std::vector<std::string> NameWords(std::string_view name) {
  Words words;
  std::string word;
  auto flush = [&] {
    if (!word.empty()) words.push_back(std::move(word));
    word.clear();
  };
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    if (!IsWordByte(c) || IsDigit(c)) {
      flush();
      continue;
    }
    if (IsUpper(c) && !word.empty()) {
      const char prev = name[i - 1];
      const bool next_lower = i + 1 < name.size() && IsLower(name[i + 1]);
      if (IsLower(prev) || (IsUpper(prev) && next_lower)) flush();
    }
    word.push_back(Lower(c));
  }
  flush();
  return words;
}

std::optional<std::string> PersonalCategory(std::string_view column_name,
                                            std::string_view base_type) {
  const std::string type = NormalType(base_type);
  if (IsNetworkType(type)) return "network address";
  const unsigned type_class = ClassOf(type);
  const Words words = NameWords(column_name);
  if (IsBoolType(type) || type_class == 0 || words.empty()) return std::nullopt;
  if (OneOf(words.front(), {"is", "has", "num", "n", "total", "max", "min", "avg"})) {
    return std::nullopt;
  }
  if (IsMetadataWord(words.back()) || LooksLikeKey(words, type)) return std::nullopt;
  for (const Rule& rule : kRules) {
    if (HasSequence(words, rule.sequence)) {
      if ((rule.types & type_class) == 0) return std::nullopt;
      return rule.category;
    }
  }
  if (type_class == kText && LooksLikePersonName(words)) return "name";
  return std::nullopt;
}

}  // namespace spur::mask
