// The startup phase of the PostgreSQL wire protocol (pg/wire_startup.h): the
// first bytes any client of spur's proxy sends. Properties: a decoded packet
// is at most the input and at most 10000 bytes; no shorter prefix of it
// decodes to a packet; a StartupMessage re-encodes to the same bytes and a
// CancelRequest too; a refusal carries a five-character SQLSTATE; the
// ErrorResponse for it is well formed; the "options" words read back from
// their joined form; the proxy's route for it names a valid branch and
// forwards no routing word; the proxy's handshake, fed the input in pieces,
// refuses with well-formed errors and stops once it has decided.
#include "pg/wire_startup.h"

#include <string>
#include <vector>

#include "common/names.h"
#include "fuzz_target.h"
#include "proxy/handshake.h"
#include "proxy/route.h"

namespace spur::fuzz {
namespace {

// An ErrorResponse: 'E', its length, fields of a type byte and a NUL-ended
// text without other NULs, then one NUL.
bool WellFormedError(const std::string& out) {
  if (out.size() < 6 || out[0] != 'E' || out.back() != '\0') return false;
  const auto* p = reinterpret_cast<const unsigned char*>(out.data());
  const uint32_t len =
      (uint32_t{p[1]} << 24) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 8) | p[4];
  if (len + 1 != out.size()) return false;
  size_t at = 5;
  while (out[at] != '\0') {
    const size_t end = out.find('\0', at + 1);
    if (end == std::string::npos || end == at + 1) return false;
    at = end + 1;
  }
  return at + 1 == out.size();
}

// The proxy's routing of the same packet: a route names a valid branch
// and forwards no routing word; a refusal is a well-formed error.
void CheckRoute(const pg::wire::StartupPacket& packet, std::string_view sni) {
  const proxy::RouteOrError r = proxy::RouteStartup(packet, sni, "db.test");
  if (!r.ok) {
    SPUR_FUZZ_CHECK(r.error.sqlstate.size() == 5);
    SPUR_FUZZ_CHECK(WellFormedError(pg::wire::EncodeErrorResponse(r.error)));
    return;
  }
  SPUR_FUZZ_CHECK(ValidateName("branch", r.route.branch).ok());
  for (const auto& [k, v] : r.route.forward) {
    if (k != "options" || r.route.source != "options") continue;
    const std::vector<std::string> words = pg::wire::SplitOptions(v);
    for (size_t i = 0; i < words.size(); ++i) {
      for (const char* prefix : {"--branch=", "--spur.branch=", "-cspur.branch="}) {
        SPUR_FUZZ_CHECK(words[i].rfind(prefix, 0) != 0);
      }
      SPUR_FUZZ_CHECK(!(words[i] == "-c" && i + 1 < words.size() &&
                        words[i + 1].rfind("spur.branch=", 0) == 0));
    }
  }
}

// The proxy's handshake fed the input in pieces of an input-chosen size:
// every refusal is a well-formed error, a StartupMessage it lets through
// has a user, and nothing is accepted once it has decided.
void CheckHandshake(std::string_view in) {
  const size_t piece = in.empty() ? 1 : 1 + static_cast<uint8_t>(in[0]) % 16;
  proxy::Handshake h({.tls_available = in.size() % 2 == 0, .tls_required = in.size() % 3 == 0});
  bool over = false;
  for (size_t at = 0; at < in.size(); at += piece) {
    proxy::Handshake::Step s = h.Feed(in.substr(at, piece));
    while (s.action == proxy::Handshake::Action::kReply) s = h.Feed("");
    using A = proxy::Handshake::Action;
    if (over) SPUR_FUZZ_CHECK(s.action == A::kRefuse);
    if (s.action == A::kRefuse) SPUR_FUZZ_CHECK(WellFormedError(s.reply));
    if (s.action == A::kStartup) SPUR_FUZZ_CHECK(s.packet.Find("user") != nullptr);
    if (s.action == A::kStartTls) h.TlsStarted();
    over = over || s.action == A::kRefuse || s.action == A::kStartup || s.action == A::kCancel;
  }
}

}  // namespace

int FuzzWireStartup(const uint8_t* data, size_t size) {
  namespace w = pg::wire;
  const std::string_view in = AsText(data, size);
  CheckHandshake(in);
  const w::Decoded d = w::DecodeStartupPacket(in);
  if (d.state == w::Decoded::State::kError) {
    SPUR_FUZZ_CHECK(d.error.sqlstate.size() == 5);
    SPUR_FUZZ_CHECK(!d.error.message.empty());
    SPUR_FUZZ_CHECK(WellFormedError(w::EncodeErrorResponse(d.error)));
  }
  if (d.state != w::Decoded::State::kPacket) return 0;
  SPUR_FUZZ_CHECK(d.size >= 8 && d.size <= in.size() && d.size <= w::kMaxStartupPacket);
  for (size_t n : {size_t{0}, size_t{3}, size_t{4}, size_t{7}, d.size / 2, d.size - 1}) {
    if (n < d.size) {
      SPUR_FUZZ_CHECK(w::DecodeStartupPacket(in.substr(0, n)).state != w::Decoded::State::kPacket);
    }
  }
  const std::string_view bytes = in.substr(0, d.size);
  switch (d.packet.kind) {
    case w::StartupPacket::Kind::kStartup: {
      SPUR_FUZZ_CHECK(d.packet.Find("user") != nullptr && !d.packet.Find("user")->empty());
      SPUR_FUZZ_CHECK(w::EncodeStartupMessage(d.packet.minor, d.packet.parameters) == bytes);
      if (const std::string* options = d.packet.Find("options")) {
        const std::vector<std::string> words = w::SplitOptions(*options);
        for (const std::string& word : words) SPUR_FUZZ_CHECK(!word.empty());
        SPUR_FUZZ_CHECK(w::SplitOptions(w::JoinOptions(words)) == words);
      }
      CheckRoute(d.packet, "");
      CheckRoute(d.packet, "pr-1.db.test");
      break;
    }
    case w::StartupPacket::Kind::kCancel:
      SPUR_FUZZ_CHECK(w::EncodeCancelRequest(d.packet.cancel_pid, d.packet.cancel_key) == bytes);
      break;
    case w::StartupPacket::Kind::kSslRequest:
    case w::StartupPacket::Kind::kGssEncRequest:
      SPUR_FUZZ_CHECK(d.size == 8);
      break;
  }
  return 0;
}

}  // namespace spur::fuzz

SPUR_FUZZ_TARGET(FuzzWireStartup)
