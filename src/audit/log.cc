#include "audit/log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <functional>
#include <string_view>
#include <utility>

#include "audit/summary.h"
#include "common/crypto.h"

namespace spur::audit {
namespace {

Status Errno(const std::string& what, const std::string& path) {
  return Internal(what + " audit log " + path + ": " + std::strerror(errno));
}

// Closes the descriptor (and so drops its flock) on scope exit.
class ScopedFd {
 public:
  explicit ScopedFd(int fd) : fd_(fd) {}
  ScopedFd(const ScopedFd&) = delete;
  ScopedFd& operator=(const ScopedFd&) = delete;
  ~ScopedFd() {
    if (fd_ >= 0) ::close(fd_);
  }
  int get() const { return fd_; }

 private:
  int fd_;
};

Result<int> OpenLocked(const std::string& path, int flags, int lock) {
  int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("audit log " + path + " does not exist");
    return Errno("cannot open", path);
  }
  while (::flock(fd, lock) != 0) {
    if (errno == EINTR) continue;
    Status st = Errno("cannot lock", path);
    ::close(fd);
    return st;
  }
  return fd;
}

Status ReadAt(int fd, char* buf, size_t n, off_t offset, const std::string& path) {
  size_t done = 0;
  while (done < n) {
    ssize_t got = ::pread(fd, buf + done, n - done, offset + static_cast<off_t>(done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) return Errno("cannot read", path);
    if (got == 0) return Internal("audit log " + path + " shrank while being read");
    done += static_cast<size_t>(got);
  }
  return Status::Ok();
}

// The end of the file: where its complete lines end and the last of them.
struct Tail {
  off_t size = 0;
  off_t complete_end = 0;  // just past the last '\n'; < size when the tail is torn
  std::string last_line;   // without its '\n'; "" when there is no complete line
};

// Reads backwards from the end, only as far as the last complete line.
Result<Tail> ReadTail(int fd, const std::string& path) {
  struct stat st;
  if (::fstat(fd, &st) != 0) return Errno("cannot stat", path);
  Tail tail;
  tail.size = st.st_size;
  std::string buf;  // the bytes [pos, size)
  off_t pos = tail.size;
  size_t chunk = 4096;
  for (;;) {
    size_t nl = buf.rfind('\n');
    if (nl != std::string::npos) {
      size_t before = nl == 0 ? std::string::npos : buf.rfind('\n', nl - 1);
      if (before != std::string::npos || pos == 0) {
        size_t begin = before == std::string::npos ? 0 : before + 1;
        tail.complete_end = pos + static_cast<off_t>(nl) + 1;
        tail.last_line = buf.substr(begin, nl - begin);
        return tail;
      }
    } else if (pos == 0) {
      return tail;  // no complete line at all
    }
    size_t n = static_cast<size_t>(std::min<off_t>(pos, static_cast<off_t>(chunk)));
    std::string piece(n, '\0');
    RETURN_IF_ERROR(ReadAt(fd, piece.data(), n, pos - static_cast<off_t>(n), path));
    buf.insert(0, piece);
    pos -= static_cast<off_t>(n);
    chunk = std::min<size_t>(chunk * 2, size_t{1} << 20);
  }
}

// Calls `line_fn(line, line_number)` for each complete line until it returns
// false. Returns whether the file ends in an incomplete line (only meaningful
// when every line was visited).
Result<bool> ScanLines(int fd, const std::string& path,
                       const std::function<bool(std::string_view, int64_t)>& line_fn) {
  std::string pending;
  char buf[65536];
  int64_t line_number = 0;
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot read", path);
    if (n == 0) break;
    pending.append(buf, static_cast<size_t>(n));
    size_t start = 0;
    for (size_t nl; (nl = pending.find('\n', start)) != std::string::npos; start = nl + 1) {
      if (!line_fn(std::string_view(pending).substr(start, nl - start), ++line_number)) {
        return false;
      }
    }
    pending.erase(0, start);
  }
  return !pending.empty();
}

// Calls `fn(begin, length, line)` for each complete line of the first `size`
// bytes, last first, until it returns false; bytes after the last '\n' (a
// torn tail) are skipped. `line` holds the line when it is at most `max_held`
// bytes long and is empty otherwise (the caller reads such a line from the
// file itself). Reads backwards in 64 KiB chunks: memory is O(chunk +
// max_held) whatever the size of the file.
Status ReverseLines(int fd, const std::string& path, off_t size, size_t max_held,
                    const std::function<bool(off_t, off_t, std::string_view)>& fn) {
  constexpr size_t kChunk = 64 * 1024;
  std::string chunk(kChunk, '\0');
  std::string held;        // the bytes of the current line read so far
  bool oversized = false;  // the current line is longer than max_held
  off_t line_end = -1;     // the '\n' that ends the current line; -1 in the torn tail
  off_t pos = size;        // bytes at and after pos are done
  auto keep = [&](const char* data, size_t n, off_t begin) {
    if (line_end < 0 || oversized) return;
    if (line_end - begin > static_cast<off_t>(max_held)) {
      oversized = true;
      std::string().swap(held);
      return;
    }
    held.insert(0, data, n);
  };
  // The '\n' at `nl` ends the line before it and begins (after it) the one
  // being read; emits that one. Returns whether to go on.
  auto at_newline = [&](off_t nl) {
    bool go_on = true;
    if (line_end >= 0)
      go_on =
          fn(nl + 1, line_end - nl - 1, oversized ? std::string_view() : std::string_view(held));
    held.clear();
    oversized = false;
    line_end = nl;
    return go_on;
  };
  while (pos > 0) {
    size_t n = static_cast<size_t>(std::min<off_t>(pos, static_cast<off_t>(kChunk)));
    const off_t base = pos - static_cast<off_t>(n);
    RETURN_IF_ERROR(ReadAt(fd, chunk.data(), n, base, path));
    size_t i = n;  // chunk[0, i) not yet looked at
    while (i > 0) {
      const void* found = ::memrchr(chunk.data(), '\n', i);
      if (found == nullptr) {
        keep(chunk.data(), i, base);
        break;
      }
      size_t k = static_cast<size_t>(static_cast<const char*>(found) - chunk.data());
      keep(chunk.data() + k + 1, i - k - 1, base + static_cast<off_t>(k) + 1);
      if (!at_newline(base + static_cast<off_t>(k))) return Status::Ok();
      i = k;
    }
    pos = base;
  }
  at_newline(-1);  // the first line of the file
  return Status::Ok();
}

// Reads the top-level fields of one record from a stream without building
// its detail (SAX: no recursion, nothing kept below the top level).
class RecordFieldsSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit RecordFieldsSax(AuditRecord* r) : r_(r) {}
  bool null() override { return true; }
  bool boolean(bool) override { return true; }
  bool number_integer(number_integer_t v) override { return Int(v); }
  bool number_unsigned(number_unsigned_t v) override { return Int(static_cast<int64_t>(v)); }
  bool number_float(number_float_t, const string_t&) override { return true; }
  bool binary(binary_t&) override { return true; }
  bool string(string_t& v) override {
    if (depth_ != 1) return true;
    for (auto [name, field] : {std::pair{"actor", &r_->actor},
                               {"action", &r_->action},
                               {"target", &r_->target},
                               {"result", &r_->result},
                               {"prev", &r_->prev},
                               {"hash", &r_->hash}}) {
      if (key_ == name) {
        *field = Truncate(v, kMaxRecordBytes);
      }
    }
    return true;
  }
  bool start_object(std::size_t) override { return ++depth_, true; }
  bool end_object() override { return --depth_, true; }
  bool start_array(std::size_t) override { return ++depth_, true; }
  bool end_array() override { return --depth_, true; }
  bool key(string_t& k) override {
    if (depth_ == 1) key_ = k;
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception&) override {
    return false;
  }

 private:
  bool Int(int64_t v) {
    if (depth_ == 1 && key_ == "seq") r_->seq = v;
    if (depth_ == 1 && key_ == "time") r_->time = v;
    return true;
  }
  AuditRecord* r_;
  int depth_ = 0;
  std::string key_;
};

// The record on the line [begin, begin + length) of `path`, parsed as a
// stream; its detail is left out. InvalidArgument when it is not a record.
Result<AuditRecord> ReadLongRecord(const std::string& path, off_t begin, off_t length) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Internal("cannot reopen audit log " + path);
  in.seekg(begin);
  AuditRecord r;
  r.seq = 0;
  RecordFieldsSax sax(&r);
  bool ok = nlohmann::json::sax_parse(in, &sax, nlohmann::json::input_format_t::json,
                                      /*strict=*/false);
  if (!ok || r.seq <= 0 || r.hash.empty() || r.action.empty()) {
    return InvalidArgument("not an audit record");
  }
  r.detail = {{"omitted_bytes", length}};
  return r;
}

Status SyncDirectoryOf(const std::string& path) {
  size_t slash = path.rfind('/');
  std::string dir = slash == std::string::npos ? "." : slash == 0 ? "/" : path.substr(0, slash);
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Errno("cannot open the directory of", path);
  ScopedFd closer(fd);
  if (::fsync(fd) != 0) return Errno("cannot fsync the directory of", path);
  return Status::Ok();
}

bool Matches(const AuditFilter& f, const AuditRecord& r) {
  if (f.since && r.time < *f.since) return false;
  if (f.until && r.time > *f.until) return false;
  if (!f.actor.empty() && r.actor != f.actor) return false;
  if (!f.target.empty() && r.target != f.target) return false;
  return r.action.compare(0, f.action.size(), f.action) == 0;
}

// The record on one line, or why it is not one ("line 5 is not valid JSON").
struct ParsedLine {
  nlohmann::json json;
  Result<AuditRecord> record = InvalidArgument("");
};

ParsedLine ParseLine(std::string_view line, int64_t line_number) {
  ParsedLine p;
  p.json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (p.json.is_discarded()) {
    p.record = InvalidArgument("line " + std::to_string(line_number) + " is not valid JSON");
    return p;
  }
  p.record = RecordFromJson(p.json);
  if (!p.record.ok()) {
    p.record = InvalidArgument("line " + std::to_string(line_number) + " is not an audit record (" +
                               p.record.status().message() + ")");
  }
  return p;
}

Status WriteOnce(int fd, const std::string& line, const std::string& path) {
  for (;;) {
    ssize_t n = ::write(fd, line.data(), line.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno("cannot write to", path);
    if (static_cast<size_t>(n) != line.size()) {
      return Internal("short write to audit log " + path + " (" + std::to_string(n) + " of " +
                      std::to_string(line.size()) + " bytes); is the disk full?");
    }
    return Status::Ok();
  }
}

// Cuts what the caller gave to the documented bounds (see Append in log.h).
void Bound(AuditRecord& r) {
  r.actor = Truncate(r.actor, 256);
  r.action = Truncate(r.action, 128);
  r.target = Truncate(r.target, 256);
  r.result = Truncate(r.result, 1024);
  constexpr size_t kMaxDetailBytes = 2048;
  const std::string detail = CanonicalJson(r.detail);
  if (detail.size() > kMaxDetailBytes) {
    r.detail = {{"truncated", true},
                {"bytes", detail.size()},
                {"sha256", Sha256Hex(detail)},
                {"summary", Summarize(r.detail, SummaryLimits{64, 8, 2, 1024})}};
  }
}

// The last resort when the line is still over kMaxRecordBytes (strings full
// of characters that JSON escapes six times over): short strings, no summary.
void BoundHard(AuditRecord& r) {
  for (std::string* s : {&r.actor, &r.action, &r.target, &r.result}) *s = Truncate(*s, 64);
  nlohmann::json small = {{"truncated", true}};
  if (r.detail.contains("bytes")) small["bytes"] = r.detail["bytes"];
  if (r.detail.contains("sha256")) small["sha256"] = r.detail["sha256"];
  r.detail = std::move(small);
}

// The line for `r` (its hash filled in), within kMaxRecordBytes.
std::string LineFor(AuditRecord& r) {
  Bound(r);
  for (bool hard : {false, true}) {
    if (hard) BoundHard(r);
    nlohmann::json j = RecordToJson(r, /*with_hash=*/false);
    r.hash = HashOf(j);
    j["hash"] = r.hash;
    std::string line = CanonicalJson(j) + "\n";
    if (line.size() <= kMaxRecordBytes || hard) return line;
  }
  return {};  // not reached
}

}  // namespace

Result<AuditLog> AuditLog::Open(const std::string& path) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd >= 0) {
    ScopedFd closer(fd);
    if (::fsync(fd) != 0) return Errno("cannot fsync", path);
    RETURN_IF_ERROR(SyncDirectoryOf(path));
    return AuditLog(path);
  }
  if (errno != EEXIST) return Errno("cannot create", path);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return Errno("cannot stat", path);
  if (!S_ISREG(st.st_mode)) {
    return Internal("audit log " + path + " is not a regular file; move it away");
  }
  return AuditLog(path);
}

Result<AuditRecord> AuditLog::Append(AuditRecord r) {
  if (r.action.empty()) return InvalidArgument("an audit record needs an action");
  ASSIGN_OR_RETURN(int raw_fd, OpenLocked(path_, O_RDWR | O_APPEND, LOCK_EX));
  ScopedFd fd(raw_fd);
  ASSIGN_OR_RETURN(Tail tail, ReadTail(fd.get(), path_));
  if (tail.complete_end < tail.size) {
    // An append that crashed half-way; it was never acknowledged, so drop it.
    if (::ftruncate(fd.get(), tail.complete_end) != 0) return Errno("cannot truncate", path_);
  }
  r.seq = 1;
  r.prev = kGenesisHash;
  if (tail.complete_end > 0) {
    ParsedLine last = ParseLine(tail.last_line, 0);
    if (!last.record.ok()) {
      return FailedPrecondition("audit log " + path_ +
                                ": the last line is not an audit record, so nothing can be "
                                "chained to it; run `spur audit verify` and repair the log");
    }
    r.seq = last.record->seq + 1;
    r.prev = last.record->hash;
  }
  const std::string line = LineFor(r);
  Status written = WriteOnce(fd.get(), line, path_);
  if (!written.ok()) {
    // Leave no partial line behind; the next Append would cut it off anyway.
    if (::ftruncate(fd.get(), tail.complete_end) != 0) {
      return written.WithContext("and cannot truncate again");
    }
    return written;
  }
  if (::fdatasync(fd.get()) != 0) return Errno("cannot fdatasync", path_);
  // The record as stored (bad UTF-8 replaced).
  ParsedLine stored = ParseLine(std::string_view(line).substr(0, line.size() - 1), 0);
  if (!stored.record.ok()) return Internal("audit log: wrote an unreadable record");
  return std::move(stored.record).value();
}

Status AuditLog::Scan(const AuditFilter& f, const Visitor& visit) const {
  ASSIGN_OR_RETURN(int raw_fd, OpenLocked(path_, O_RDONLY, LOCK_SH));
  ScopedFd fd(raw_fd);
  struct stat st;
  if (::fstat(fd.get(), &st) != 0) return Errno("cannot stat", path_);
  Status bad;
  size_t visited = 0;
  RETURN_IF_ERROR(ReverseLines(fd.get(), path_, st.st_size, kMaxReadLineBytes,
                               [&](off_t begin, off_t length, std::string_view line) {
                                 Result<AuditRecord> r = InvalidArgument("");
                                 if (static_cast<size_t>(length) > kMaxReadLineBytes) {
                                   r = ReadLongRecord(path_, begin, length);
                                 } else {
                                   r = ParseLine(line, 0).record;
                                   if (r.ok()) r->detail = Summarize(r->detail, kReadLimits);
                                 }
                                 if (!r.ok()) {
                                   bad = FailedPrecondition(
                                       "audit log " + path_ + ": the line at byte " +
                                       std::to_string(begin) +
                                       " is not an audit record; run `spur audit --verify`");
                                   return false;
                                 }
                                 if (f.before && r->seq >= *f.before) return true;
                                 if (!Matches(f, *r)) return true;
                                 ++visited;
                                 return visit(*r) && (f.limit == 0 || visited < f.limit);
                               }));
  return bad;
}

Result<std::vector<AuditRecord>> AuditLog::List(const AuditFilter& f) const {
  std::vector<AuditRecord> out;
  RETURN_IF_ERROR(Scan(f, [&](const AuditRecord& r) {
    out.push_back(r);
    return true;
  }));
  std::reverse(out.begin(), out.end());
  return out;
}

Result<VerifyReport> AuditLog::Verify() const {
  ASSIGN_OR_RETURN(int raw_fd, OpenLocked(path_, O_RDONLY, LOCK_SH));
  ScopedFd fd(raw_fd);
  VerifyReport report;
  report.last_hash = kGenesisHash;
  auto fail = [&](int64_t seq, std::string problem) {
    report.ok = false;
    report.first_bad_seq = seq;
    report.problem = std::move(problem);
    return false;
  };
  Result<bool> torn = ScanLines(fd.get(), path_, [&](std::string_view line, int64_t n) {
    const int64_t expected = report.records + 1;
    ParsedLine p = ParseLine(line, n);
    if (!p.record.ok()) return fail(expected, p.record.status().message());
    const AuditRecord& r = *p.record;
    const std::string seq = std::to_string(r.seq);
    if (r.seq != expected) {
      return fail(expected, "record " + std::to_string(expected) +
                                " is missing or out of order (expected seq " +
                                std::to_string(expected) + ", found " + seq + ")");
    }
    if (HashOf(p.json) != r.hash)
      return fail(r.seq, "record " + seq + " was modified (hash mismatch)");
    if (r.prev != report.last_hash) {
      return fail(r.seq, r.seq == 1 ? "record 1 does not start a chain (prev is not 64 zeros)"
                                    : "record " + seq + " does not follow record " +
                                          std::to_string(r.seq - 1) + " (prev hash mismatch)");
    }
    ++report.records;
    report.last_hash = r.hash;
    return true;
  });
  if (!torn.ok()) return torn.status();
  report.torn_tail = report.ok && *torn;
  return report;
}

}  // namespace spur::audit
