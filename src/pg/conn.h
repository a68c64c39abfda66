// A libpq connection: connect, run SQL, read rows as strings. Owns its
// PGconn; movable, not copyable; not thread-safe.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/status.h"

struct pg_conn;

namespace spur::pg {

using Row = std::vector<std::optional<std::string>>;  // nullopt = SQL NULL

class Connection {
 public:
  // Connects with a libpq conninfo string or URI. Unavailable on failure,
  // with libpq's message.
  [[nodiscard]] static Result<Connection> Open(const std::string& conninfo);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  ~Connection();

  // Runs one or more statements; the rows of the last one are returned.
  [[nodiscard]] Result<std::vector<Row>> Query(const std::string& sql);
  // Runs one statement with text parameters $1..$n.
  [[nodiscard]] Result<std::vector<Row>> Query(const std::string& sql,
                                               const std::vector<std::string>& params);
  [[nodiscard]] Status Exec(const std::string& sql);
  // First column of the first row, or NotFound when no row.
  [[nodiscard]] Result<std::string> QueryValue(const std::string& sql);

  // SCRAM-SHA-256 verifier of `password` for `role`, computed client-side so
  // the cleartext never reaches the server or its logs.
  [[nodiscard]] Result<std::string> EncryptPassword(const std::string& password,
                                                    const std::string& role);

  std::string QuoteIdentifier(const std::string& id);
  std::string QuoteLiteral(const std::string& value);

  // The libpq handle, for protocol-level work (pg/copy_stream). Owned here.
  pg_conn* raw() { return conn_; }

 private:
  explicit Connection(pg_conn* conn) : conn_(conn) {}
  pg_conn* conn_ = nullptr;
};

// Builds a conninfo string for a Unix socket in `socket_dir`.
std::string SocketConninfo(const std::string& socket_dir, int port, const std::string& user,
                           const std::string& dbname);

}  // namespace spur::pg
