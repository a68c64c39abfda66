#include <gtest/gtest.h>

#include <string>

#include "pg/wire_startup.h"
#include "wire_test_bytes.h"

namespace spur::pg::wire {
namespace {

using State = Decoded::State;
using Kind = StartupPacket::Kind;

using wire_test::U32;

// A packet with a correct length in front of `body` (code and the rest).
std::string Packet(const std::string& body) { return U32(4 + body.size()) + body; }

std::string Startup(const std::string& pairs, uint32_t code = 3u << 16) {
  return Packet(U32(code) + pairs + std::string(1, '\0'));
}

std::string Pair(const std::string& name, const std::string& value) {
  return name + std::string(1, '\0') + value + std::string(1, '\0');
}

TEST(PgWireStartup, DecodesWhatLibpqSends) {
  const std::string in =
      Startup(Pair("user", "app") + Pair("database", "shop") + Pair("application_name", "psql") +
              Pair("options", "--branch=pr-1"));
  Decoded d = DecodeStartupPacket(in + "next bytes");
  ASSERT_EQ(d.state, State::kPacket) << d.error.message;
  EXPECT_EQ(d.size, in.size());
  EXPECT_EQ(d.packet.kind, Kind::kStartup);
  EXPECT_EQ(d.packet.minor, 0);
  ASSERT_EQ(d.packet.parameters.size(), 4u);
  EXPECT_EQ(*d.packet.Find("user"), "app");
  EXPECT_EQ(*d.packet.Find("options"), "--branch=pr-1");
  EXPECT_EQ(d.packet.Find("replication"), nullptr);
  EXPECT_EQ(EncodeStartupMessage(d.packet.minor, d.packet.parameters), in);
}

TEST(PgWireStartup, EncryptionAndCancelRequests) {
  Decoded ssl = DecodeStartupPacket(U32(8) + U32(kSslRequestCode));
  ASSERT_EQ(ssl.state, State::kPacket);
  EXPECT_EQ(ssl.packet.kind, Kind::kSslRequest);
  EXPECT_EQ(ssl.size, 8u);
  Decoded gss = DecodeStartupPacket(U32(8) + U32(kGssEncRequestCode));
  ASSERT_EQ(gss.state, State::kPacket);
  EXPECT_EQ(gss.packet.kind, Kind::kGssEncRequest);

  const std::string cancel = EncodeCancelRequest(-5, 123456789);
  Decoded c = DecodeStartupPacket(cancel);
  ASSERT_EQ(c.state, State::kPacket);
  EXPECT_EQ(c.packet.kind, Kind::kCancel);
  EXPECT_EQ(c.packet.cancel_pid, -5);
  EXPECT_EQ(c.packet.cancel_key, 123456789);
  EXPECT_EQ(c.size, 16u);

  EXPECT_EQ(DecodeStartupPacket(Packet(U32(kCancelRequestCode) + U32(1))).error.sqlstate,
            sqlstate::kProtocolViolation);
  EXPECT_EQ(DecodeStartupPacket(Packet(U32(kSslRequestCode) + U32(0))).error.sqlstate,
            sqlstate::kProtocolViolation);
}

TEST(PgWireStartup, EveryPrefixNeedsMore) {
  const std::string in = Startup(Pair("user", "u") + Pair("database", "d"));
  for (size_t n = 0; n < in.size(); ++n) {
    EXPECT_EQ(DecodeStartupPacket(in.substr(0, n)).state, State::kNeedMore) << n;
  }
}

TEST(PgWireStartup, RefusesLengthsOutOfRangeFromTheFirstFourBytes) {
  for (uint32_t len : {0u, 4u, 7u, 10001u, 0x7fffffffu, 0xffffffffu}) {
    Decoded d = DecodeStartupPacket(U32(len));
    EXPECT_EQ(d.state, State::kError) << len;
    EXPECT_EQ(d.error.sqlstate, sqlstate::kProtocolViolation);
  }
  // 10000 is allowed: a packet of exactly that size decodes.
  std::string big = Pair("user", "u") + Pair("x", std::string(10000 - 8 - 7 - 3 - 1, 'v'));
  Decoded d = DecodeStartupPacket(Startup(big));
  EXPECT_EQ(d.state, State::kPacket) << d.error.message;
  EXPECT_EQ(d.size, 10000u);
}

TEST(PgWireStartup, RefusesMalformedLayouts) {
  auto state_of = [](const std::string& in) { return DecodeStartupPacket(in).error.sqlstate; };
  // No terminator after the last pair.
  EXPECT_EQ(state_of(Packet(U32(3u << 16) + Pair("user", "u"))), sqlstate::kProtocolViolation);
  // A name without a value.
  EXPECT_EQ(state_of(Packet(U32(3u << 16) + Pair("user", "u") + "name" + std::string(1, '\0'))),
            sqlstate::kProtocolViolation);
  // Bytes after the terminator.
  EXPECT_EQ(state_of(Packet(U32(3u << 16) + Pair("user", "u") + std::string(1, '\0') + "x" +
                            std::string(1, '\0'))),
            sqlstate::kProtocolViolation);
  // Nothing at all after the code.
  EXPECT_EQ(state_of(Packet(U32(3u << 16))), sqlstate::kProtocolViolation);
}

// Found by the fuzzer: when the packet's last NUL ends a value, there is no
// terminator; the search for the next name ran off the end and restarted at
// the first byte, reading a parameter out of bytes already read.
TEST(PgWireStartup, RefusesAPacketWhoseLastNulEndsAValue) {
  Decoded d =
      DecodeStartupPacket(Packet(U32((3u << 16) | 2) + Pair("user", "u _pq_.x") + Pair("1", "")));
  ASSERT_EQ(d.state, State::kError);
  EXPECT_EQ(d.error.sqlstate, sqlstate::kProtocolViolation);
  EXPECT_EQ(d.error.message, "invalid startup packet layout: expected terminator as last byte");
}

TEST(PgWireStartup, RefusesAParameterNamedTwice) {
  Decoded d = DecodeStartupPacket(
      Startup(Pair("user", "app") + Pair("options", "--branch=a") + Pair("options", "--branch=b")));
  ASSERT_EQ(d.state, State::kError);
  EXPECT_EQ(d.error.sqlstate, sqlstate::kProtocolViolation);
  EXPECT_NE(d.error.message.find("\"options\" appears twice"), std::string::npos);
}

TEST(PgWireStartup, NeedsAUserAndProtocolThree) {
  EXPECT_EQ(DecodeStartupPacket(Startup(Pair("database", "d"))).error.sqlstate,
            sqlstate::kInvalidAuthorization);
  EXPECT_EQ(DecodeStartupPacket(Startup(Pair("user", ""))).error.sqlstate,
            sqlstate::kInvalidAuthorization);
  Decoded v2 = DecodeStartupPacket(Startup(Pair("user", "u"), 2u << 16));
  EXPECT_EQ(v2.error.sqlstate, sqlstate::kFeatureNotSupported);
  EXPECT_EQ(v2.error.message, "unsupported frontend protocol 2.0: server supports 3.0");
  Decoded minor = DecodeStartupPacket(Startup(Pair("user", "u"), (3u << 16) | 2));
  ASSERT_EQ(minor.state, State::kPacket);
  EXPECT_EQ(minor.packet.minor, 2);
}

TEST(PgWireStartup, ErrorResponseFields) {
  WireError e{"3D000", "branch \"x\" does not exist", "", "branches: main, pr-1"};
  const std::string out = EncodeErrorResponse(e);
  ASSERT_EQ(out[0], 'E');
  EXPECT_EQ(out.size(),
            1 + (static_cast<uint32_t>(static_cast<unsigned char>(out[1])) << 24 |
                 static_cast<unsigned char>(out[2]) << 16 |
                 static_cast<unsigned char>(out[3]) << 8 | static_cast<unsigned char>(out[4])));
  const std::string z(1, '\0');
  EXPECT_EQ(out.substr(5), "SFATAL" + z + "VFATAL" + z + "C3D000" + z +
                               "Mbranch \"x\" does not exist" + z + "Hbranches: main, pr-1" + z +
                               z);
}

TEST(PgWireStartup, ErrorResponseDropsNulBytesAndCutsLongTexts) {
  WireError e{"08P01", std::string("a\0b", 3), std::string(5000, 'd'), std::string(1, '\0')};
  const std::string out = EncodeErrorResponse(e);
  EXPECT_NE(out.find(std::string("Mab\0", 4)), std::string::npos);
  EXPECT_NE(out.find("D" + std::string(1000, 'd') + std::string(1, '\0')), std::string::npos);
  EXPECT_EQ(out.find(std::string(1001, 'd')), std::string::npos);
  EXPECT_EQ(out.find(std::string("\0H", 2)), std::string::npos);  // an empty hint is left out
}

TEST(PgWireStartup, SplitsOptionsAsPostgresDoes) {
  using V = std::vector<std::string>;
  EXPECT_EQ(SplitOptions("  --branch=pr-1   -c\tspur.branch=x "),
            (V{"--branch=pr-1", "-c", "spur.branch=x"}));
  EXPECT_EQ(SplitOptions("-c search_path=a\\ b"), (V{"-c", "search_path=a b"}));
  EXPECT_EQ(SplitOptions("a\\\\b \\x"), (V{"a\\b", "x"}));
  EXPECT_EQ(SplitOptions("\\"), V{});
  EXPECT_EQ(SplitOptions(""), V{});
  const V words = {"-c", "a b", "back\\slash", "tab\there"};
  EXPECT_EQ(SplitOptions(JoinOptions(words)), words);
}

}  // namespace
}  // namespace spur::pg::wire
