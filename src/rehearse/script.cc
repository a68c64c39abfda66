#include "rehearse/script.h"

#include <algorithm>
#include <cstddef>
#include <optional>
#include <utility>

namespace spur::rehearse {
namespace {

constexpr size_t kNone = std::string_view::npos;

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'; }
bool IsHorizontalSpace(char c) { return c == ' ' || c == '\t' || c == '\f'; }
bool IsNewline(char c) { return c == '\n' || c == '\r'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsIdentStart(char c) {
  const auto u = static_cast<unsigned char>(c);
  return (u >= 'a' && u <= 'z') || (u >= 'A' && u <= 'Z') || u == '_' || u >= 0x80;
}
bool IsDollarTagCont(char c) { return IsIdentStart(c) || IsDigit(c); }
bool IsIdentCont(char c) { return IsDollarTagCont(c) || c == '$'; }

// `word` equals `keyword` (lower case) ignoring ASCII case.
bool IsKeyword(std::string_view word, std::string_view keyword) {
  if (word.size() != keyword.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != keyword[i]) return false;
  }
  return true;
}

// What psql's heuristics need from the words (unquoted identifiers and
// keywords) of one statement: whether it began CREATE [OR REPLACE]
// FUNCTION|PROCEDURE, and so how deep it is in BEGIN/CASE ... END; and
// whether it is a COPY ... FROM STDIN.
class WordTracker {
 public:
  void OnWord(std::string_view word, size_t paren_depth) {
    RecordInitial(word);
    if (IsCreateRoutine() && paren_depth == 0) TrackBody(word);
    const bool after_from = std::exchange(after_from_, false);
    if (is_copy_ && paren_depth == 0) {
      if (after_from && IsKeyword(word, "stdin")) copy_from_stdin_ = true;
      after_from_ = IsKeyword(word, "from");
    }
  }
  // Any other token: a literal, an operator, a parenthesis, a quoted name.
  void OnOtherToken() { after_from_ = false; }

  bool InBody() const { return begin_depth_ > 0; }
  bool CopyFromStdin() const { return copy_from_stdin_; }

 private:
  // psql keeps the first letter of each of the statement's first four words
  // that is one of CREATE, OR, REPLACE, FUNCTION, PROCEDURE.
  void RecordInitial(std::string_view word) {
    if (words_ == 0) is_copy_ = IsKeyword(word, "copy");
    if (words_ < sizeof(initials_)) {
      for (std::string_view k : {"create", "or", "replace", "function", "procedure"}) {
        if (IsKeyword(word, k)) initials_[words_] = k[0];
      }
    }
    ++words_;
  }
  bool IsCreateRoutine() const {
    const char* i = initials_;
    return i[0] == 'c' && (i[1] == 'f' || i[1] == 'p' ||
                           (i[1] == 'o' && i[2] == 'r' && (i[3] == 'f' || i[3] == 'p')));
  }
  void TrackBody(std::string_view word) {
    if (IsKeyword(word, "begin")) {
      ++begin_depth_;
    } else if (IsKeyword(word, "case")) {
      if (begin_depth_ > 0) ++begin_depth_;  // CASE ends with END too
    } else if (IsKeyword(word, "end")) {
      if (begin_depth_ > 0) --begin_depth_;
    }
  }

  size_t words_ = 0;
  char initials_[4] = {};
  size_t begin_depth_ = 0;
  bool is_copy_ = false;
  bool after_from_ = false;
  bool copy_from_stdin_ = false;
};

// `text` when it is short printable ASCII, for an error message; else `other`.
std::string Printable(std::string_view text, std::string_view other) {
  if (text.size() > 32) return std::string(other);
  for (char c : text) {
    if (c < '!' || c > '~') return std::string(other);
  }
  return std::string(text);
}

class Splitter {
 public:
  Splitter(std::string_view script, size_t max_statements)
      : s_(script), max_statements_(max_statements) {}

  Result<std::vector<Statement>> Run() {
    if (const size_t nul = s_.find('\0'); nul != kNone) {
      return Error(nul, "NUL byte; a SQL script is text, remove it");
    }
    if (s_.substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    while (pos_ < s_.size()) {
      const char c = s_[pos_];
      if (IsSpace(c)) {
        ++pos_;
      } else if (At("--")) {
        pos_ = EndOfLine(pos_);
      } else if (At("/*")) {
        RETURN_IF_ERROR(SkipBlockComment());
      } else if (c == ';' && paren_depth_ == 0 && !words_.InBody()) {
        ++pos_;
        RETURN_IF_ERROR(EndStatement());
      } else {
        if (!start_) start_ = pos_;
        RETURN_IF_ERROR(ScanToken());
        end_ = pos_;
      }
    }
    RETURN_IF_ERROR(EndStatement());
    return std::move(out_);
  }

 private:
  bool At(std::string_view what) const { return s_.compare(pos_, what.size(), what) == 0; }

  // Where the line holding `i` ends: its \n or \r, or the end of the script.
  size_t EndOfLine(size_t i) const {
    const size_t eol = s_.find_first_of("\n\r", i);
    return eol == kNone ? s_.size() : eol;
  }

  // One token that is not whitespace or a comment, at pos_; moves past it.
  Status ScanToken() {
    const char c = s_[pos_];
    if (IsIdentStart(c)) return ScanWord();
    words_.OnOtherToken();
    switch (c) {
      case '\'':
        return SkipQuoted('\'');
      case '"':
        return SkipQuoted('"');
      case '$':
        return ScanDollar();
      case '\\':
        return MetaCommand();
      case '(':
        ++paren_depth_;
        break;
      case ')':
        if (paren_depth_ > 0) --paren_depth_;
        break;
      default:
        if (IsDigit(c)) {
          SkipNumber();
          return Status::Ok();
        }
        break;
    }
    ++pos_;
    return Status::Ok();
  }

  // A word, or a string with a one-letter prefix (E'', B'', X'', N'', U&'',
  // U&"").
  Status ScanWord() {
    const size_t at = pos_;
    const auto next = [&](size_t k) { return at + k < s_.size() ? s_[at + k] : '\0'; };
    const char c = static_cast<char>(s_[at] | 0x20);  // ASCII lower case
    if (next(1) == '\'' && (c == 'e' || c == 'b' || c == 'x' || c == 'n')) {
      words_.OnOtherToken();
      ++pos_;
      return c == 'e' ? SkipEscapeString() : SkipQuoted('\'');
    }
    if (c == 'u' && next(1) == '&' && (next(2) == '\'' || next(2) == '"')) {
      words_.OnOtherToken();
      pos_ += 2;
      return SkipQuoted(next(2));
    }
    ++pos_;
    while (pos_ < s_.size() && IsIdentCont(s_[pos_])) ++pos_;
    words_.OnWord(s_.substr(at, pos_ - at), paren_depth_);
    if (words_.CopyFromStdin()) {
      return Error(*start_,
                   "COPY ... FROM STDIN reads its rows from psql, and spur runs plain SQL; "
                   "load the rows with INSERT, or COPY from a file on the server");
    }
    return Status::Ok();
  }

  // A number, with any letters glued to it (1e5, 0x1F, 1abc): none of them
  // starts a string, and a '$' right after the digits may start a quote.
  void SkipNumber() {
    while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    if (At(".") && !At("..")) {
      ++pos_;
      while (pos_ < s_.size() && IsDigit(s_[pos_])) ++pos_;
    }
    if (pos_ < s_.size() && IsIdentStart(s_[pos_])) {
      while (pos_ < s_.size() && IsIdentCont(s_[pos_])) ++pos_;
    }
  }

  // '...' or "..." (quote doubled inside), pos_ at the opening quote.
  Status SkipQuoted(char quote) {
    const size_t open = pos_;
    for (size_t i = pos_ + 1;;) {
      const size_t q = s_.find(quote, i);
      if (q == kNone) {
        return quote == '"' ? Unclosed(open, "quoted identifier \"...\"",
                                       "add the closing \" (a \" inside one is written \"\")")
                            : Unclosed(open, "quoted string '...'",
                                       "add the closing ' (a ' inside a string is written '')");
      }
      if (q + 1 < s_.size() && s_[q + 1] == quote) {
        i = q + 2;
        continue;
      }
      pos_ = q + 1;
      return Status::Ok();
    }
  }

  // E'...', pos_ at the quote: a backslash escapes the next byte, '' is a
  // quote, and the string goes on in another '...' after a newline.
  Status SkipEscapeString() {
    const size_t open = pos_ - 1;
    for (size_t i = pos_ + 1;;) {
      const size_t k = s_.find_first_of("\\'", i);
      if (k == kNone || (k + 1 == s_.size() && s_[k] == '\\')) {
        return Unclosed(open, "escape string E'...'",
                        "add the closing ' (inside E'...' a backslash escapes the next "
                        "character, so \\' is not the end)");
      }
      if (s_[k] == '\\' || (k + 1 < s_.size() && s_[k + 1] == '\'')) {
        i = k + 2;
        continue;
      }
      const size_t more = QuoteContinuation(k + 1);
      if (more == kNone) {
        pos_ = k + 1;
        return Status::Ok();
      }
      i = more + 1;
    }
  }

  // After a closing quote at `i - 1`: the position of the quote that
  // continues the string (whitespace holding a newline, -- comments allowed,
  // then '), or kNone.
  size_t QuoteContinuation(size_t i) const {
    while (i < s_.size() && !IsNewline(s_[i])) {
      if (IsHorizontalSpace(s_[i])) {
        ++i;
      } else if (s_.compare(i, 2, "--") == 0) {
        i = EndOfLine(i);
      } else {
        return kNone;
      }
    }
    if (i == s_.size()) return kNone;
    while (++i < s_.size() && s_[i] != '\'') {
      if (s_.compare(i, 2, "--") == 0) {
        i = EndOfLine(i);  // a comment here must end in a newline
        if (i == s_.size()) return kNone;
      } else if (!IsSpace(s_[i])) {
        return kNone;
      }
    }
    return i < s_.size() ? i : kNone;
  }

  // '$' at pos_: a dollar quote ($$, $tag$), a parameter ($1), or a lone '$'
  // (what follows it is scanned as usual, as psql does).
  Status ScanDollar() {
    const size_t open = pos_;
    size_t i = open + 1;
    if (i < s_.size() && IsDigit(s_[i])) {
      while (i < s_.size() && IsDigit(s_[i])) ++i;
      pos_ = i;
      return Status::Ok();
    }
    if (i < s_.size() && IsIdentStart(s_[i])) {
      while (i < s_.size() && IsDollarTagCont(s_[i])) ++i;
    }
    if (i == s_.size() || s_[i] != '$') {
      ++pos_;
      return Status::Ok();
    }
    const std::string_view delimiter = s_.substr(open, i + 1 - open);
    // The body ends at the first copy of the delimiter. Each '$' is looked
    // at once, and a failed comparison stops before the next '$' (a tag
    // holds none), so this is linear.
    for (size_t k = i + 1;; ++k) {
      k = s_.find('$', k);
      if (k == kNone) {
        const std::string shown = Printable(delimiter, "$tag$");
        return Unclosed(open, "dollar-quoted string " + shown, "end it with " + shown);
      }
      if (s_.compare(k, delimiter.size(), delimiter) == 0) {
        pos_ = k + delimiter.size();
        return Status::Ok();
      }
    }
  }

  // pos_ at "/*". Comments nest: each /* needs its own */.
  Status SkipBlockComment() {
    const size_t open = pos_;
    size_t depth = 0;
    for (size_t i = pos_;;) {
      const size_t k = s_.find_first_of("/*", i);
      if (k == kNone || k + 1 == s_.size()) {
        return Unclosed(open, "/* comment",
                        "end it with */ (comments nest: each /* needs its own */)");
      }
      if (s_[k] == '/' && s_[k + 1] == '*') {
        ++depth;
      } else if (s_[k] == '*' && s_[k + 1] == '/') {
        if (--depth == 0) {
          pos_ = k + 2;
          return Status::Ok();
        }
      } else {
        i = k + 1;
        continue;
      }
      i = k + 2;
    }
  }

  // pos_ at a backslash outside quotes and comments, where psql reads a
  // meta-command: \set, \gset, \;, \\ ... (named in the error when ASCII).
  Status MetaCommand() {
    const auto is_name = [](char c) {
      return IsDigit(c) || c == '?' || c == '!' || (IsIdentStart(c) && (c & 0x80) == 0);
    };
    size_t end = pos_ + 1;
    while (end < s_.size() && end - pos_ <= 16 && is_name(s_[end])) ++end;
    if (end == pos_ + 1 && end < s_.size() && s_[end] >= '!' && s_[end] <= '~') ++end;
    return Error(pos_, std::string(s_.substr(pos_, end - pos_)) +
                           " is a psql meta-command (a backslash outside quotes), and spur runs "
                           "plain SQL; remove it or write it as SQL");
  }

  Status EndStatement() {
    if (!start_) {
      words_ = WordTracker();
      return Status::Ok();
    }
    if (out_.size() == max_statements_) {
      return Error(*start_, "the script has more than " + std::to_string(max_statements_) +
                                " statements; split it into smaller scripts");
    }
    out_.push_back(Statement{std::string(s_.substr(*start_, end_ - *start_)), LineAt(*start_)});
    start_.reset();
    words_ = WordTracker();
    paren_depth_ = 0;
    return Status::Ok();
  }

  Status Unclosed(size_t open, const std::string& what, const std::string& fix) {
    return Error(open, what + " is not closed by the end of the script; " + fix);
  }

  Status Error(size_t pos, const std::string& what) {
    return InvalidArgument("line " + std::to_string(LineAt(pos)) + ": " + what);
  }

  // 1-based line of byte `pos`. Calls come in increasing order but for an
  // error's, so counting resumes where the last call stopped.
  size_t LineAt(size_t pos) {
    if (pos < counted_to_) {
      counted_to_ = 0;
      line_ = 1;
    }
    line_ += static_cast<size_t>(std::count(s_.begin() + static_cast<std::ptrdiff_t>(counted_to_),
                                            s_.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
    counted_to_ = pos;
    return line_;
  }

  const std::string_view s_;
  const size_t max_statements_;
  size_t pos_ = 0;
  size_t paren_depth_ = 0;
  WordTracker words_;
  std::optional<size_t> start_;  // the current statement's first byte
  size_t end_ = 0;               // just past its last token so far
  std::vector<Statement> out_;
  size_t counted_to_ = 0;
  size_t line_ = 1;
};

}  // namespace

Result<std::vector<Statement>> SplitScript(std::string_view script, size_t max_statements) {
  return Splitter(script, max_statements).Run();
}

}  // namespace spur::rehearse
