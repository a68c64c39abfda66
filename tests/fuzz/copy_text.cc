// The COPY text codec (pg/copy_text.h) that sync's masking streams every row
// through. Properties: Unescape(Escape(v)) == v and Escape never writes the
// NULL marker; any row SplitRow accepts, re-escaped field by field, splits
// into the same fields with the same values and NULLs.
#include "pg/copy_text.h"

#include <string>
#include <vector>

#include "fuzz_target.h"

namespace spur::fuzz {

int FuzzCopyText(const uint8_t* data, size_t size) {
  namespace ct = pg::copy_text;
  std::string_view in = AsText(data, size);

  std::string escaped;
  ct::Escape(in, escaped);
  SPUR_FUZZ_CHECK(!ct::IsNull(escaped));
  std::string back;
  ct::Unescape(escaped, back);
  SPUR_FUZZ_CHECK(back == in);

  // The input as a row (the newline added when missing, so most inputs split).
  std::string row(in);
  if (row.empty() || row.back() != '\n') row += '\n';
  std::vector<std::string_view> fields;
  if (!ct::SplitRow(row, fields).ok()) return 0;
  SPUR_FUZZ_CHECK(!fields.empty());

  std::string rebuilt;
  std::vector<std::string> values;
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) rebuilt += '\t';
    if (ct::IsNull(fields[i])) {
      rebuilt += ct::kNull;
      values.emplace_back();
      continue;
    }
    std::string value;
    ct::Unescape(fields[i], value);
    ct::Escape(value, rebuilt);
    values.push_back(std::move(value));
  }
  rebuilt += '\n';
  std::vector<std::string_view> again;
  SPUR_FUZZ_CHECK(ct::SplitRow(rebuilt, again).ok());
  SPUR_FUZZ_CHECK(again.size() == fields.size());
  for (size_t i = 0; i < again.size(); ++i) {
    SPUR_FUZZ_CHECK(ct::IsNull(again[i]) == ct::IsNull(fields[i]));
    if (ct::IsNull(again[i])) continue;
    std::string value;
    ct::Unescape(again[i], value);
    SPUR_FUZZ_CHECK(value == values[i]);
  }
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzCopyText)
