// http::RequestParser on arbitrary bytes. Properties: the parser never reads
// past its input; the result does not depend on how the bytes are split into
// Feed calls (whole, at a point chosen by the input, one byte at a time); an
// error always carries a 4xx/5xx status; a complete request's body is exactly
// as long as Content-Length and within the limit; PercentDecode undoes
// UrlEncode.
#include <optional>
#include <string>

#include "fuzz_target.h"
#include "http/message.h"
#include "http/syntax.h"

namespace spur::fuzz {
namespace {

using http::RequestParser;

// Small limits so the fuzzer reaches 413 and 431 with short inputs.
constexpr size_t kMaxHeader = 1024;
constexpr size_t kMaxBody = 2048;

RequestParser FeedInPieces(std::string_view bytes, size_t piece) {
  RequestParser p(kMaxHeader, kMaxBody);
  for (size_t i = 0; i < bytes.size() && p.state() == RequestParser::State::kNeedMore; i += piece) {
    p.Feed(bytes.substr(i, piece));
  }
  return p;
}

void CheckSame(const RequestParser& a, const RequestParser& b) {
  SPUR_FUZZ_CHECK(a.state() == b.state());
  SPUR_FUZZ_CHECK(a.error_status() == b.error_status());
  if (a.state() != RequestParser::State::kComplete) return;
  const http::Request& x = a.request();
  const http::Request& y = b.request();
  SPUR_FUZZ_CHECK(x.method == y.method && x.path == y.path && x.target == y.target);
  SPUR_FUZZ_CHECK(x.query == y.query && x.headers == y.headers && x.body == y.body);
}

}  // namespace

int FuzzHttpRequest(const uint8_t* data, size_t size) {
  std::string_view in = AsText(data, size);

  RequestParser whole(kMaxHeader, kMaxBody);
  whole.Feed(in);
  if (whole.state() == RequestParser::State::kError) {
    SPUR_FUZZ_CHECK(whole.error_status() >= 400 && whole.error_status() <= 599);
    SPUR_FUZZ_CHECK(!whole.error_message().empty());
  }
  if (whole.state() == RequestParser::State::kComplete) {
    const http::Request& r = whole.request();
    SPUR_FUZZ_CHECK(!r.method.empty() && !r.target.empty());
    SPUR_FUZZ_CHECK(r.body.size() <= kMaxBody);
    std::string length = r.Header("content-length");
    auto expected = length.empty() ? std::optional<size_t>(0) : http::ParseContentLength(length);
    SPUR_FUZZ_CHECK(expected && r.body.size() == *expected);
  }

  // Split invariance: at a point the first byte picks, and byte by byte.
  size_t piece = size == 0 ? 1 : 1 + data[0] % 64;
  CheckSame(whole, FeedInPieces(in, piece));
  CheckSame(whole, FeedInPieces(in, 1));

  auto decoded = http::PercentDecode(http::UrlEncode(in), false);
  SPUR_FUZZ_CHECK(decoded && *decoded == in);
  auto query = http::PercentDecode(in, true);  // must not crash on any input
  (void)query;
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzHttpRequest)
