// What postgres answers a relayed StartupMessage with, read as it streams
// past the proxy towards the client: authentication requests, then
// ParameterStatus, BackendKeyData and the first ReadyForQuery. The proxy
// needs three facts from it and nothing after it: the backend's cancel key
// (to route CancelRequests), whether authentication failed (metrics), and
// where the startup phase ends (from there on the relay copies bytes with no
// per-message work). Pure and incremental: bytes in any pieces, nothing
// buffered but the current message's header and at most one small message.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace spur::proxy {

class BackendStartup {
 public:
  enum class State {
    kInProgress,  // still in the startup phase
    kReady,       // the first ReadyForQuery has passed: relay only from here on
    kFailed,      // postgres sent an ErrorResponse: it closes the connection
    kMalformed,   // not the protocol (a length out of range): close both sides
  };

  // Reads `bytes`, the next bytes from postgres. Returns how many of them
  // belong to the startup phase: all of them while kInProgress; when the
  // phase ends inside `bytes`, the count up to and including the last byte
  // of ReadyForQuery (the rest is ordinary traffic). After kReady, kFailed or
  // kMalformed it reads nothing more and returns 0.
  size_t Feed(std::string_view bytes);

  State state() const { return state_; }
  bool has_cancel_key() const { return has_key_; }
  int32_t pid() const { return pid_; }
  int32_t cancel_key() const { return key_; }
  // The SQLSTATE of the ErrorResponse when kFailed ("" if it had none).
  const std::string& error_sqlstate() const { return sqlstate_; }

  // Messages longer than this are malformed here: nothing postgres sends
  // before ReadyForQuery comes near it.
  static constexpr uint32_t kMaxMessage = 1 << 20;

 private:
  void Finish();  // the current message is complete

  State state_ = State::kInProgress;
  char header_[5] = {};
  size_t header_have_ = 0;
  uint32_t body_left_ = 0;
  std::string body_;  // kept only for 'K' and 'E' (bounded), else discarded
  bool keep_body_ = false;
  bool has_key_ = false;
  int32_t pid_ = 0, key_ = 0;
  std::string sqlstate_;
};

}  // namespace spur::proxy
