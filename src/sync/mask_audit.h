// `spur mask check`: what a mask.yaml leaves open for a source.
//
// Check reads the source's schema and reports every column its strictness
// (all, guess, off) asks about that has no rule (or is `todo`), and any rule
// that cannot be applied. `spur mask verify` is sync/mask_verify.h.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "common/status.h"
#include "mask/config.h"
#include "mask/transformer.h"

namespace spur::sync {

// {"unruled": [{"table", "column", "category"}], "error": "" | rule problem,
//  "masked_columns": N, "ok": bool}
[[nodiscard]] Result<nlohmann::json> CheckMask(const std::string& source_url,
                                               const mask::MaskConfig& config,
                                               const mask::MaskKey& key);

}  // namespace spur::sync
