// Masks COPY text rows of one table on their way from the source to the
// pool: each field whose column has a transformer is unescaped, transformed
// and escaped again; every other field is copied byte for byte.
//
// A RowMasker is immutable after construction; MaskRow is const and safe to
// call from many threads at once, each with its own Scratch.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "mask/transformer.h"

namespace spur::mask {

class RowMasker {
 public:
  // Buffers reused from row to row so masking allocates nothing in the
  // steady state. One per thread; the contents mean nothing between calls.
  struct Scratch {
    std::vector<std::string_view> fields;
    std::string value;   // the unescaped input field
    std::string masked;  // the transformer's output
  };

  // `table` names the table in errors (e.g. "public.users"). `columns` has
  // one entry per column of the COPY, in COPY order: the transformer for
  // that column, or nullptr to copy the field unchanged. The transformers
  // are not owned and must outlive the RowMasker.
  RowMasker(std::string table, std::vector<const Transformer*> columns);

  // Appends the masked form of `row` (one COPY text row ending in '\n', as
  // PQgetCopyData returns it) to `out`, with its '\n'. On failure `out` may
  // hold part of the row; callers abandon the COPY. Internal when the row is
  // malformed or has the wrong number of fields; the transformer's Status
  // (InvalidArgument naming the column) when a value cannot be transformed.
  // Messages name the table and column, never a value.
  [[nodiscard]] Status MaskRow(std::string_view row, std::string& out, Scratch& scratch) const;

  // True when no column has a transformer: rows may be copied as they are.
  bool passthrough() const { return passthrough_; }
  size_t column_count() const { return columns_.size(); }
  const std::string& table() const { return table_; }

 private:
  // Appends the transformed form of one raw field to `out`.
  Status MaskField(const Transformer& transformer, std::string_view raw, std::string& out,
                   Scratch& scratch) const;

  std::string table_;
  std::vector<const Transformer*> columns_;
  bool passthrough_ = true;
};

}  // namespace spur::mask
