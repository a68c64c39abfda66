#include "sync/copier.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <thread>

#include "pg/copy_stream.h"

namespace spur::sync {
namespace {

constexpr size_t kFlushBytes = 256 * 1024;

// Work shared by the workers: the next task and the first error.
class Queue {
 public:
  explicit Queue(std::vector<CopyTask>& tasks) : tasks_(tasks) {}
  CopyTask* Next() {
    if (failed_.load()) return nullptr;
    size_t i = next_.fetch_add(1);
    return i < tasks_.size() ? &tasks_[i] : nullptr;
  }
  void Fail(Status st) {
    std::lock_guard<std::mutex> guard(mu_);
    if (error_.ok()) error_ = std::move(st);
    failed_ = true;
  }
  bool failed() const { return failed_.load(); }
  Status error() {
    std::lock_guard<std::mutex> guard(mu_);
    return error_;
  }

 private:
  std::vector<CopyTask>& tasks_;
  std::atomic<size_t> next_{0};
  std::atomic<bool> failed_{false};
  std::mutex mu_;
  Status error_;
};

// Streams one table: source rows -> (mask) -> target, in batches.
Status CopyOne(CopyTask& task, pg::Connection& source, pg::Connection& target, Progress& progress,
               const Queue& queue) {
  RETURN_IF_ERROR(target.Exec("BEGIN; TRUNCATE ONLY " + task.table));
  ASSIGN_OR_RETURN(pg::CopyIn in, pg::CopyIn::Start(target, "COPY " + task.table + " " +
                                                                task.columns + " FROM STDIN"));
  ASSIGN_OR_RETURN(pg::CopyOut out, pg::CopyOut::Start(source, task.source_sql));
  std::string batch;
  batch.reserve(kFlushBytes + 64 * 1024);
  mask::RowMasker::Scratch scratch;
  int64_t rows = 0, bytes = 0;
  std::string_view row;
  while (true) {
    ASSIGN_OR_RETURN(bool more, out.Next(row));
    if (!more) break;
    if (task.masker != nullptr) {
      RETURN_IF_ERROR(task.masker->MaskRow(row, batch, scratch));
    } else {
      batch.append(row);
    }
    ++rows;
    ++task.rows;
    bytes += static_cast<int64_t>(row.size());
    if (batch.size() >= kFlushBytes) {
      RETURN_IF_ERROR(in.Put(batch));
      batch.clear();
      progress.rows += rows;
      progress.bytes += bytes;
      rows = bytes = 0;
      if (queue.failed()) return Internal("stopped: another table failed");
    }
  }
  if (!batch.empty()) RETURN_IF_ERROR(in.Put(batch));
  progress.rows += rows;
  progress.bytes += bytes;
  RETURN_IF_ERROR(in.End());
  RETURN_IF_ERROR(target.Exec("COMMIT"));
  for (const auto& sql : task.after_load) RETURN_IF_ERROR(target.Exec(sql));
  return Status::Ok();
}

void Work(Queue& queue, pg::Connection& source, const std::string& target_conninfo,
          Progress& progress) {
  auto target = pg::Connection::Open(target_conninfo);
  if (!target.ok()) return queue.Fail(target.status().WithContext("staging cluster"));
  Status st = target->Exec("SET synchronous_commit = off");
  if (!st.ok()) return queue.Fail(st);
  while (CopyTask* task = queue.Next()) {
    st = CopyOne(*task, source, *target, progress, queue);
    if (!st.ok()) return queue.Fail(st.WithContext("copying " + task->table));
    ++progress.tables_done;
  }
}

}  // namespace

Status CopyTables(std::vector<CopyTask>& tasks, const std::vector<pg::Connection*>& sources,
                  const std::string& target_conninfo, Progress& progress) {
  if (sources.empty()) return Internal("no source connection to copy with");
  std::stable_sort(tasks.begin(), tasks.end(), [](const CopyTask& a, const CopyTask& b) {
    return a.bytes_estimate > b.bytes_estimate;
  });
  Queue queue(tasks);
  std::vector<std::thread> threads;
  for (pg::Connection* source : sources) {
    threads.emplace_back([&, source] { Work(queue, *source, target_conninfo, progress); });
  }
  for (auto& t : threads) t.join();
  return queue.error();
}

}  // namespace spur::sync
