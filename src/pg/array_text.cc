#include "pg/array_text.h"

namespace spur::pg::array_text {
namespace {

// array_in's scanner_isspace.
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

Status NotAnArray(std::string_view problem) {
  return InvalidArgument("array value is malformed: " + std::string(problem));
}

bool EqualsNullWord(std::string_view s) {
  if (s.size() != 4) return false;
  const char* word = "null";
  for (size_t i = 0; i < 4; ++i) {
    if ((s[i] | 0x20) != word[i]) return false;
  }
  return true;
}

// Walks a literal once; `fn` is null when only checking.
class Rewriter {
 public:
  Rewriter(std::string_view in, const ElementFn& fn, std::string& out)
      : in_(in), fn_(fn), out_(out) {}

  Status Run() {
    out_.clear();
    SkipSpace(false);
    if (pos_ < in_.size() && in_[pos_] == '[') RETURN_IF_ERROR(CopyDecoration());
    SkipSpace(false);
    if (pos_ >= in_.size() || in_[pos_] != '{') return NotAnArray("it does not start with '{'");
    RETURN_IF_ERROR(Array(1));
    SkipSpace(false);
    if (pos_ != in_.size()) return NotAnArray("text follows the closing '}'");
    return Status::Ok();
  }

 private:
  void SkipSpace(bool copy) {
    while (pos_ < in_.size() && IsSpace(in_[pos_])) {
      if (copy) out_ += in_[pos_];
      ++pos_;
    }
  }

  // "[lo:hi][lo:hi]=" copied as is: digits, signs, ':' and brackets only.
  Status CopyDecoration() {
    const size_t eq = in_.find('=', pos_);
    if (eq == std::string_view::npos) return NotAnArray("a dimension decoration has no '='");
    for (size_t i = pos_; i < eq; ++i) {
      const char c = in_[i];
      const bool ok = (c >= '0' && c <= '9') || c == '[' || c == ']' || c == ':' || c == '-' ||
                      c == '+' || IsSpace(c);
      if (!ok) return NotAnArray("a dimension decoration holds an unexpected character");
    }
    out_.append(in_.substr(pos_, eq + 1 - pos_));
    pos_ = eq + 1;
    return Status::Ok();
  }

  // At '{': the array up to and including its '}'.
  Status Array(int depth) {
    if (depth > kMaxDimensions) return NotAnArray("more than 6 dimensions");
    out_ += '{';
    ++pos_;
    SkipSpace(false);
    if (pos_ < in_.size() && in_[pos_] == '}') {
      out_ += '}';
      ++pos_;
      return Status::Ok();
    }
    for (;;) {
      SkipSpace(false);
      if (pos_ >= in_.size()) return NotAnArray("a '{' is never closed");
      if (in_[pos_] == '{') {
        RETURN_IF_ERROR(Array(depth + 1));
      } else {
        RETURN_IF_ERROR(Element());
      }
      SkipSpace(false);
      if (pos_ >= in_.size()) return NotAnArray("a '{' is never closed");
      const char c = in_[pos_++];
      if (c == '}') {
        out_ += '}';
        return Status::Ok();
      }
      if (c != ',') return NotAnArray("elements are not separated by ','");
      out_ += ',';
    }
  }

  // One scalar element: quoted, or unquoted up to ',' or '}'.
  Status Element() {
    value_.clear();
    bool quoted = false;
    if (in_[pos_] == '"') {
      quoted = true;
      ++pos_;
      for (;;) {
        if (pos_ >= in_.size()) return NotAnArray("a quoted element is never closed");
        char c = in_[pos_++];
        if (c == '"') break;
        if (c == '\\') {
          if (pos_ >= in_.size()) return NotAnArray("a quoted element is never closed");
          c = in_[pos_++];
        }
        value_ += c;
      }
    } else {
      size_t last_kept = 0;  // value_ size after the last escaped or non-space byte
      while (pos_ < in_.size() && in_[pos_] != ',' && in_[pos_] != '}') {
        char c = in_[pos_++];
        if (c == '{' || c == '"') return NotAnArray("a brace or quote inside an element");
        if (c == '\\') {
          if (pos_ >= in_.size()) return NotAnArray("an element ends in a lone backslash");
          value_ += in_[pos_++];
          last_kept = value_.size();
          continue;
        }
        value_ += c;
        if (!IsSpace(c)) last_kept = value_.size();
      }
      value_.resize(last_kept);  // trailing whitespace is not part of the value
      if (value_.empty()) return NotAnArray("an element is empty (write \"\")");
    }
    const bool is_null = !quoted && EqualsNullWord(value_);
    std::optional<std::string_view> in;
    if (!is_null) in = value_;
    if (!fn_) {
      AppendElement(value_, out_);
      return Status::Ok();
    }
    bool out_null = false;
    replaced_.clear();
    RETURN_IF_ERROR(fn_(in, replaced_, out_null));
    if (out_null) {
      out_ += "NULL";
    } else {
      AppendElement(replaced_, out_);
    }
    return Status::Ok();
  }

  std::string_view in_;
  const ElementFn& fn_;
  std::string& out_;
  size_t pos_ = 0;
  std::string value_, replaced_;
};

}  // namespace

void AppendElement(std::string_view value, std::string& out) {
  bool quote = value.empty() || EqualsNullWord(value);
  for (char c : value) {
    if (c == '{' || c == '}' || c == ',' || c == '"' || c == '\\' || IsSpace(c)) quote = true;
  }
  if (!quote) {
    out.append(value);
    return;
  }
  out += '"';
  for (char c : value) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  out += '"';
}

Status Rewrite(std::string_view literal, const ElementFn& fn, std::string& out) {
  return Rewriter(literal, fn, out).Run();
}

Result<std::vector<std::optional<std::string>>> Elements(std::string_view literal) {
  std::vector<std::optional<std::string>> elements;
  std::string scratch;
  const ElementFn collect = [&](std::optional<std::string_view> in, std::string& out,
                                bool& out_null) {
    elements.emplace_back(in ? std::optional<std::string>(std::string(*in)) : std::nullopt);
    out.assign(in.value_or(""));
    out_null = !in;
    return Status::Ok();
  };
  RETURN_IF_ERROR(Rewrite(literal, collect, scratch));
  return elements;
}

}  // namespace spur::pg::array_text
