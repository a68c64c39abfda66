#include "mask/row_masker.h"

#include <utility>

#include "pg/copy_text.h"

namespace spur::mask {

RowMasker::RowMasker(std::string table, std::vector<const Transformer*> columns)
    : table_(std::move(table)), columns_(std::move(columns)) {
  for (const Transformer* t : columns_) {
    if (t != nullptr) passthrough_ = false;
  }
}

Status RowMasker::MaskRow(std::string_view row, std::string& out, Scratch& scratch) const {
  Status split = pg::copy_text::SplitRow(row, scratch.fields);
  if (!split.ok()) return Internal("COPY of " + table_ + ": " + split.message());
  // A table without columns still sends one empty line per row.
  const size_t got = columns_.empty() && row == "\n" ? 0 : scratch.fields.size();
  if (got != columns_.size()) {
    return Internal("COPY of " + table_ + " sent a row with " + std::to_string(got) +
                    " fields, expected " + std::to_string(columns_.size()) +
                    "; the COPY column list and the masker's columns disagree (a bug)");
  }
  if (passthrough_) {
    out.append(row);
    return Status::Ok();
  }
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) out.push_back('\t');
    const std::string_view raw = scratch.fields[i];
    if (columns_[i] == nullptr) {
      out.append(raw);
    } else {
      RETURN_IF_ERROR(MaskField(*columns_[i], raw, out, scratch));
    }
  }
  out.push_back('\n');
  return Status::Ok();
}

Status RowMasker::MaskField(const Transformer& transformer, std::string_view raw, std::string& out,
                            Scratch& scratch) const {
  std::optional<std::string_view> in;
  if (!pg::copy_text::IsNull(raw)) {
    scratch.value.clear();
    pg::copy_text::Unescape(raw, scratch.value);
    in = scratch.value;
  }
  scratch.masked.clear();
  bool out_null = false;
  RETURN_IF_ERROR(transformer.Apply(in, scratch.masked, out_null));
  if (out_null) {
    out.append(pg::copy_text::kNull);
  } else {
    pg::copy_text::Escape(scratch.masked, out);
  }
  return Status::Ok();
}

}  // namespace spur::mask
