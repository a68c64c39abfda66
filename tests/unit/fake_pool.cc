#include "fake_pool.h"

#include <utility>

namespace spur::test {

Result<std::unique_ptr<FakePool>> FakePool::Make(int64_t now) {
  std::unique_ptr<FakePool> fp(new FakePool());
  fp->clock_.now = now;
  ASSIGN_OR_RETURN(auto store, catalog::Store::Open(":memory:"));
  auto driver = std::make_unique<storage::FakeDriver>(/*atomic_clone=*/false);
  fp->driver_ = driver.get();
  auto control = std::make_unique<pg::FakeControl>();
  fp->control_ = control.get();

  catalog::Branch main;
  main.name = "main";
  main.state = catalog::BranchState::kRunning;
  main.port = 5500;
  main.role = "app";
  main.password = "main-password";
  main.database = "app";
  main.created_at = main.last_used_at = now;
  main.running_since = now;
  RETURN_IF_ERROR(store->InsertBranch(main));
  const std::string data = fp->layout_.BranchData(main.id);
  RETURN_IF_ERROR(driver->CreateDataset(data));
  RETURN_IF_ERROR(driver->WriteFile(data, "base/1/1259", "catalog"));
  pg::InstanceSpec spec;
  spec.pgdata = data;
  spec.port = main.port;
  RETURN_IF_ERROR(control->Start(spec));
  RETURN_IF_ERROR(control->OpenTcp(spec));

  engine::PoolConfig config;
  config.driver = "fake";
  ASSIGN_OR_RETURN(
      fp->pool_, engine::Pool::OpenWith(
                     {fp->layout_, std::move(store), std::move(driver), std::move(control), config},
                     fp->clock_));
  return fp;
}

std::string FakePool::Data(const std::string& name) {
  auto b = store().GetBranch(name);
  return b.ok() ? layout_.BranchData(b->id) : "";
}

Result<catalog::Branch> FakePool::Create(const std::string& name,
                                         std::optional<int64_t> ttl_seconds,
                                         const std::string& owner,
                                         std::map<std::string, std::string> labels,
                                         bool is_protected, std::optional<std::string> from) {
  engine::CreateBranchOptions o;
  o.name = name;
  o.ttl_seconds = ttl_seconds;
  o.owner = owner;
  o.labels = std::move(labels);
  o.is_protected = is_protected;
  o.from = std::move(from);
  return pool_->CreateBranch(o);
}

}  // namespace spur::test
