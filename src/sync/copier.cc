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
  // A whole table is emptied in the load's own transaction, so its rows are
  // written frozen and all-visible (nothing for the vacuum to do) and, with
  // wal_level=minimal, without WAL. A part can do neither: the other parts
  // load the same table at once.
  RETURN_IF_ERROR(target.Exec(task.split ? "BEGIN" : "BEGIN; TRUNCATE ONLY " + task.table));
  ASSIGN_OR_RETURN(
      pg::CopyIn in,
      pg::CopyIn::Start(target, "COPY " + task.table + " " + task.columns +
                                    (task.split ? " FROM STDIN" : " FROM STDIN (FREEZE)")));
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
  const bool last_part = task.split && task.split->parts_left.fetch_sub(1) == 1;
  if (task.split && !last_part) return Status::Ok();
  for (const auto& sql : task.split ? task.split->after_load : task.after_load) {
    RETURN_IF_ERROR(target.Exec(sql));
  }
  ++progress.tables_done;
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
  }
}

}  // namespace

std::vector<CopyTask> SplitByBlocks(CopyTask whole, const std::string& select, int64_t heap_blocks,
                                    int parts) {
  std::vector<CopyTask> out;
  if (parts < 2 || heap_blocks < parts) {
    out.push_back(std::move(whole));
    return out;
  }
  auto shared = std::make_shared<SplitTable>();
  shared->parts_left = parts;
  shared->after_load = std::move(whole.after_load);
  const int64_t step = (heap_blocks + parts - 1) / parts;
  for (int i = 0; i < parts; ++i) {
    CopyTask part;
    part.table = whole.table;
    part.columns = whole.columns;
    part.masker = whole.masker;
    part.bytes_estimate = whole.bytes_estimate / parts;
    part.split = shared;
    std::string where = " WHERE ctid >= '(" + std::to_string(i * step) + ",0)'::tid";
    if (i + 1 < parts) where += " AND ctid < '(" + std::to_string((i + 1) * step) + ",0)'::tid";
    part.source_sql = "COPY (" + select + where + ") TO STDOUT";
    out.push_back(std::move(part));
  }
  return out;
}

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
