// Store: swap intents of resets and syncs (see SwapIntent).
#include "catalog/statement.h"
#include "catalog/store.h"

namespace spur::catalog {

Result<std::optional<SwapIntent>> Store::GetSwapIntent(int64_t branch_id) {
  Statement s(db_,
              "SELECT branch_id, kind, snapshot_id, database, settings_json, created_at "
              "FROM swap_intents WHERE branch_id = ?");
  s.Bind(1, branch_id);
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<SwapIntent>();
  SwapIntent i;
  i.branch_id = s.Int(0);
  i.kind = s.Text(1);
  i.snapshot_id = s.OptInt(2);
  i.database = s.Text(3);
  i.settings_json = s.Text(4);
  i.created_at = s.Int(5);
  return std::optional<SwapIntent>(i);
}

Status Store::PutSwapIntent(const SwapIntent& i) {
  Statement s(db_,
              "INSERT OR REPLACE INTO swap_intents(branch_id, kind, snapshot_id, database, "
              "settings_json, created_at) VALUES(?, ?, ?, ?, ?, ?)");
  s.Bind(1, i.branch_id).Bind(2, i.kind).Bind(3, i.snapshot_id).Bind(4, i.database);
  s.Bind(5, i.settings_json).Bind(6, i.created_at);
  return s.Run();
}

Status Store::DeleteSwapIntent(int64_t branch_id) {
  Statement s(db_, "DELETE FROM swap_intents WHERE branch_id = ?");
  s.Bind(1, branch_id);
  return s.Run();
}

}  // namespace spur::catalog
