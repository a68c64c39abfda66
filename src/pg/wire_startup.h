// The startup phase of PostgreSQL's frontend/backend protocol (v3), as a
// proxy in front of postgres sees it: the first packet a client sends
// (SSLRequest, GSSENCRequest, StartupMessage or CancelRequest), decoded from
// bytes, and the few messages the proxy answers with itself. Pure functions,
// no sockets; safe to call from any thread.
//
// Every packet is an int32 length (big-endian, counting itself) and an int32
// code, then, for a StartupMessage, name/value pairs of NUL-terminated
// strings ended by one more NUL. Limits and checks are postgres's own
// (postmaster.c ProcessStartupPacket): at most 10000 bytes, protocol major 3,
// "user" required, the last byte the terminator. One check is stricter: a
// parameter named twice is refused, because postgres keeps the last one and a
// proxy that routes on the first would route one way and log in another.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace spur::pg::wire {

inline constexpr size_t kMaxStartupPacket = 10000;
inline constexpr uint32_t kCancelRequestCode = (1234u << 16) | 5678;
inline constexpr uint32_t kSslRequestCode = (1234u << 16) | 5679;
inline constexpr uint32_t kGssEncRequestCode = (1234u << 16) | 5680;

// The big-endian int32 at `p` (every length and code on the wire); the
// caller has checked that 4 bytes are there.
inline uint32_t ReadUint32(const char* p) {
  const auto* u = reinterpret_cast<const unsigned char*>(p);
  return (uint32_t{u[0]} << 24) | (uint32_t{u[1]} << 16) | (uint32_t{u[2]} << 8) | u[3];
}

// The SQLSTATEs a proxy answers the startup phase with.
namespace sqlstate {
inline constexpr std::string_view kProtocolViolation = "08P01";
inline constexpr std::string_view kFeatureNotSupported = "0A000";
inline constexpr std::string_view kInvalidAuthorization = "28000";
inline constexpr std::string_view kInvalidPassword = "28P01";
inline constexpr std::string_view kInvalidCatalogName = "3D000";  // no such database (branch)
inline constexpr std::string_view kTooManyConnections = "53300";
inline constexpr std::string_view kCannotConnectNow = "57P03";
inline constexpr std::string_view kConnectionFailure = "08006";
}  // namespace sqlstate

// What the peer is told when the proxy refuses it: an ErrorResponse.
struct WireError {
  std::string sqlstate;
  std::string message;
  std::string detail;  // optional
  std::string hint;    // optional
};

using Parameters = std::vector<std::pair<std::string, std::string>>;

struct StartupPacket {
  enum class Kind { kSslRequest, kGssEncRequest, kStartup, kCancel };
  Kind kind = Kind::kStartup;
  uint16_t minor = 0;      // kStartup: the protocol's minor version (the major is 3)
  Parameters parameters;   // kStartup: in the order sent, names unique, "user" among them
  int32_t cancel_pid = 0;  // kCancel: the backend and its secret key
  int32_t cancel_key = 0;

  // The value of parameter `name`, or nullptr.
  const std::string* Find(std::string_view name) const;
};

struct Decoded {
  enum class State {
    kNeedMore,  // `in` holds less than one whole packet: read more, call again
    kPacket,    // `packet` is the first `size` bytes of `in`
    kError,     // refuse the client with `error`; nothing of `in` is usable
  };
  State state = State::kNeedMore;
  size_t size = 0;
  StartupPacket packet;
  WireError error;
};

// Decodes the packet at the front of `in`. Never reads past `in`, never
// allocates more than the packet's declared length (at most 10000 bytes).
// Errors: 08P01 for a length out of range, a malformed layout, a duplicate or
// a CancelRequest/SSLRequest of the wrong size; 0A000 for a protocol other
// than 3.x; 28000 for a StartupMessage without "user". A decision to refuse
// is made as soon as the bytes seen prove it (a bad length after 4 bytes).
Decoded DecodeStartupPacket(std::string_view in);

// A StartupMessage for protocol 3.`minor` with `parameters` in order (what
// the proxy forwards to the backend, routing parameters taken out). Names
// must be non-empty and no string may hold a NUL (DecodeStartupPacket's
// output satisfies both); the result may exceed 10000 bytes only if the
// input did.
std::string EncodeStartupMessage(uint16_t minor, const Parameters& parameters);

// A CancelRequest for backend `pid` with its secret `key`.
std::string EncodeCancelRequest(int32_t pid, int32_t key);

// An ErrorResponse: severity (both S and V fields), code, message, then
// detail and hint when set. NUL bytes in the texts are dropped (they would
// end a field early) and each text is cut at 1000 bytes.
std::string EncodeErrorResponse(const WireError& error, std::string_view severity = "FATAL");

// The words of a StartupMessage's "options" as postgres reads them
// (pg_split_opts): separated by ASCII white space, a backslash makes the next
// byte part of the word. Never yields an empty word.
std::vector<std::string> SplitOptions(std::string_view options);

// The inverse of SplitOptions for non-empty words: white space and
// backslashes escaped, words joined by one space.
std::string JoinOptions(const std::vector<std::string>& words);

}  // namespace spur::pg::wire
