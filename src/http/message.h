// HTTP/1.1 messages and their codec: bytes in, Request/Response out, and back.
// Knows nothing about sockets; every function here is pure and thread-safe,
// and each parser object is used by one thread at a time.
//
// Scope: one request per connection (the server always answers with
// "Connection: close"), request bodies by Content-Length only, response
// bodies by Content-Length, chunked, or until the connection closes.
#pragma once

#include <cstddef>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace spur::http {

struct Request {
  std::string method;  // as sent: "GET", "POST", ...
  std::string path;    // percent-decoded, without the query
  // The request-target as sent ("/a%2Fb?x=1"), for routers that split the
  // path into segments before decoding them.
  std::string target;
  std::map<std::string, std::string> query;    // decoded; a repeated key keeps the last value
  std::map<std::string, std::string> headers;  // names lower-cased; repeats joined with ", "
  std::string body;

  // The value of header `lower_name` (which must be lower case), "" when absent.
  std::string Header(const std::string& lower_name) const;
};

struct Response {
  int status = 200;
  std::string content_type = "application/json";  // "" = no Content-Type header
  // Extra headers. SerializeResponse writes Content-Type, Content-Length and
  // Connection itself and ignores those names here. ResponseParser stores
  // every received header, names lower-cased.
  std::map<std::string, std::string> headers;
  std::string body;
};

inline constexpr size_t kDefaultMaxHeaderBytes = size_t{64} << 10;
inline constexpr size_t kDefaultMaxBodyBytes = size_t{10} << 20;

// "OK", "Not Found", ...; "Unknown" for codes this file does not name.
std::string_view ReasonPhrase(int status);

// A JSON error response: {"error":{"code":CODE,"message":MESSAGE}} with
// `status`. `code` is a short machine-readable word ("bad_request").
Response ErrorResponse(int status, std::string_view code, std::string_view message);

// `text` as a JSON string literal, quotes included.
std::string JsonQuote(std::string_view text);

// Decodes %XX escapes (and '+' as a space when `plus_is_space`, as in query
// strings). nullopt when a '%' is not followed by two hex digits.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Percent-encodes every byte except A-Z a-z 0-9 - . _ ~ (safe for a query
// value or a single path segment).
std::string UrlEncode(std::string_view text);

// "k1=v1&k2=v2" with keys and values UrlEncode'd; "" for an empty map.
std::string QueryString(const std::map<std::string, std::string>& query);

// Parses one request incrementally. Feed bytes as they arrive, split at any
// point; once the state is kComplete or kError further input is ignored
// (bytes after the body are not read: one request per connection).
class RequestParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  // `max_header_bytes` bounds the request line plus headers (431 beyond it);
  // `max_body_bytes` bounds Content-Length (413 beyond it).
  explicit RequestParser(size_t max_header_bytes = kDefaultMaxHeaderBytes,
                         size_t max_body_bytes = kDefaultMaxBodyBytes);

  // Consumes `bytes` and returns the new state. On kError, error_status() is
  // the HTTP status to answer with: 400 malformed, 413 body too large, 431
  // headers too large, 501 Transfer-Encoding (chunked request bodies are not
  // supported), 505 an HTTP version other than 1.0 and 1.1.
  State Feed(std::string_view bytes);

  State state() const { return state_; }
  // True once the headers are parsed (the body may still be arriving).
  bool headers_complete() const { return headers_done_; }
  // True when the headers are parsed, the client sent "Expect: 100-continue"
  // and the body is still missing: the server should send "100 Continue".
  bool WantsContinue() const;

  // The request; complete only in kComplete.
  const Request& request() const { return request_; }
  Request TakeRequest() { return std::move(request_); }
  int error_status() const { return error_status_; }
  const std::string& error_message() const { return error_message_; }

 private:
  State Fail(int status, std::string message);
  State ParseHeaderBlock();  // buffer_ holds everything up to the blank line
  State ParseRequestLine(std::string_view line);
  State ParseTarget(std::string_view target);
  State TakeBody(std::string_view bytes);

  size_t max_header_bytes_;
  size_t max_body_bytes_;
  State state_ = State::kNeedMore;
  bool headers_done_ = false;
  std::string buffer_;  // header bytes until the blank line
  size_t scanned_ = 0;  // buffer_ before this holds no header end
  size_t content_length_ = 0;
  Request request_;
  int error_status_ = 0;
  std::string error_message_;
};

// "HTTP/1.1 <status> <reason>" with Content-Type (when not empty),
// Content-Length, "Connection: close", the extra headers and the body. Header
// names that are not tokens, and values holding CR, LF or NUL, are skipped.
std::string SerializeResponse(const Response& response);

// "<method> <target> HTTP/1.1" with Host, Content-Length (when there is a
// body, or for POST, PUT and PATCH), "Connection: close", `headers` (Host,
// Content-Length, Connection and Transfer-Encoding there are ignored) and the
// body. The caller checks that `target` and the headers hold no CR or LF.
std::string SerializeRequest(std::string_view method, std::string_view target,
                             const std::map<std::string, std::string>& headers,
                             std::string_view body, std::string_view host);

// Parses one response incrementally, for the client. Interim 1xx responses
// are skipped. The body is framed by Transfer-Encoding: chunked, then by
// Content-Length, else it runs until the connection closes (FeedEof).
class ResponseParser {
 public:
  enum class State { kNeedMore, kComplete, kError };

  // `response_to_head`: the request was HEAD, so the response has no body.
  explicit ResponseParser(bool response_to_head = false,
                          size_t max_header_bytes = kDefaultMaxHeaderBytes,
                          size_t max_body_bytes = size_t{256} << 20);

  State Feed(std::string_view bytes);
  // The peer closed the connection: completes a body that runs until EOF;
  // anything else still missing is an error.
  State FeedEof();

  State state() const { return state_; }
  // The response; complete only in kComplete. content_type mirrors the
  // content-type header ("" when absent).
  const Response& response() const { return response_; }
  Response TakeResponse() { return std::move(response_); }
  const std::string& error_message() const { return error_message_; }

 private:
  enum class Body { kNone, kLength, kChunked, kUntilEof };
  enum class Chunk { kSize, kData, kDataEnd, kTrailer };

  State Fail(std::string message);
  State ParseHeaderBlock(size_t end);
  State FeedChunked();

  bool head_;
  size_t max_header_bytes_;
  size_t max_body_bytes_;
  State state_ = State::kNeedMore;
  bool headers_done_ = false;
  std::string buffer_;  // unparsed bytes (headers, or chunked framing)
  size_t scanned_ = 0;
  Body body_mode_ = Body::kNone;
  size_t content_length_ = 0;
  Chunk chunk_state_ = Chunk::kSize;
  size_t chunk_left_ = 0;
  Response response_;
  std::string error_message_;
};

}  // namespace spur::http
