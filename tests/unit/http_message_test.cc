// The HTTP codec on hand-built buffers: no sockets.
#include <gtest/gtest.h>

#include <cctype>
#include <string>
#include <string_view>

#include "http/message.h"

namespace spur::http {
namespace {

using State = RequestParser::State;

// Feeds `wire` in one piece.
RequestParser ParseAll(const std::string& wire, size_t max_header = kDefaultMaxHeaderBytes,
                       size_t max_body = kDefaultMaxBodyBytes) {
  RequestParser parser(max_header, max_body);
  parser.Feed(wire);
  return parser;
}

TEST(HttpMessage, ParsesGetWithQuery) {
  RequestParser p = ParseAll(
      "GET /branches/pr%2D12?state=running&q=a+b%26c&flag&empty= HTTP/1.1\r\n"
      "Host: localhost\r\nX-Token:  abc \r\nAccept: a\r\naccept: b\r\n\r\n");
  ASSERT_EQ(p.state(), State::kComplete) << p.error_message();
  const Request& r = p.request();
  EXPECT_EQ(r.method, "GET");
  EXPECT_EQ(r.path, "/branches/pr-12");
  EXPECT_EQ(r.target, "/branches/pr%2D12?state=running&q=a+b%26c&flag&empty=");
  EXPECT_EQ(r.query.at("state"), "running");
  EXPECT_EQ(r.query.at("q"), "a b&c");
  EXPECT_EQ(r.query.at("flag"), "");
  EXPECT_EQ(r.query.at("empty"), "");
  EXPECT_EQ(r.Header("x-token"), "abc");
  EXPECT_EQ(r.Header("host"), "localhost");
  EXPECT_EQ(r.Header("accept"), "a, b");
  EXPECT_EQ(r.Header("missing"), "");
  EXPECT_EQ(r.body, "");
}

TEST(HttpMessage, AcceptsBareLineFeedsAndLeadingBlankLines) {
  RequestParser p = ParseAll("\r\n\nDELETE /x HTTP/1.0\nHost: h\n\n");
  ASSERT_EQ(p.state(), State::kComplete) << p.error_message();
  EXPECT_EQ(p.request().method, "DELETE");
  EXPECT_EQ(p.request().path, "/x");
}

TEST(HttpMessage, PostBodySplitAtEveryByteBoundary) {
  const std::string body = "{\"name\":\"pr-12\",\"from\":\"main\"}";
  const std::string wire =
      "POST /branches HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
      "Content-Length: " +
      std::to_string(body.size()) + "\r\n\r\n" + body;
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    RequestParser p;
    const State first = p.Feed(std::string_view(wire).substr(0, cut));
    if (cut < wire.size()) {
      EXPECT_EQ(first, State::kNeedMore) << "cut at " << cut;
    }
    ASSERT_EQ(p.Feed(std::string_view(wire).substr(cut)), State::kComplete) << "cut at " << cut;
    EXPECT_EQ(p.request().body, body) << "cut at " << cut;
    EXPECT_EQ(p.request().Header("content-type"), "application/json");
  }
  RequestParser bytewise;
  for (const char c : wire) bytewise.Feed(std::string_view(&c, 1));
  ASSERT_EQ(bytewise.state(), State::kComplete);
  EXPECT_EQ(bytewise.request().body, body);
}

TEST(HttpMessage, IgnoresBytesAfterTheBody) {
  RequestParser p =
      ParseAll("PUT /a HTTP/1.1\r\nContent-Length: 2\r\n\r\nokGET /b HTTP/1.1\r\n\r\n");
  ASSERT_EQ(p.state(), State::kComplete);
  EXPECT_EQ(p.request().body, "ok");
}

TEST(HttpMessage, WantsContinueOnlyWhileTheBodyIsMissing) {
  RequestParser p;
  p.Feed("POST /a HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
  EXPECT_TRUE(p.headers_complete());
  EXPECT_TRUE(p.WantsContinue());
  EXPECT_EQ(p.Feed("abc"), State::kComplete);
  EXPECT_FALSE(p.WantsContinue());
}

TEST(HttpMessage, OversizeHeadersGet431) {
  const std::string big(2000, 'a');
  RequestParser p = ParseAll("GET / HTTP/1.1\r\nX-Big: " + big + "\r\n\r\n", 1024);
  EXPECT_EQ(p.state(), State::kError);
  EXPECT_EQ(p.error_status(), 431);
  // Without the blank line ever arriving: refused as soon as the limit is passed.
  RequestParser q(1024);
  EXPECT_EQ(q.Feed("GET / HTTP/1.1\r\n"), State::kNeedMore);
  EXPECT_EQ(q.Feed("X-Big: " + big), State::kError);
  EXPECT_EQ(q.error_status(), 431);
}

TEST(HttpMessage, OversizeBodyGets413BeforeTheBodyArrives) {
  RequestParser p(kDefaultMaxHeaderBytes, 100);
  EXPECT_EQ(p.Feed("POST / HTTP/1.1\r\nContent-Length: 101\r\n\r\n"), State::kError);
  EXPECT_EQ(p.error_status(), 413);
  RequestParser huge =
      ParseAll("POST / HTTP/1.1\r\nContent-Length: 99999999999999999999999\r\n\r\n");
  EXPECT_EQ(huge.error_status(), 413);
  RequestParser exact(kDefaultMaxHeaderBytes, 100);
  exact.Feed("POST / HTTP/1.1\r\nContent-Length: 100\r\n\r\n" + std::string(100, 'x'));
  EXPECT_EQ(exact.state(), State::kComplete);
}

TEST(HttpMessage, BadOrDuplicateContentLengthGets400) {
  for (const char* cl : {"Content-Length: -1\r\n", "Content-Length: 1x\r\n", "Content-Length: \r\n",
                         "Content-Length: 0x10\r\n", "Content-Length: 1 2\r\n",
                         "Content-Length: 3\r\nContent-Length: 3\r\n",
                         "Content-Length: 3\r\ncontent-length: 4\r\n"}) {
    RequestParser p = ParseAll(std::string("POST / HTTP/1.1\r\n") + cl + "\r\nabcd");
    EXPECT_EQ(p.state(), State::kError) << cl;
    EXPECT_EQ(p.error_status(), 400) << cl;
  }
}

TEST(HttpMessage, ChunkedRequestBodyGets501) {
  RequestParser p =
      ParseAll("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n");
  EXPECT_EQ(p.state(), State::kError);
  EXPECT_EQ(p.error_status(), 501);
}

TEST(HttpMessage, BadVersionGets505AndGarbageGets400) {
  EXPECT_EQ(ParseAll("GET / HTTP/2.0\r\n\r\n").error_status(), 505);
  EXPECT_EQ(ParseAll("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n").error_status(), 505);
  for (const char* bad :
       {"GET /\r\n\r\n", "GET  / HTTP/1.1\r\n\r\n", "GET / HTTP/1.1 x\r\n\r\n",
        "GET x HTTP/1.1\r\n\r\n", "GET http://h/ HTTP/1.1\r\n\r\n", "G(T / HTTP/1.1\r\n\r\n",
        "GET / HTTQ/1.1\r\n\r\n", "GET /%zz HTTP/1.1\r\n\r\n", "GET /a%00 HTTP/1.1\r\n\r\n",
        "GET /?a=%4 HTTP/1.1\r\n\r\n", "GET / HTTP/1.1\r\nNoColon\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n", "GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n",
        "\x16\x03\x01\x02\n\n"}) {
    RequestParser p = ParseAll(bad);
    EXPECT_EQ(p.state(), State::kError) << bad;
    EXPECT_EQ(p.error_status(), 400) << bad;
    EXPECT_FALSE(p.error_message().empty());
  }
}

TEST(HttpMessage, PercentDecoding) {
  EXPECT_EQ(PercentDecode("a%20b%2Fc%2fd", false).value(), "a b/c/d");
  EXPECT_EQ(PercentDecode("a+b", false).value(), "a+b");
  EXPECT_EQ(PercentDecode("a+b", true).value(), "a b");
  EXPECT_EQ(PercentDecode("%e2%9C%93", false).value(), "\xe2\x9c\x93");
  for (const char* bad : {"%", "%2", "a%g0", "%%"}) {
    EXPECT_FALSE(PercentDecode(bad, false).has_value()) << bad;
  }
}

TEST(HttpMessage, UrlEncodeRoundTripsEveryByte) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  const std::string encoded = UrlEncode(all);
  for (const char c : encoded) {
    EXPECT_TRUE(std::isalnum(static_cast<unsigned char>(c)) ||
                std::string_view("%-._~").find(c) != std::string_view::npos)
        << c;
  }
  EXPECT_EQ(PercentDecode(encoded, true).value(), all);
  EXPECT_EQ(UrlEncode("pr-12_a.b~"), "pr-12_a.b~");
  EXPECT_EQ(QueryString({{"b", "x y"}, {"a", "1&2"}}), "a=1%262&b=x%20y");
  EXPECT_EQ(QueryString({}), "");
}

TEST(HttpMessage, SerializesResponses) {
  Response r;
  r.status = 404;
  r.body = "{}";
  r.headers["X-Request-Id"] = "7";
  r.headers["Content-Length"] = "999";  // written by the serializer, not copied
  r.headers["Bad"] = "a\r\nInjected: 1";
  EXPECT_EQ(SerializeResponse(r),
            "HTTP/1.1 404 Not Found\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
            "Connection: close\r\nX-Request-Id: 7\r\n\r\n{}");
  Response empty;
  empty.status = 204;
  empty.content_type = "";
  empty.body = "ignored";
  EXPECT_EQ(SerializeResponse(empty), "HTTP/1.1 204 No Content\r\nConnection: close\r\n\r\n");
}

TEST(HttpMessage, ErrorResponseIsValidJsonForAnyMessage) {
  Response r = ErrorResponse(400, "bad_request", "bad \"x\"\n\x01 caf\xc3\xa9 \xff");
  EXPECT_EQ(r.status, 400);
  EXPECT_EQ(r.content_type, "application/json");
  EXPECT_EQ(r.body,
            "{\"error\":{\"code\":\"bad_request\",\"message\":"
            "\"bad \\\"x\\\"\\n\\u0001 caf\xc3\xa9 \\ufffd\"}}");
}

TEST(HttpMessage, SerializedRequestParsesBack) {
  const std::string wire = SerializeRequest(
      "POST", "/branches?x=1", {{"Content-Type", "application/json"}, {"Host", "evil"}},
      "{\"a\":1}", "127.0.0.1:7432");
  RequestParser p = ParseAll(wire);
  ASSERT_EQ(p.state(), State::kComplete) << p.error_message();
  EXPECT_EQ(p.request().Header("host"), "127.0.0.1:7432");
  EXPECT_EQ(p.request().Header("content-type"), "application/json");
  EXPECT_EQ(p.request().Header("connection"), "close");
  EXPECT_EQ(p.request().query.at("x"), "1");
  EXPECT_EQ(p.request().body, "{\"a\":1}");
  EXPECT_EQ(SerializeRequest("GET", "/", {}, "", "h").find("Content-Length"), std::string::npos);
}

// ---- ResponseParser ----

TEST(HttpMessage, ResponseWithContentLengthAtEveryCut) {
  const std::string wire =
      "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n"
      "{\"ok\":true}";
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    ResponseParser p;
    p.Feed(std::string_view(wire).substr(0, cut));
    ASSERT_EQ(p.Feed(std::string_view(wire).substr(cut)), ResponseParser::State::kComplete)
        << cut << ": " << p.error_message();
    EXPECT_EQ(p.response().status, 201);
    EXPECT_EQ(p.response().content_type, "application/json");
    EXPECT_EQ(p.response().body, "{\"ok\":true}");
  }
}

TEST(HttpMessage, ResponseChunkedAtEveryCut) {
  const std::string wire =
      "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
      "5;ext=1\r\nhello\r\n1\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer: x\r\n\r\n";
  for (size_t cut = 0; cut <= wire.size(); ++cut) {
    ResponseParser p;
    p.Feed(std::string_view(wire).substr(0, cut));
    ASSERT_EQ(p.Feed(std::string_view(wire).substr(cut)), ResponseParser::State::kComplete)
        << cut << ": " << p.error_message();
    EXPECT_EQ(p.response().body, "hello 0123456789");
  }
}

TEST(HttpMessage, ResponseUntilEofAndNoBodyCases) {
  ResponseParser eof;
  EXPECT_EQ(eof.Feed("HTTP/1.0 200 OK\r\n\r\npart one, "), ResponseParser::State::kNeedMore);
  eof.Feed("part two");
  EXPECT_EQ(eof.FeedEof(), ResponseParser::State::kComplete);
  EXPECT_EQ(eof.response().body, "part one, part two");

  ResponseParser no_content;
  EXPECT_EQ(no_content.Feed("HTTP/1.1 204 No Content\r\n\r\n"), ResponseParser::State::kComplete);
  ResponseParser head(/*response_to_head=*/true);
  EXPECT_EQ(head.Feed("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n"),
            ResponseParser::State::kComplete);
  EXPECT_EQ(head.response().body, "");

  ResponseParser interim;
  interim.Feed("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
  ASSERT_EQ(interim.state(), ResponseParser::State::kComplete);
  EXPECT_EQ(interim.response().status, 200);
  EXPECT_EQ(interim.response().body, "ok");
}

TEST(HttpMessage, ResponseErrors) {
  ResponseParser cut_short;
  cut_short.Feed("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
  EXPECT_EQ(cut_short.FeedEof(), ResponseParser::State::kError);
  for (const char* bad : {"SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 20 OK\r\n\r\n",
                          "HTTP/1.1 abc OK\r\n\r\n", "HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n",
                          "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"}) {
    ResponseParser p;
    EXPECT_EQ(p.Feed(bad), ResponseParser::State::kError) << bad;
    EXPECT_FALSE(p.error_message().empty());
  }
  ResponseParser too_big(false, kDefaultMaxHeaderBytes, 4);
  EXPECT_EQ(too_big.Feed("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n"),
            ResponseParser::State::kError);
}

}  // namespace
}  // namespace spur::http
