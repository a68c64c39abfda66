// Status and Result<T>: errors are values. Every fallible function in spur
// returns one of these; an unchecked Status is a bug ([[nodiscard]]).
//
// A Status carries a code (for mapping to exit codes / HTTP later) and a
// one-line message that says what failed, on what, and what to do.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace spur {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // bad user input: names, flags, sizes
  kNotFound,            // branch, snapshot, pool, file missing
  kAlreadyExists,       // name taken
  kFailedPrecondition,  // state forbids it: has children, is main, not root
  kUnavailable,         // a process or service is not reachable
  kUnauthenticated,     // no or wrong credentials (HTTP 401)
  kPermissionDenied,    // credentials fine, not allowed (HTTP 403)
  kResourceExhausted,   // a quota would be exceeded
  kStorageFull,         // the pool's disk is (nearly) full (HTTP 507)
  kInternal,            // a system call or subprocess failed
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  static Status Ok() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Returns a copy whose message is "context: message".
  Status WithContext(const std::string& context) const {
    if (ok()) return *this;
    return Status(code_, context + ": " + message_);
  }
  // Marks a status as deliberately ignored.
  void IgnoreError() const {}

  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status AlreadyExists(std::string m) { return {Code::kAlreadyExists, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }
inline Status Unauthenticated(std::string m) { return {Code::kUnauthenticated, std::move(m)}; }
inline Status PermissionDenied(std::string m) { return {Code::kPermissionDenied, std::move(m)}; }
inline Status ResourceExhausted(std::string m) { return {Code::kResourceExhausted, std::move(m)}; }
inline Status StorageFull(std::string m) { return {Code::kStorageFull, std::move(m)}; }

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}         // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOkStatus;
    return ok() ? kOkStatus : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace spur

#define SPUR_CONCAT_INNER(a, b) a##b
#define SPUR_CONCAT(a, b) SPUR_CONCAT_INNER(a, b)

// Returns from the enclosing function if `expr` (a Status) is not OK.
#define RETURN_IF_ERROR(expr)            \
  do {                                   \
    ::spur::Status _spur_st = (expr);    \
    if (!_spur_st.ok()) return _spur_st; \
  } while (0)

// Declares `lhs` from a Result-returning `expr`, or returns its Status.
#define ASSIGN_OR_RETURN(lhs, expr) \
  ASSIGN_OR_RETURN_IMPL(SPUR_CONCAT(_spur_res_, __LINE__), lhs, expr)
#define ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                          \
  if (!tmp.ok()) return tmp.status();         \
  lhs = std::move(tmp).value()
