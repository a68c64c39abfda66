#include "audit/log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <deque>
#include <functional>
#include <string_view>
#include <utility>

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
  nlohmann::json j = RecordToJson(r, /*with_hash=*/false);
  r.hash = HashOf(j);
  j["hash"] = r.hash;
  const std::string line = CanonicalJson(j) + "\n";
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

Result<std::vector<AuditRecord>> AuditLog::List(const AuditFilter& f) const {
  ASSIGN_OR_RETURN(int raw_fd, OpenLocked(path_, O_RDONLY, LOCK_SH));
  ScopedFd fd(raw_fd);
  std::deque<AuditRecord> matches;
  Status bad;
  Result<bool> scanned = ScanLines(fd.get(), path_, [&](std::string_view line, int64_t n) {
    ParsedLine p = ParseLine(line, n);
    if (!p.record.ok()) {
      bad = FailedPrecondition("audit log " + path_ + ": " + p.record.status().message() +
                               "; run `spur audit verify`");
      return false;
    }
    if (!Matches(f, *p.record)) return true;
    matches.push_back(std::move(p.record).value());
    if (f.limit > 0 && matches.size() > f.limit) matches.pop_front();
    return true;
  });
  if (!scanned.ok()) return scanned.status();
  RETURN_IF_ERROR(bad);
  return std::vector<AuditRecord>(std::make_move_iterator(matches.begin()),
                                  std::make_move_iterator(matches.end()));
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
