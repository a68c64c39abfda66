// json: per-path rules inside json/jsonb (or text holding JSON) values.
//
// Paths are read by mask/json_path ($.key, $["key"], $.list[N], $.list[*]).
// [*] visits every element of an array (or member of an object). Each path's rule is an
// ordinary transformer applied to every value found there, whatever its JSON
// type (see ApplyLeaf: numbers too, and every value inside an object or
// array under the path); null and constant replace whatever is there. Paths
// that match nothing are ignored. The output is the compact dump, members in input order.
// Numbers beyond double precision lose digits in the round trip.
#include <charconv>
#include <limits>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "mask/json_path.h"
#include "mask/transform_internal.h"

namespace spur::mask::internal {
namespace {

using Json = nlohmann::ordered_json;

bool IsInt64(const Json& node) {
  if (node.is_number_unsigned()) {
    return node.get<uint64_t>() <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  }
  return node.is_number_integer();
}

struct PathRule {
  std::vector<JsonPathStep> steps;
  Kind kind = Kind::kKeep;
  std::string constant;
  TransformerPtr text;     // string leaves (and, for hash, non-integer numbers)
  TransformerPtr integer;  // integer leaves: noise, hash
  TransformerPtr real;     // other number leaves: noise
};

class JsonTransformer final : public Transformer {
 public:
  JsonTransformer(std::vector<PathRule> rules, std::string where)
      : rules_(std::move(rules)), where_(std::move(where)) {
    for (const PathRule& r : rules_) {
      for (const TransformerPtr* t : {&r.text, &r.integer, &r.real}) {
        bijective_ = bijective_ && (*t == nullptr || (*t)->bijective());
      }
      bijective_ = bijective_ && r.kind != Kind::kNull && r.kind != Kind::kConstant;
    }
  }

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out.clear();
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    Json doc = Json::parse(in->begin(), in->end(), nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return ValueError(where_, "json: value is not valid JSON");
    try {
      for (const PathRule& rule : rules_) RETURN_IF_ERROR(Visit(doc, rule, 0));
      out = doc.dump(-1, ' ', false, Json::error_handler_t::replace);
    } catch (const std::exception&) {
      return ValueError(where_, "json: value could not be rewritten");
    }
    return Status::Ok();
  }
  bool bijective() const override { return bijective_; }

 private:
  Status Visit(Json& node, const PathRule& rule, size_t depth) const {
    if (depth == rule.steps.size()) return ApplyLeaf(node, rule);
    const JsonPathStep& step = rule.steps[depth];
    if (step.type == JsonPathStep::Type::kMember && node.is_object()) {
      auto it = node.find(step.member);
      if (it != node.end()) return Visit(*it, rule, depth + 1);
    } else if (step.type == JsonPathStep::Type::kIndex && node.is_array()) {
      if (step.index < node.size()) return Visit(node[step.index], rule, depth + 1);
    } else if (step.type == JsonPathStep::Type::kEvery && node.is_structured()) {
      for (Json& child : node) RETURN_IF_ERROR(Visit(child, rule, depth + 1));
    }
    return Status::Ok();
  }

  // The rule on the value at a path, whatever its JSON type: strings go
  // through the text rule; numbers through noise/hash when the rule has a
  // numeric form, else through the text rule on their text (a result JSON
  // reads as a number stays one; anything else, "0123" included, becomes a
  // string); objects and arrays have
  // the rule applied to every value inside them. Booleans and nulls carry no
  // value and stay. A noise path on a string that is no number gives null.
  static Status ApplyLeaf(Json& node, const PathRule& rule) {
    if (rule.kind == Kind::kNull) {
      node = nullptr;
      return Status::Ok();
    }
    if (rule.kind == Kind::kConstant) {
      node = rule.constant;
      return Status::Ok();
    }
    if (node.is_structured()) {
      for (Json& child : node) RETURN_IF_ERROR(ApplyLeaf(child, rule));
      return Status::Ok();
    }
    if (node.is_string()) return ApplyToString(node, rule);
    if (node.is_number()) return ApplyToNumber(node, rule);
    return Status::Ok();
  }

  static Status ApplyToString(Json& node, const PathRule& rule) {
    std::string out;
    bool out_null = false;
    if (rule.text) {
      RETURN_IF_ERROR(rule.text->Apply(node.get_ref<const std::string&>(), out, out_null));
      node = out_null ? Json(nullptr) : Json(std::move(out));
      return Status::Ok();
    }
    Json number = Json::parse(node.get_ref<const std::string&>(), nullptr, false);
    if (number.is_discarded() || !number.is_number()) {
      node = nullptr;
      return Status::Ok();
    }
    RETURN_IF_ERROR(ApplyToNumber(number, rule));
    node = number.dump();
    return Status::Ok();
  }

  static Status ApplyToNumber(Json& node, const PathRule& rule) {
    std::string out;
    bool out_null = false;
    if (IsInt64(node) && rule.integer) {
      RETURN_IF_ERROR(rule.integer->Apply(node.dump(), out, out_null));
      int64_t v = 0;
      std::from_chars(out.data(), out.data() + out.size(), v);
      node = v;
    } else if (rule.real) {
      RETURN_IF_ERROR(rule.real->Apply(node.dump(), out, out_null));
      double v = 0;
      std::from_chars(out.data(), out.data() + out.size(), v);
      node = v;
    } else if (rule.text) {
      RETURN_IF_ERROR(rule.text->Apply(node.dump(), out, out_null));
      if (out_null) {
        node = nullptr;
        return Status::Ok();
      }
      Json number = Json::parse(out, nullptr, false);
      node = !number.is_discarded() && number.is_number() ? std::move(number) : Json(out);
    } else {
      node = nullptr;  // a rule with no form for numbers: nothing passes through
    }
    return Status::Ok();
  }

  std::vector<PathRule> rules_;
  std::string where_;
  bool bijective_ = true;
};

Result<TransformerPtr> MakeLeafRule(const BuildContext& ctx, const TransformSpec& spec,
                                    const std::string& path, const char* type) {
  ColumnInfo leaf{ctx.column.table, ctx.column.name + path.substr(1), type, ctx.column.unique};
  return MakeTransformer(spec, leaf, ctx.key);
}

Result<PathRule> MakePathRule(const BuildContext& ctx, const std::string& path,
                              const TransformSpec& spec) {
  PathRule rule;
  rule.kind = spec.kind;
  rule.constant = spec.value;
  Result<std::vector<JsonPathStep>> steps = ParseJsonPath(path);
  if (!steps.ok()) return ValueError(ctx.where, steps.status().message());
  rule.steps = std::move(steps).value();
  if (spec.kind == Kind::kJson) return ValueError(ctx.where, "json rules cannot nest json rules");
  if (spec.kind != Kind::kNoise) {
    ASSIGN_OR_RETURN(rule.text, MakeLeafRule(ctx, spec, path, "text"));
  }
  if (spec.kind == Kind::kNoise || spec.kind == Kind::kHash) {
    ASSIGN_OR_RETURN(rule.integer, MakeLeafRule(ctx, spec, path, "bigint"));
  }
  if (spec.kind == Kind::kNoise) {
    ASSIGN_OR_RETURN(rule.real, MakeLeafRule(ctx, spec, path, "double precision"));
  }
  return rule;
}

}  // namespace

Result<TransformerPtr> MakeJsonTransformer(const BuildContext& ctx) {
  if (ctx.spec.json_paths.empty()) {
    return ValueError(ctx.where, "json needs at least one path rule");
  }
  std::vector<PathRule> rules;
  for (const auto& [path, spec] : ctx.spec.json_paths) {
    ASSIGN_OR_RETURN(PathRule rule, MakePathRule(ctx, path, spec));
    rules.push_back(std::move(rule));
  }
  return TransformerPtr(std::make_unique<JsonTransformer>(std::move(rules), ctx.where));
}

}  // namespace spur::mask::internal
