// COPY streams over a Connection: rows out of `COPY ... TO STDOUT`, bytes into
// `COPY ... FROM STDIN`, without materialising a table in memory. One stream
// at a time per connection; the connection must outlive the stream. Not
// thread-safe (one connection, one thread).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "pg/conn.h"

namespace spur::pg {

class CopyOut {
 public:
  // Sends `sql` (a COPY ... TO STDOUT) and waits for the copy to begin.
  [[nodiscard]] static Result<CopyOut> Start(Connection& conn, const std::string& sql);
  CopyOut(CopyOut&& other) noexcept;
  CopyOut& operator=(CopyOut&&) = delete;
  ~CopyOut();

  // The next row (text format: one line with its '\n'); valid until the next
  // call. Returns false at the end of the data, after which the command's
  // result has been read and checked.
  [[nodiscard]] Result<bool> Next(std::string_view& row);

 private:
  explicit CopyOut(Connection& conn) : conn_(&conn) {}
  void Release();
  Connection* conn_;
  char* buffer_ = nullptr;
  bool done_ = false;
};

class CopyIn {
 public:
  // Sends `sql` (a COPY ... FROM STDIN) and waits for the copy to begin.
  [[nodiscard]] static Result<CopyIn> Start(Connection& conn, const std::string& sql);
  CopyIn(CopyIn&& other) noexcept : conn_(other.conn_), open_(other.open_) { other.open_ = false; }
  CopyIn& operator=(CopyIn&&) = delete;
  // Aborts the copy if neither End() nor Abort() was called.
  ~CopyIn();

  // Queues bytes (whole rows or parts of rows) for the server.
  [[nodiscard]] Status Put(std::string_view data);
  // Ends the copy and checks the server's result (constraint errors show here).
  [[nodiscard]] Status End();
  // Ends the copy with an error, so the server rolls the COPY back.
  void Abort(const std::string& reason);

 private:
  explicit CopyIn(Connection& conn) : conn_(&conn), open_(true) {}
  Connection* conn_;
  bool open_;
};

}  // namespace spur::pg
