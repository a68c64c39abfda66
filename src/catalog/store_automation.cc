// Store: shutdown schedules, repositories, webhook deliveries and pull
// request bindings.
#include <sqlite3.h>

#include "catalog/statement.h"
#include "catalog/store.h"

namespace spur::catalog {
namespace {

constexpr const char* kDeliveryColumns =
    "id, forge, delivery_id, repo, pr, action, event, state, result, received_at, finished_at";

Delivery ReadDelivery(const Statement& s) {
  Delivery d;
  d.id = s.Int(0);
  d.forge = s.Text(1);
  d.delivery_id = s.Text(2);
  d.repo = s.Text(3);
  d.pr = s.Int(4);
  d.action = s.Text(5);
  d.event = s.Text(6);
  d.state = s.Text(7);
  d.result = s.Text(8);
  d.received_at = s.Int(9);
  d.finished_at = s.OptInt(10);
  return d;
}

PullRequest ReadPullRequest(const Statement& s) {
  PullRequest p;
  p.repo = s.Text(0);
  p.number = s.Int(1);
  p.branch = s.Text(2);
  p.head_sha = s.Text(3);
  p.migration = s.Text(4);
  p.updated_at = s.Int(5);
  return p;
}

template <typename T, typename Reader>
Result<std::optional<T>> First(Statement& s, Reader read) {
  ASSIGN_OR_RETURN(bool row, s.Step());
  if (!row) return std::optional<T>();
  return std::optional<T>(read(s));
}

}  // namespace

Status Store::PutSchedule(const Schedule& x) {
  Statement s(db_,
              "INSERT INTO schedules(name, label, stop_cron, start_cron, created_at) "
              "VALUES(?, ?, ?, ?, ?) ON CONFLICT(name) DO UPDATE SET label = excluded.label, "
              "stop_cron = excluded.stop_cron, start_cron = excluded.start_cron");
  s.Bind(1, x.name).Bind(2, x.label).Bind(3, x.stop_cron).Bind(4, x.start_cron);
  s.Bind(5, x.created_at);
  return s.Run();
}

Status Store::DeleteSchedule(const std::string& name) {
  return RunOne("DELETE FROM schedules WHERE name = ?", name,
                "no schedule \"" + name + "\"; `spur schedule list` shows them");
}

Result<std::vector<Schedule>> Store::ListSchedules() {
  Statement s(db_,
              "SELECT name, label, stop_cron, start_cron, created_at FROM schedules "
              "ORDER BY name");
  return ReadAll<Schedule>(s, [](const Statement& r) {
    return Schedule{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4)};
  });
}

Status Store::PutRepo(const Repo& r) {
  Statement s(db_,
              "INSERT INTO repos(name, forge, secret, config, created_at) VALUES(?, ?, ?, ?, ?) "
              "ON CONFLICT(name) DO UPDATE SET forge = excluded.forge, "
              "secret = excluded.secret, config = excluded.config");
  s.Bind(1, r.name).Bind(2, r.forge).Bind(3, r.secret).Bind(4, r.config).Bind(5, r.created_at);
  return s.Run();
}

Status Store::DeleteRepo(const std::string& name) {
  return RunOne("DELETE FROM repos WHERE name = ?", name,
                "no repository \"" + name + "\"; `spur repo list` shows them");
}

namespace {
Repo ReadRepo(const Statement& r) {
  return Repo{r.Text(0), r.Text(1), r.Text(2), r.Text(3), r.Int(4)};
}
}  // namespace

Result<Repo> Store::GetRepo(const std::string& name) {
  Statement s(db_, "SELECT name, forge, secret, config, created_at FROM repos WHERE name = ?");
  s.Bind(1, name);
  ASSIGN_OR_RETURN(auto repo, First<Repo>(s, ReadRepo));
  if (!repo) {
    return NotFound("repository \"" + name + "\" is not set up; add it with `spur repo add " +
                    name + " --config .spur.yaml`");
  }
  return *repo;
}

Result<std::vector<Repo>> Store::ListRepos() {
  Statement s(db_, "SELECT name, forge, secret, config, created_at FROM repos ORDER BY name");
  return ReadAll<Repo>(s, ReadRepo);
}

Status Store::InsertDelivery(Delivery& d) {
  Statement s(db_,
              "INSERT INTO deliveries(forge, delivery_id, repo, pr, action, event, state, "
              "result, received_at) VALUES(?, ?, ?, ?, ?, ?, ?, ?, ?)");
  s.Bind(1, d.forge).Bind(2, d.delivery_id).Bind(3, d.repo).Bind(4, d.pr).Bind(5, d.action);
  s.Bind(6, d.event).Bind(7, d.state).Bind(8, d.result).Bind(9, d.received_at);
  Status st = s.Run();
  if (st.code() == Code::kAlreadyExists) {
    return AlreadyExists("delivery " + d.delivery_id + " was already received");
  }
  RETURN_IF_ERROR(st);
  d.id = sqlite3_last_insert_rowid(db_);
  return Status::Ok();
}

Status Store::FinishDelivery(int64_t id, const std::string& state, const std::string& result,
                             int64_t at) {
  Statement s(db_, "UPDATE deliveries SET state = ?, result = ?, finished_at = ? WHERE id = ?");
  s.Bind(1, state).Bind(2, result).Bind(3, at).Bind(4, id);
  return s.Run();
}

Result<Delivery> Store::GetDelivery(const std::string& forge, const std::string& delivery_id) {
  std::string sql = std::string("SELECT ") + kDeliveryColumns +
                    " FROM deliveries WHERE forge = ? AND delivery_id = ?";
  Statement s(db_, sql.c_str());
  s.Bind(1, forge).Bind(2, delivery_id);
  ASSIGN_OR_RETURN(auto d, First<Delivery>(s, ReadDelivery));
  if (!d) return NotFound("no delivery " + delivery_id);
  return *d;
}

Result<std::vector<Delivery>> Store::PendingDeliveries() {
  std::string sql = std::string("SELECT ") + kDeliveryColumns +
                    " FROM deliveries WHERE state = 'pending' ORDER BY id";
  Statement s(db_, sql.c_str());
  return ReadAll<Delivery>(s, ReadDelivery);
}

Result<std::vector<Delivery>> Store::ListDeliveries(int limit) {
  std::string sql = std::string("SELECT ") + kDeliveryColumns +
                    " FROM (SELECT * FROM deliveries ORDER BY id DESC LIMIT ?) ORDER BY id";
  Statement s(db_, sql.c_str());
  s.Bind(1, static_cast<int64_t>(limit));
  return ReadAll<Delivery>(s, ReadDelivery);
}

Status Store::PutPullRequest(const PullRequest& p) {
  Statement s(db_,
              "INSERT INTO pull_requests(repo, number, branch, head_sha, migration, updated_at) "
              "VALUES(?, ?, ?, ?, ?, ?) ON CONFLICT(repo, number) DO UPDATE SET "
              "branch = excluded.branch, head_sha = excluded.head_sha, "
              "migration = excluded.migration, updated_at = excluded.updated_at");
  s.Bind(1, p.repo).Bind(2, p.number).Bind(3, p.branch).Bind(4, p.head_sha);
  s.Bind(5, p.migration).Bind(6, p.updated_at);
  return s.Run();
}

Status Store::DeletePullRequest(const std::string& repo, int64_t number) {
  Statement s(db_, "DELETE FROM pull_requests WHERE repo = ? AND number = ?");
  s.Bind(1, repo).Bind(2, number);
  return s.Run();
}

Result<std::optional<PullRequest>> Store::GetPullRequest(const std::string& repo, int64_t number) {
  Statement s(db_,
              "SELECT repo, number, branch, head_sha, migration, updated_at FROM pull_requests "
              "WHERE repo = ? AND number = ?");
  s.Bind(1, repo).Bind(2, number);
  return First<PullRequest>(s, ReadPullRequest);
}

Result<std::optional<PullRequest>> Store::PullRequestForBranch(const std::string& branch) {
  Statement s(db_,
              "SELECT repo, number, branch, head_sha, migration, updated_at FROM pull_requests "
              "WHERE branch = ?");
  s.Bind(1, branch);
  return First<PullRequest>(s, ReadPullRequest);
}

}  // namespace spur::catalog
