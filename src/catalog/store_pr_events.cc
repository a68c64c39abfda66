// Store: the last applied webhook event of each pull request.
#include "catalog/statement.h"
#include "catalog/store.h"

namespace spur::catalog {

Result<std::optional<PrEvent>> Store::GetPrEvent(const std::string& forge, const std::string& repo,
                                                 int64_t number) {
  Statement s(db_,
              "SELECT forge, repo, number, action, head_sha, updated_at, applied_at, delivery_id "
              "FROM pr_events "
              "WHERE forge = ? AND repo = ? AND number = ?");
  s.Bind(1, forge).Bind(2, repo).Bind(3, number);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<PrEvent>();
  PrEvent e;
  e.forge = s.Text(0);
  e.repo = s.Text(1);
  e.number = s.Int(2);
  e.action = s.Text(3);
  e.head_sha = s.Text(4);
  e.updated_at = s.Int(5);
  e.applied_at = s.Int(6);
  e.delivery_id = s.Text(7);
  return std::optional<PrEvent>(e);
}

Status Store::PutPrEvent(const PrEvent& e, int64_t forget_before) {
  Statement forget(db_, "DELETE FROM pr_events WHERE applied_at < ?");
  forget.Bind(1, forget_before);
  RETURN_IF_ERROR(forget.Run());
  Statement s(
      db_,
      "INSERT INTO pr_events(forge, repo, number, action, head_sha, updated_at, applied_at, "
      "delivery_id) VALUES(?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(forge, repo, number) DO UPDATE SET "
      "action = excluded.action, head_sha = excluded.head_sha, updated_at = excluded.updated_at, "
      "applied_at = excluded.applied_at, delivery_id = excluded.delivery_id");
  s.Bind(1, e.forge).Bind(2, e.repo).Bind(3, e.number).Bind(4, e.action).Bind(5, e.head_sha);
  s.Bind(6, e.updated_at).Bind(7, e.applied_at).Bind(8, e.delivery_id);
  return s.Run();
}

}  // namespace spur::catalog
