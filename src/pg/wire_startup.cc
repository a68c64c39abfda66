#include "pg/wire_startup.h"

#include <algorithm>
#include <set>

namespace spur::pg::wire {
namespace {

constexpr size_t kMaxErrorText = 1000;

void AppendU32(std::string& out, uint32_t v) {
  out.push_back(static_cast<char>(v >> 24));
  out.push_back(static_cast<char>(v >> 16));
  out.push_back(static_cast<char>(v >> 8));
  out.push_back(static_cast<char>(v));
}

// Writes the length of the message that starts at `at` (its length field
// at at + length_at) into that field.
void PatchLength(std::string& out, size_t at, size_t length_at) {
  const auto len = static_cast<uint32_t>(out.size() - at - length_at);
  for (int i = 0; i < 4; ++i) {
    out[at + length_at + i] = static_cast<char>(len >> (24 - 8 * i));
  }
}

Decoded Refuse(std::string_view sqlstate, std::string message) {
  Decoded d;
  d.state = Decoded::State::kError;
  d.error.sqlstate = std::string(sqlstate);
  d.error.message = std::move(message);
  return d;
}

bool IsOptionSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

// The name/value pairs of a StartupMessage body (after the code), which
// must end in the terminating NUL.
Decoded ReadParameters(std::string_view body, Decoded d) {
  if (body.empty() || body.back() != '\0') {
    return Refuse(sqlstate::kProtocolViolation,
                  "invalid startup packet layout: expected terminator as last byte");
  }
  std::set<std::string_view> names;  // a set: a packet may hold thousands
  size_t at = 0;
  for (;;) {
    const size_t name_end = body.find('\0', at);
    if (name_end == at) break;                 // the terminator
    if (name_end == std::string_view::npos) {  // the last NUL ended a value
      return Refuse(sqlstate::kProtocolViolation,
                    "invalid startup packet layout: expected terminator as last byte");
    }
    const size_t value_end = body.find('\0', name_end + 1);
    if (value_end == std::string_view::npos) {
      return Refuse(sqlstate::kProtocolViolation,
                    "invalid startup packet layout: a parameter has no value");
    }
    const std::string_view name = body.substr(at, name_end - at);
    if (!names.insert(name).second) {
      return Refuse(sqlstate::kProtocolViolation, "parameter \"" + std::string(name.substr(0, 64)) +
                                                      "\" appears twice in the startup packet");
    }
    d.packet.parameters.emplace_back(
        std::string(name), std::string(body.substr(name_end + 1, value_end - name_end - 1)));
    at = value_end + 1;
  }
  if (at + 1 != body.size()) {
    return Refuse(sqlstate::kProtocolViolation,
                  "invalid startup packet layout: expected terminator as last byte");
  }
  const std::string* user = d.packet.Find("user");
  if (user == nullptr || user->empty()) {
    return Refuse(sqlstate::kInvalidAuthorization,
                  "no PostgreSQL user name specified in startup packet");
  }
  return d;
}

void AppendField(std::string& out, char type, std::string_view text) {
  if (text.empty()) return;
  out.push_back(type);
  const size_t start = out.size();
  for (char c : text.substr(0, kMaxErrorText)) {
    if (c != '\0') out.push_back(c);
  }
  if (out.size() == start) {  // nothing left: drop the field
    out.pop_back();
    return;
  }
  out.push_back('\0');
}

}  // namespace

const std::string* StartupPacket::Find(std::string_view name) const {
  for (const auto& [k, v] : parameters) {
    if (k == name) return &v;
  }
  return nullptr;
}

Decoded DecodeStartupPacket(std::string_view in) {
  if (in.size() < 4) return Decoded{};
  const uint32_t len = ReadUint32(in.data() + 0);
  if (len < 8 || len > kMaxStartupPacket) {
    return Refuse(sqlstate::kProtocolViolation, "invalid length of startup packet");
  }
  if (in.size() < len) return Decoded{};
  const uint32_t code = ReadUint32(in.data() + 4);
  Decoded d;
  d.state = Decoded::State::kPacket;
  d.size = len;
  if (code == kSslRequestCode || code == kGssEncRequestCode) {
    if (len != 8)
      return Refuse(sqlstate::kProtocolViolation, "invalid length of encryption request");
    d.packet.kind = code == kSslRequestCode ? StartupPacket::Kind::kSslRequest
                                            : StartupPacket::Kind::kGssEncRequest;
    return d;
  }
  if (code == kCancelRequestCode) {
    if (len != 16) return Refuse(sqlstate::kProtocolViolation, "invalid length of cancel request");
    d.packet.kind = StartupPacket::Kind::kCancel;
    d.packet.cancel_pid = static_cast<int32_t>(ReadUint32(in.data() + 8));
    d.packet.cancel_key = static_cast<int32_t>(ReadUint32(in.data() + 12));
    return d;
  }
  if ((code >> 16) != 3) {
    return Refuse(sqlstate::kFeatureNotSupported,
                  "unsupported frontend protocol " + std::to_string(code >> 16) + "." +
                      std::to_string(code & 0xffff) + ": server supports 3.0");
  }
  d.packet.kind = StartupPacket::Kind::kStartup;
  d.packet.minor = static_cast<uint16_t>(code & 0xffff);
  return ReadParameters(in.substr(8, len - 8), std::move(d));
}

std::string EncodeStartupMessage(uint16_t minor, const Parameters& parameters) {
  std::string out;
  AppendU32(out, 0);
  AppendU32(out, (3u << 16) | minor);
  for (const auto& [name, value] : parameters) {
    out.append(name);
    out.push_back('\0');
    out.append(value);
    out.push_back('\0');
  }
  out.push_back('\0');
  PatchLength(out, 0, 0);
  return out;
}

std::string EncodeCancelRequest(int32_t pid, int32_t key) {
  std::string out;
  AppendU32(out, 16);
  AppendU32(out, kCancelRequestCode);
  AppendU32(out, static_cast<uint32_t>(pid));
  AppendU32(out, static_cast<uint32_t>(key));
  return out;
}

std::string EncodeErrorResponse(const WireError& error, std::string_view severity) {
  std::string out = "E";
  AppendU32(out, 0);
  AppendField(out, 'S', severity);
  AppendField(out, 'V', severity);
  AppendField(out, 'C', error.sqlstate);
  AppendField(out, 'M', error.message.empty() ? std::string_view("error") : error.message);
  AppendField(out, 'D', error.detail);
  AppendField(out, 'H', error.hint);
  out.push_back('\0');
  PatchLength(out, 0, 1);
  return out;
}

std::vector<std::string> SplitOptions(std::string_view options) {
  std::vector<std::string> words;
  size_t i = 0;
  while (i < options.size()) {
    while (i < options.size() && IsOptionSpace(options[i])) ++i;
    if (i == options.size()) break;
    std::string word;
    bool escaped = false;
    for (; i < options.size(); ++i) {
      const char c = options[i];
      if (!escaped && IsOptionSpace(c)) break;
      if (!escaped && c == '\\') {
        escaped = true;
      } else {
        escaped = false;
        word.push_back(c);
      }
    }
    // A word of one lone backslash is empty; postgres would pass it on as
    // an empty argument, which sets nothing.
    if (!word.empty()) words.push_back(std::move(word));
  }
  return words;
}

std::string JoinOptions(const std::vector<std::string>& words) {
  std::string out;
  for (const std::string& word : words) {
    if (word.empty()) continue;
    if (!out.empty()) out.push_back(' ');
    for (char c : word) {
      if (c == '\\' || IsOptionSpace(c)) out.push_back('\\');
      out.push_back(c);
    }
  }
  return out;
}

}  // namespace spur::pg::wire
