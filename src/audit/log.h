// The audit log of a pool: an append-only, hash-chained JSON-lines file
// (record format in audit/record.h). Every mutation through the API leaves a
// "started" record before it runs and an outcome record after.
//
// Durability: Append returns only after its line is on disk (fdatasync). A
// crash in the middle of an Append can leave an incomplete last line; that
// record was never acknowledged, so the next Append cuts it off and Verify
// reports it as a torn tail, not as tampering.
//
// Thread- and process-safety: an AuditLog is just the file's path. Any number
// of AuditLog objects, threads and processes may use the same file at once:
// Append holds an exclusive flock on it, List and Verify a shared one.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "audit/record.h"
#include "common/status.h"

namespace spur::audit {

// The most one record takes on disk, its line included. Append enforces it
// whatever the caller passes (see Append), so no caller can put a request
// body, or anything else unbounded, into the log.
inline constexpr size_t kMaxRecordBytes = 4096;
// Lines longer than this (written before records were bounded) are read
// without their detail, which is never loaded into memory.
inline constexpr size_t kMaxReadLineBytes = 64 * 1024;

// Which records Scan and List return. Empty strings and unset bounds match everything.
struct AuditFilter {
  std::optional<int64_t> since;   // time >= since
  std::optional<int64_t> until;   // time <= until
  std::optional<int64_t> before;  // seq < before (paging back from an earlier answer)
  std::string actor;              // exact
  std::string action;             // a prefix: "branch." matches "branch.create"
  std::string target;             // exact
  size_t limit = 0;               // only the newest `limit` matches; 0 is no limit
};

struct VerifyReport {
  bool ok = true;                        // the chain is intact (a torn tail alone keeps it ok)
  int64_t records = 0;                   // records checked and found good, up to the first problem
  std::optional<int64_t> first_bad_seq;  // the seq where the chain breaks
  // One line when !ok, e.g. "record 7 was modified (hash mismatch)",
  // "record 12 is missing or out of order (expected seq 12, found 13)",
  // "record 9 does not follow record 8 (prev hash mismatch)",
  // "line 5 is not valid JSON".
  std::string problem;
  bool torn_tail = false;  // the file ends in an incomplete line (a crash mid-append)
  // Hash of the last good record (kGenesisHash when there is none). Keeping it
  // elsewhere lets a later check notice records cut off the end or a rewritten chain.
  std::string last_hash;
};

class AuditLog {
 public:
  // Creates the file (mode 0600, directory fsynced) when missing; an existing
  // log is used as is. Internal when it cannot be created or is not a file.
  static Result<AuditLog> Open(const std::string& path);

  // Appends `r` with seq, prev and hash filled in (any values given are
  // ignored) and returns the record as stored. The caller sets time, actor,
  // action (required), target, result and detail. Strings that are not valid
  // UTF-8 are stored with U+FFFD in place of the bad bytes, so no input makes
  // it fail. Bounded: actor, action, target and result are cut (to 256, 128,
  // 256 and 1024 bytes), a detail over 2 KiB is replaced by its size, SHA-256
  // and a short Summarize()d form ("truncated": true), and the stored line
  // is at most kMaxRecordBytes. FailedPrecondition when the last complete
  // line is not a record (run Verify); Internal when the file cannot be
  // locked, read, written or synced.
  Result<AuditRecord> Append(AuditRecord r);

  // Called with each record matching `f`, newest first, until it returns
  // false or `f.limit` records were visited. Streams: the file is read
  // backwards in fixed-size chunks and only as far as needed, so memory does
  // not grow with the size of the log, and a bad line older than the records
  // visited is never looked at. Each record's detail is shown through
  // Summarize(kReadLimits) (records written by this version are unchanged);
  // a line over kMaxReadLineBytes (an old, unbounded record) is parsed as a
  // stream and its detail given as {"omitted_bytes": <line size>}; `hash`
  // is always the stored one. A torn tail is skipped. FailedPrecondition
  // when a line visited is not a record; NotFound when the file is gone.
  using Visitor = std::function<bool(const AuditRecord&)>;
  Status Scan(const AuditFilter& f, const Visitor& visit) const;

  // Scan collected into a vector, oldest first. With f.limit 0 it holds every
  // matching record: meant for tests and small logs; bounded readers (the API)
  // use Scan or a limit.
  Result<std::vector<AuditRecord>> List(const AuditFilter& f) const;

  // Checks the whole chain: seq 1, 2, 3, ...; every hash; every prev link.
  // Stops at the first problem. A Status error only when the file cannot be read.
  Result<VerifyReport> Verify() const;

  const std::string& path() const { return path_; }

 private:
  explicit AuditLog(std::string path) : path_(std::move(path)) {}
  std::string path_;
};

}  // namespace spur::audit
