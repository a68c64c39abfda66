// PostgreSQL's array text form (pg/array_text.h), which masking rewrites
// element by element on array columns. Properties: an identity rewrite
// accepts exactly what Elements accepts and gives the same elements back; a
// rewrite's output reads back with the replaced elements in the same order
// and NULLs where the callback said; AppendElement of any value inside braces
// reads back as that one value.
#include "pg/array_text.h"

#include <optional>
#include <string>
#include <vector>

#include "fuzz_target.h"

namespace spur::fuzz {

int FuzzArrayText(const uint8_t* data, size_t size) {
  namespace at = pg::array_text;
  std::string_view in = AsText(data, size);

  // Any byte string is one element.
  std::string single = "{";
  at::AppendElement(in, single);
  single += "}";
  Result<std::vector<std::optional<std::string>>> one = at::Elements(single);
  SPUR_FUZZ_CHECK(one.ok());
  SPUR_FUZZ_CHECK(one->size() == 1 && (*one)[0].has_value() && *(*one)[0] == in);

  Result<std::vector<std::optional<std::string>>> elements = at::Elements(in);
  if (!elements.ok()) {
    SPUR_FUZZ_CHECK(elements.status().code() == Code::kInvalidArgument);
    return 0;
  }
  // Replace every element by a tagged copy, every third by NULL.
  size_t n = 0;
  const at::ElementFn tag = [&n](std::optional<std::string_view> e, std::string& out,
                                 bool& out_null) {
    out_null = n % 3 == 2;
    out = "<" + std::to_string(n) + ":" + std::string(e.value_or("null")) + ">";
    ++n;
    return Status::Ok();
  };
  std::string rewritten;
  SPUR_FUZZ_CHECK(at::Rewrite(in, tag, rewritten).ok());
  SPUR_FUZZ_CHECK(n == elements->size());
  Result<std::vector<std::optional<std::string>>> again = at::Elements(rewritten);
  SPUR_FUZZ_CHECK(again.ok());
  SPUR_FUZZ_CHECK(again->size() == elements->size());
  for (size_t i = 0; i < again->size(); ++i) {
    if (i % 3 == 2) {
      SPUR_FUZZ_CHECK(!(*again)[i].has_value());
      continue;
    }
    const std::string want = "<" + std::to_string(i) + ":" +
                             ((*elements)[i] ? *(*elements)[i] : std::string("null")) + ">";
    SPUR_FUZZ_CHECK((*again)[i].has_value() && *(*again)[i] == want);
  }
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzArrayText)
