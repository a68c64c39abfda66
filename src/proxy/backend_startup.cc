#include "proxy/backend_startup.h"

#include <algorithm>

#include "pg/wire_startup.h"

namespace spur::proxy {
namespace {

constexpr size_t kMaxKeptBody = 8192;  // an ErrorResponse's code is near its start

// The 'C' field of an ErrorResponse body, or "".
std::string CodeOf(std::string_view body) {
  size_t at = 0;
  while (at < body.size() && body[at] != '\0') {
    const char type = body[at];
    const size_t end = body.find('\0', at + 1);
    if (end == std::string_view::npos) return "";
    if (type == 'C') return std::string(body.substr(at + 1, end - at - 1));
    at = end + 1;
  }
  return "";
}

}  // namespace

void BackendStartup::Finish() {
  const char type = header_[0];
  if (type == 'K' && body_.size() == 8) {
    has_key_ = true;
    pid_ = static_cast<int32_t>(pg::wire::ReadUint32(body_.data()));
    key_ = static_cast<int32_t>(pg::wire::ReadUint32(body_.data() + 4));
  } else if (type == 'E') {
    sqlstate_ = CodeOf(body_);
    state_ = State::kFailed;
  } else if (type == 'Z') {
    state_ = State::kReady;
  }
  header_have_ = 0;
  body_.clear();
}

size_t BackendStartup::Feed(std::string_view bytes) {
  size_t used = 0;
  while (used < bytes.size() && state_ == State::kInProgress) {
    if (header_have_ < 5) {
      const size_t n = std::min(5 - header_have_, bytes.size() - used);
      std::copy_n(bytes.data() + used, n, header_ + header_have_);
      header_have_ += n;
      used += n;
      if (header_have_ < 5) break;
      const uint32_t len = pg::wire::ReadUint32(header_ + 1);
      if (len < 4 || len > kMaxMessage) {
        state_ = State::kMalformed;
        return used;
      }
      body_left_ = len - 4;
      keep_body_ = header_[0] == 'K' || header_[0] == 'E';
      if (body_left_ == 0) Finish();
      continue;
    }
    const size_t n = std::min<size_t>(body_left_, bytes.size() - used);
    if (keep_body_ && body_.size() < kMaxKeptBody) {
      body_.append(bytes.data() + used, std::min(n, kMaxKeptBody - body_.size()));
    }
    body_left_ -= static_cast<uint32_t>(n);
    used += n;
    if (body_left_ == 0) Finish();
  }
  return used;
}

}  // namespace spur::proxy
