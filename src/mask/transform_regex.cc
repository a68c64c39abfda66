// regex: std::regex_replace with an ECMAScript pattern compiled once;
// the replacement may refer to groups as $1, $2...
//
// GCC 12 reports false -Wmaybe-uninitialized warnings inside <regex> when
// built with -fsanitize (GCC bug 105562); they are in libstdc++, not here.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <iterator>
#include <regex>
#include <string>
#include <utility>

#include "mask/regex_pattern.h"
#include "mask/transform_internal.h"

namespace spur::mask::internal {
namespace {

// std::regex is only read while matching, so one compiled pattern serves
// every thread.
class RegexTransformer final : public Transformer {
 public:
  RegexTransformer(std::regex re, std::string replace, std::string where)
      : re_(std::move(re)), replace_(std::move(replace)), where_(std::move(where)) {}

  Status Apply(std::optional<std::string_view> in, std::string& out,
               bool& out_null) const override {
    out.clear();
    out_null = !in.has_value();
    if (!in) return Status::Ok();
    try {
      std::regex_replace(std::back_inserter(out), in->begin(), in->end(), re_, replace_);
    } catch (const std::exception& e) {
      return ValueError(where_, std::string("regex replacement failed: ") + e.what());
    }
    return Status::Ok();
  }
  bool bijective() const override { return false; }

 private:
  std::regex re_;
  std::string replace_;
  std::string where_;
};

}  // namespace

Result<TransformerPtr> MakeRegexTransformer(const BuildContext& ctx) {
  if (ctx.spec.pattern.empty()) return ValueError(ctx.where, "regex needs a pattern");
  if (Status bounded = CheckRegexPattern(ctx.spec.pattern); !bounded.ok()) {
    return ValueError(ctx.where, bounded.message());
  }
  try {
    std::regex re(ctx.spec.pattern, std::regex::ECMAScript);
    return TransformerPtr(
        std::make_unique<RegexTransformer>(std::move(re), ctx.spec.replace, ctx.where));
  } catch (const std::regex_error& e) {
    return ValueError(ctx.where, "regex pattern does not compile (" + std::string(e.what()) +
                                     "); use ECMAScript syntax");
  }
}

}  // namespace spur::mask::internal
