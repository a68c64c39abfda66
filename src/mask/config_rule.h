// One column's rule in mask.yaml, read from and written to its YAML/JSON
// form. Part of mask/config; split out because the rule grammar (kinds,
// their parameters and ranges) is a concept of its own. Pure functions.
//
//   email                                  a rule name: no parameters
//   null  (or ~, or nothing)               the null rule
//   { rule: noise, percent: 10 }           a rule with its parameters
#pragma once

#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "mask/transform_spec.h"

namespace spur::mask {

// "mask.yaml line 12" (or "mask.yaml" when the position is unknown).
std::string MaskYamlWhere(const YAML::Mark& mark);

// The kind named `name` ("first_name" -> kFirstName), nullopt when none is.
std::optional<Kind> KindFromName(std::string_view name);

// Every rule name, comma separated, in Kind order.
std::string RuleNames();

// Reads the rule `value` found under `key`. `subject` names the column in
// messages ("public.users.email", or with a JSON path for rules inside a
// json rule, where `in_json` is true and a nested json rule is refused).
// InvalidArgument, one line starting with the position, for an unknown
// rule, unknown/missing/repeated parameters, and out-of-range values:
// date_shift days in [1, 36500]; noise percent in (0, 100]; birthdate
// generalize year|month; partial keep_first/keep_last >= 0 (one required)
// and mask_char one printable UTF-8 character; regex pattern compiling as
// ECMAScript (replace required, may be empty); constant value a scalar;
// json paths a non-empty mapping of JSON path (mask/json_path.h, stored
// canonically; duplicates refused) to rule. Every rule's long form also
// takes `reason:` (one line, at most 500 bytes), a note with no effect.
[[nodiscard]] Result<TransformSpec> ParseRule(const YAML::Node& key, const YAML::Node& value,
                                              const std::string& subject, bool in_json = false);

// {"rule": name, ...the kind's parameters}; json paths as {"paths": {path: rule}}.
nlohmann::json RuleToJson(const TransformSpec& spec);

}  // namespace spur::mask
