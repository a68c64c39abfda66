#include "pg/conn.h"

#include <libpq-fe.h>

namespace spur::pg {
namespace {

std::string Trimmed(const char* msg) {
  std::string s = msg ? msg : "";
  while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) s.pop_back();
  auto nl = s.find('\n');
  return nl == std::string::npos ? s : s.substr(0, nl);
}

// Escapes a value for a conninfo key='value' pair.
std::string ConninfoValue(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

Result<std::vector<Row>> Collect(PGresult* res, PGconn* conn) {
  ExecStatusType st = PQresultStatus(res);
  if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK && st != PGRES_COPY_OUT) {
    std::string msg = Trimmed(PQresultErrorMessage(res));
    if (msg.empty()) msg = Trimmed(PQerrorMessage(conn));
    PQclear(res);
    return Internal("query failed: " + msg);
  }
  std::vector<Row> rows;
  int n = PQntuples(res), f = PQnfields(res);
  rows.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    Row row;
    for (int j = 0; j < f; ++j) {
      if (PQgetisnull(res, i, j))
        row.emplace_back(std::nullopt);
      else
        row.emplace_back(std::string(PQgetvalue(res, i, j), PQgetlength(res, i, j)));
    }
    rows.push_back(std::move(row));
  }
  PQclear(res);
  return rows;
}

}  // namespace

Result<Connection> Connection::Open(const std::string& conninfo) {
  PGconn* conn = PQconnectdb(conninfo.c_str());
  if (conn == nullptr) return Internal("out of memory connecting to postgres");
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string msg = Trimmed(PQerrorMessage(conn));
    PQfinish(conn);
    return Unavailable("cannot connect to postgres: " + msg);
  }
  return Connection(conn);
}

Connection::Connection(Connection&& other) noexcept : conn_(other.conn_) { other.conn_ = nullptr; }

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_) PQfinish(conn_);
    conn_ = other.conn_;
    other.conn_ = nullptr;
  }
  return *this;
}

Connection::~Connection() {
  if (conn_) PQfinish(conn_);
}

Result<std::vector<Row>> Connection::Query(const std::string& sql) {
  PGresult* last = nullptr;
  if (!PQsendQuery(conn_, sql.c_str())) {
    return Internal("query failed: " + Trimmed(PQerrorMessage(conn_)));
  }
  Result<std::vector<Row>> out = std::vector<Row>{};
  while (PGresult* res = PQgetResult(conn_)) {
    if (last) PQclear(last);
    last = res;
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      out = Collect(res, conn_);
      last = nullptr;
      while (PGresult* rest = PQgetResult(conn_)) PQclear(rest);
      return out;
    }
  }
  if (last) return Collect(last, conn_);
  return out;
}

Result<std::vector<Row>> Connection::Query(const std::string& sql,
                                           const std::vector<std::string>& params) {
  std::vector<const char*> values;
  for (const auto& p : params) values.push_back(p.c_str());
  PGresult* res = PQexecParams(conn_, sql.c_str(), static_cast<int>(values.size()), nullptr,
                               values.data(), nullptr, nullptr, 0);
  return Collect(res, conn_);
}

Status Connection::Exec(const std::string& sql) {
  auto r = Query(sql);
  return r.ok() ? Status::Ok() : r.status();
}

Result<std::string> Connection::QueryValue(const std::string& sql) {
  ASSIGN_OR_RETURN(std::vector<Row> rows, Query(sql));
  if (rows.empty() || rows[0].empty()) return NotFound("query returned no row: " + sql);
  return rows[0][0].value_or("");
}

Result<std::string> Connection::EncryptPassword(const std::string& password,
                                                const std::string& role) {
  char* enc = PQencryptPasswordConn(conn_, password.c_str(), role.c_str(), "scram-sha-256");
  if (enc == nullptr) return Internal("cannot encrypt password: " + Trimmed(PQerrorMessage(conn_)));
  std::string out = enc;
  PQfreemem(enc);
  return out;
}

std::string Connection::QuoteIdentifier(const std::string& id) {
  char* q = PQescapeIdentifier(conn_, id.c_str(), id.size());
  std::string out = q ? q : "";
  PQfreemem(q);
  return out;
}

std::string Connection::QuoteLiteral(const std::string& value) {
  char* q = PQescapeLiteral(conn_, value.c_str(), value.size());
  std::string out = q ? q : "";
  PQfreemem(q);
  return out;
}

std::string SocketConninfo(const std::string& socket_dir, int port, const std::string& user,
                           const std::string& dbname) {
  return "host=" + ConninfoValue(socket_dir) + " port=" + std::to_string(port) +
         " user=" + ConninfoValue(user) + " dbname=" + ConninfoValue(dbname) +
         " connect_timeout=10 application_name=spur";
}

}  // namespace spur::pg
