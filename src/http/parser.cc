// RequestParser and ResponseParser (declared in message.h).
#include <algorithm>
#include <cctype>
#include <string>

#include "http/message.h"  // declares the parsers
#include "http/syntax.h"

namespace spur::http {
namespace {

constexpr size_t kMaxChunkLine = 1024;

// "HTTP/1.1" -> 0, another "HTTP/d.d" -> 505, anything else -> 400.
int CheckVersion(std::string_view version) {
  if (version == "HTTP/1.1" || version == "HTTP/1.0") return 0;
  const bool shaped = version.size() == 8 && version.substr(0, 5) == "HTTP/" &&
                      std::isdigit(static_cast<unsigned char>(version[5])) && version[6] == '.' &&
                      std::isdigit(static_cast<unsigned char>(version[7]));
  return shaped ? 505 : 400;
}

std::optional<size_t> ParseChunkSize(std::string_view line) {
  line = TrimWhitespace(line.substr(0, line.find(';')));
  if (line.empty() || line.size() > 15) return std::nullopt;
  size_t n = 0;
  for (const char c : line) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0) return std::nullopt;
    n = n * 16 + static_cast<size_t>(d);
  }
  return n;
}

}  // namespace

// ---- RequestParser ----

RequestParser::RequestParser(size_t max_header_bytes, size_t max_body_bytes)
    : max_header_bytes_(max_header_bytes), max_body_bytes_(max_body_bytes) {}

RequestParser::State RequestParser::Fail(int status, std::string message) {
  state_ = State::kError;
  error_status_ = status;
  error_message_ = std::move(message);
  return state_;
}

bool RequestParser::WantsContinue() const {
  return headers_done_ && state_ == State::kNeedMore &&
         ToLower(request_.Header("expect")) == "100-continue";
}

RequestParser::State RequestParser::Feed(std::string_view bytes) {
  if (state_ != State::kNeedMore) return state_;
  if (headers_done_) return TakeBody(bytes);
  if (buffer_.empty()) {  // blank lines before the request line are ignored
    while (!bytes.empty() && (bytes.front() == '\r' || bytes.front() == '\n')) {
      bytes.remove_prefix(1);
    }
  }
  buffer_.append(bytes);
  const std::optional<size_t> end = FindHeaderEnd(buffer_, &scanned_);
  if ((end ? *end : buffer_.size()) > max_header_bytes_) {
    return Fail(431, "request headers exceed " + std::to_string(max_header_bytes_) + " bytes");
  }
  if (!end) return State::kNeedMore;
  const std::string rest = buffer_.substr(*end);
  buffer_.resize(*end);
  if (ParseHeaderBlock() == State::kError) return state_;
  headers_done_ = true;
  std::string().swap(buffer_);
  return TakeBody(rest);
}

RequestParser::State RequestParser::ParseHeaderBlock() {
  std::string_view start_line;
  if (auto err = SplitHeaderBlock(buffer_, &start_line, &request_.headers)) {
    return Fail(400, *err);
  }
  if (ParseRequestLine(start_line) == State::kError) return state_;
  if (request_.headers.count("transfer-encoding")) {
    return Fail(
        501, "Transfer-Encoding request bodies (chunked) are not supported; send Content-Length");
  }
  auto it = request_.headers.find("content-length");
  if (it != request_.headers.end()) {
    const std::optional<size_t> length = ParseContentLength(it->second);
    if (!length) {
      return Fail(400, it->second.find('\n') != std::string::npos
                           ? "more than one Content-Length header"
                           : "invalid Content-Length \"" + it->second + "\"");
    }
    if (*length > max_body_bytes_) {
      return Fail(413, "request body of " + it->second + " bytes exceeds the limit of " +
                           std::to_string(max_body_bytes_) + " bytes");
    }
    content_length_ = *length;
  }
  return State::kNeedMore;
}

RequestParser::State RequestParser::ParseRequestLine(std::string_view line) {
  const size_t sp1 = line.find(' ');
  const size_t sp2 = sp1 == std::string_view::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || line.find(' ', sp2 + 1) != std::string_view::npos) {
    return Fail(400, "malformed request line");
  }
  const std::string_view method = line.substr(0, sp1);
  const std::string_view target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  if (int status = CheckVersion(line.substr(sp2 + 1)); status != 0) {
    return Fail(status,
                "unsupported protocol \"" + std::string(line.substr(sp2 + 1)) + "\"; use HTTP/1.1");
  }
  if (!IsToken(method)) return Fail(400, "invalid method");
  request_.method = std::string(method);
  return ParseTarget(target);
}

RequestParser::State RequestParser::ParseTarget(std::string_view target) {
  if (target.empty() || target.front() != '/') {
    return Fail(400, "request target must be a path starting with '/'");
  }
  for (const char c : target) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return Fail(400, "invalid byte in request target");
  }
  request_.target = std::string(target);
  const size_t q = target.find('?');
  std::optional<std::string> path = PercentDecode(target.substr(0, q), /*plus_is_space=*/false);
  if (!path || path->find('\0') != std::string::npos) {
    return Fail(400, "invalid percent-encoding in path");
  }
  request_.path = std::move(*path);
  std::string_view query = q == std::string_view::npos ? "" : target.substr(q + 1);
  query = query.substr(0, query.find('#'));
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    query.remove_prefix(amp == std::string_view::npos ? query.size() : amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    auto key = PercentDecode(pair.substr(0, eq), /*plus_is_space=*/true);
    auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
    if (!key || !value) return Fail(400, "invalid percent-encoding in query");
    request_.query[*key] = std::move(*value);
  }
  return State::kNeedMore;
}

RequestParser::State RequestParser::TakeBody(std::string_view bytes) {
  const size_t missing = content_length_ - request_.body.size();
  request_.body.append(bytes.substr(0, missing));
  if (request_.body.size() == content_length_) state_ = State::kComplete;
  return state_;
}

// ---- ResponseParser ----

ResponseParser::ResponseParser(bool response_to_head, size_t max_header_bytes,
                               size_t max_body_bytes)
    : head_(response_to_head),
      max_header_bytes_(max_header_bytes),
      max_body_bytes_(max_body_bytes) {}

ResponseParser::State ResponseParser::Fail(std::string message) {
  state_ = State::kError;
  error_message_ = std::move(message);
  return state_;
}

ResponseParser::State ResponseParser::Feed(std::string_view bytes) {
  if (state_ != State::kNeedMore) return state_;
  buffer_.append(bytes);
  while (!headers_done_) {
    const std::optional<size_t> end = FindHeaderEnd(buffer_, &scanned_);
    if ((end ? *end : buffer_.size()) > max_header_bytes_) {
      return Fail("response headers exceed " + std::to_string(max_header_bytes_) + " bytes");
    }
    if (!end) return State::kNeedMore;
    if (ParseHeaderBlock(*end) == State::kError) return state_;
  }
  switch (body_mode_) {
    case Body::kNone:
      state_ = State::kComplete;
      break;
    case Body::kLength: {
      const size_t take = std::min(content_length_ - response_.body.size(), buffer_.size());
      response_.body.append(buffer_, 0, take);
      buffer_.clear();
      if (response_.body.size() == content_length_) state_ = State::kComplete;
      break;
    }
    case Body::kUntilEof:
      response_.body += buffer_;
      buffer_.clear();
      if (response_.body.size() > max_body_bytes_) return Fail("response body too large");
      break;
    case Body::kChunked:
      return FeedChunked();
  }
  return state_;
}

ResponseParser::State ResponseParser::FeedEof() {
  if (state_ != State::kNeedMore) return state_;
  if (headers_done_ && body_mode_ == Body::kUntilEof) {
    state_ = State::kComplete;
    return state_;
  }
  return Fail("connection closed before the response was complete");
}

ResponseParser::State ResponseParser::ParseHeaderBlock(size_t end) {
  std::string_view line;
  std::map<std::string, std::string> headers;
  if (auto err = SplitHeaderBlock(std::string_view(buffer_).substr(0, end), &line, &headers)) {
    return Fail("malformed response: " + *err);
  }
  // "HTTP/1.1 200 OK"; the reason phrase may be empty or missing.
  const bool shaped = line.size() >= 12 && line.substr(0, 7) == "HTTP/1." && line[8] == ' ' &&
                      (line.size() == 12 || line[12] == ' ');
  const auto digit = [&](size_t i) { return std::isdigit(static_cast<unsigned char>(line[i])); };
  if (!shaped || line[9] < '1' || !digit(9) || !digit(10) || !digit(11)) {
    return Fail("malformed status line \"" + std::string(line.substr(0, 80)) + "\"");
  }
  const int status = (line[9] - '0') * 100 + (line[10] - '0') * 10 + (line[11] - '0');
  buffer_.erase(0, end);
  scanned_ = 0;
  if (status == 101) return Fail("the server switched protocols, which is not supported");
  if (status < 200) return State::kNeedMore;  // interim response: parse the next one
  headers_done_ = true;
  response_.status = status;
  response_.headers = std::move(headers);
  auto find = [&](const char* name) {
    auto it = response_.headers.find(name);
    return it == response_.headers.end() ? std::optional<std::string>() : it->second;
  };
  response_.content_type = find("content-type").value_or("");
  if (head_ || status == 204 || status == 304) {
    body_mode_ = Body::kNone;
  } else if (auto te = find("transfer-encoding")) {
    if (ToLower(*te) != "chunked") return Fail("unsupported Transfer-Encoding \"" + *te + "\"");
    body_mode_ = Body::kChunked;
  } else if (auto cl = find("content-length")) {
    const std::optional<size_t> length = ParseContentLength(*cl);
    if (!length) return Fail("invalid Content-Length in response");
    if (*length > max_body_bytes_) return Fail("response body of " + *cl + " bytes is too large");
    content_length_ = *length;
    body_mode_ = Body::kLength;
  } else {
    body_mode_ = Body::kUntilEof;
  }
  return State::kNeedMore;
}

ResponseParser::State ResponseParser::FeedChunked() {
  size_t pos = 0;
  while (state_ == State::kNeedMore) {
    const std::string_view rest = std::string_view(buffer_).substr(pos);
    if (chunk_state_ == Chunk::kData) {
      const size_t take = std::min(chunk_left_, rest.size());
      if (take == 0) break;
      response_.body.append(rest.substr(0, take));
      chunk_left_ -= take;
      pos += take;
      if (chunk_left_ == 0) chunk_state_ = Chunk::kDataEnd;
      continue;
    }
    const size_t nl = rest.find('\n');
    if (nl == std::string_view::npos) {
      if (rest.size() > kMaxChunkLine) return Fail("malformed chunked body: line too long");
      break;
    }
    std::string_view line = rest.substr(0, nl);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    pos += nl + 1;
    if (chunk_state_ == Chunk::kDataEnd) {
      if (!line.empty()) return Fail("malformed chunked body: missing CRLF after chunk");
      chunk_state_ = Chunk::kSize;
    } else if (chunk_state_ == Chunk::kTrailer) {
      if (line.empty()) state_ = State::kComplete;  // trailer fields are ignored
    } else {
      const std::optional<size_t> size = ParseChunkSize(line);
      if (!size) return Fail("malformed chunked body: bad chunk size");
      if (*size > max_body_bytes_ - response_.body.size()) return Fail("response body too large");
      chunk_left_ = *size;
      chunk_state_ = *size == 0 ? Chunk::kTrailer : Chunk::kData;
    }
  }
  buffer_.erase(0, pos);
  return state_;
}

}  // namespace spur::http
