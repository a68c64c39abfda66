// Store: API tokens and quotas.
#include <sqlite3.h>

#include <nlohmann/json.hpp>

#include "catalog/statement.h"
#include "catalog/store.h"

namespace spur::catalog {
namespace {

constexpr const char* kTokenColumns =
    "id, hash, prefix, role, owner, note, created_at, last_used_at, revoked_at, repos";

Token ReadToken(const Statement& s) {
  Token t;
  t.id = s.Int(0);
  t.hash = s.Text(1);
  t.prefix = s.Text(2);
  t.role = s.Text(3);
  t.owner = s.Text(4);
  t.note = s.Text(5);
  t.created_at = s.Int(6);
  t.last_used_at = s.OptInt(7);
  t.revoked_at = s.OptInt(8);
  auto repos = nlohmann::json::parse(s.Text(9), nullptr, false);
  if (repos.is_array()) {
    for (const auto& r : repos) {
      if (r.is_string()) t.repos.push_back(r.get<std::string>());
    }
  }
  return t;
}

Quota ReadQuota(const Statement& s) {
  Quota q;
  q.owner = s.Text(0);
  q.max_branches = s.OptInt(1);
  q.max_bytes = s.OptInt(2);
  return q;
}

}  // namespace

Status Store::RunOne(const char* sql, const std::string& key, const std::string& missing) {
  Statement s(db_, sql);
  s.Bind(1, key);
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) == 0) return NotFound(missing);
  return Status::Ok();
}

Status Store::InsertToken(Token& t) {
  Statement s(db_,
              "INSERT INTO tokens(hash, prefix, role, owner, note, created_at, repos) "
              "VALUES(?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, t.hash).Bind(2, t.prefix).Bind(3, t.role).Bind(4, t.owner).Bind(5, t.note);
  s.Bind(6, t.created_at).Bind(7, t.repos.empty() ? std::string() : nlohmann::json(t.repos).dump());
  RETURN_IF_ERROR(s.Run());
  t.id = sqlite3_last_insert_rowid(db_);
  return Status::Ok();
}

Result<Token> Store::GetTokenByHash(const std::string& hash) {
  std::string sql = std::string("SELECT ") + kTokenColumns + " FROM tokens WHERE hash = ?";
  Statement s(db_, sql.c_str());
  s.Bind(1, hash);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return NotFound("unknown token");
  return ReadToken(s);
}

Result<std::vector<Token>> Store::ListTokens() {
  std::string sql = std::string("SELECT ") + kTokenColumns + " FROM tokens ORDER BY id";
  Statement s(db_, sql.c_str());
  return ReadAll<Token>(s, ReadToken);
}

Status Store::TouchToken(int64_t id, int64_t at) {
  Statement s(db_, "UPDATE tokens SET last_used_at = ? WHERE id = ?");
  s.Bind(1, at).Bind(2, id);
  return s.Run();
}

Status Store::RevokeToken(int64_t id, int64_t at) {
  Statement s(db_, "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL");
  s.Bind(1, at).Bind(2, id);
  RETURN_IF_ERROR(s.Run());
  if (sqlite3_changes(db_) == 0) {
    return NotFound("no active token with id " + std::to_string(id) +
                    "; `spur token list` shows them");
  }
  return Status::Ok();
}

Status Store::PutQuota(const Quota& q) {
  Statement s(db_,
              "INSERT INTO quotas(owner, max_branches, max_bytes) VALUES(?, ?, ?) "
              "ON CONFLICT(owner) DO UPDATE SET max_branches = excluded.max_branches, "
              "max_bytes = excluded.max_bytes");
  s.Bind(1, q.owner).Bind(2, q.max_branches).Bind(3, q.max_bytes);
  return s.Run();
}

Status Store::DeleteQuota(const std::string& owner) {
  return RunOne("DELETE FROM quotas WHERE owner = ?", owner,
                owner.empty() ? "the pool has no quota" : "owner \"" + owner + "\" has no quota");
}

Result<std::vector<Quota>> Store::ListQuotas() {
  Statement s(db_, "SELECT owner, max_branches, max_bytes FROM quotas ORDER BY owner");
  return ReadAll<Quota>(s, ReadQuota);
}

}  // namespace spur::catalog
