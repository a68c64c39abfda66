#include "pg/copy_stream.h"

#include <libpq-fe.h>

namespace spur::pg {
namespace {

std::string FirstLine(const char* msg) {
  std::string s = msg ? msg : "";
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// Reads the results after a COPY finished; the last error, if any, wins.
Status FinishCommand(pg_conn* conn, const char* what) {
  Status st;
  while (PGresult* res = PQgetResult(conn)) {
    ExecStatusType code = PQresultStatus(res);
    if (code != PGRES_COMMAND_OK && code != PGRES_TUPLES_OK) {
      st = Internal(std::string(what) + " failed: " + FirstLine(PQresultErrorMessage(res)));
    }
    PQclear(res);
  }
  return st;
}

// Sends `sql` and waits until the server is in `want` copy state.
Status BeginCopy(pg_conn* conn, const std::string& sql, ExecStatusType want) {
  if (!PQsendQuery(conn, sql.c_str())) {
    return Unavailable("cannot send COPY: " + FirstLine(PQerrorMessage(conn)));
  }
  PGresult* res = PQgetResult(conn);
  if (res == nullptr) return Internal("COPY returned no result");
  ExecStatusType code = PQresultStatus(res);
  std::string err = FirstLine(PQresultErrorMessage(res));
  PQclear(res);
  if (code == want) return Status::Ok();
  while (PGresult* more = PQgetResult(conn)) PQclear(more);
  return Internal("COPY failed: " + (err.empty() ? std::string("unexpected result") : err));
}

}  // namespace

Result<CopyOut> CopyOut::Start(Connection& conn, const std::string& sql) {
  RETURN_IF_ERROR(BeginCopy(conn.raw(), sql, PGRES_COPY_OUT));
  return CopyOut(conn);
}

CopyOut::CopyOut(CopyOut&& other) noexcept
    : conn_(other.conn_), buffer_(other.buffer_), done_(other.done_) {
  other.buffer_ = nullptr;
  other.done_ = true;
}

void CopyOut::Release() {
  if (buffer_ != nullptr) PQfreemem(buffer_);
  buffer_ = nullptr;
}

CopyOut::~CopyOut() {
  Release();
  if (!done_ && conn_ != nullptr) {
    // Abandoned mid-stream: cancel and drain so the connection is usable.
    if (PGcancel* cancel = PQgetCancel(conn_->raw())) {
      char err[256];
      PQcancel(cancel, err, sizeof err);
      PQfreeCancel(cancel);
    }
    char* buf = nullptr;
    while (PQgetCopyData(conn_->raw(), &buf, 0) > 0) PQfreemem(buf);
    FinishCommand(conn_->raw(), "COPY").IgnoreError();
  }
}

Result<bool> CopyOut::Next(std::string_view& row) {
  Release();
  if (done_) return false;
  int n = PQgetCopyData(conn_->raw(), &buffer_, 0);
  if (n > 0) {
    row = std::string_view(buffer_, static_cast<size_t>(n));
    return true;
  }
  done_ = true;
  if (n == -2) return Internal("COPY out failed: " + FirstLine(PQerrorMessage(conn_->raw())));
  RETURN_IF_ERROR(FinishCommand(conn_->raw(), "COPY out"));
  return false;
}

Result<CopyIn> CopyIn::Start(Connection& conn, const std::string& sql) {
  RETURN_IF_ERROR(BeginCopy(conn.raw(), sql, PGRES_COPY_IN));
  return CopyIn(conn);
}

CopyIn::~CopyIn() {
  if (open_) Abort("abandoned");
}

Status CopyIn::Put(std::string_view data) {
  if (!open_) return Internal("COPY in already ended");
  if (PQputCopyData(conn_->raw(), data.data(), static_cast<int>(data.size())) != 1) {
    return Unavailable("COPY in failed: " + FirstLine(PQerrorMessage(conn_->raw())));
  }
  return Status::Ok();
}

Status CopyIn::End() {
  if (!open_) return Internal("COPY in already ended");
  open_ = false;
  if (PQputCopyEnd(conn_->raw(), nullptr) != 1) {
    return Unavailable("COPY in failed: " + FirstLine(PQerrorMessage(conn_->raw())));
  }
  return FinishCommand(conn_->raw(), "COPY in");
}

void CopyIn::Abort(const std::string& reason) {
  if (!open_) return;
  open_ = false;
  PQputCopyEnd(conn_->raw(), reason.c_str());
  FinishCommand(conn_->raw(), "COPY in").IgnoreError();
}

}  // namespace spur::pg
