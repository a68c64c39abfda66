#include "storage/fake/fake_driver.h"

#include <unordered_map>

namespace spur::storage {
namespace {

const char* ToString(FakeDriver::Op op) {
  switch (op) {
    case FakeDriver::Op::kCreateDataset:
      return "CreateDataset";
    case FakeDriver::Op::kCloneDataset:
      return "CloneDataset";
    case FakeDriver::Op::kCloneSubtree:
      return "CloneSubtree";
    case FakeDriver::Op::kDestroyDataset:
      return "DestroyDataset";
    case FakeDriver::Op::kUsage:
      return "Usage";
  }
  return "unknown";
}

Status CheckDatasetPath(const std::string& path) {
  if (path.empty() || path.front() != '/') {
    return InvalidArgument("dataset path \"" + path + "\" is not absolute");
  }
  return Status::Ok();
}

// Returns `rel` without trailing slashes, or InvalidArgument when it is
// absolute or has an empty, "." or ".." component. "" stays "".
Result<std::string> CleanRelativePath(const std::string& rel) {
  std::string clean = rel;
  while (!clean.empty() && clean.back() == '/') clean.pop_back();
  if (clean.empty()) return clean;
  size_t start = 0;
  for (;;) {
    size_t slash = clean.find('/', start);
    std::string part = clean.substr(start, slash - start);
    if (part.empty() || part == "." || part == "..") {
      return InvalidArgument("relative path \"" + rel + "\" must name a place inside a dataset");
    }
    if (slash == std::string::npos) return clean;
    start = slash + 1;
  }
}

// True when `file` is `dir` itself or lies below it; everything is below "".
bool IsUnder(const std::string& file, const std::string& dir) {
  if (dir.empty() || file == dir) return true;
  return file.size() > dir.size() && file.compare(0, dir.size(), dir) == 0 &&
         file[dir.size()] == '/';
}

Status MissingDataset(const std::string& path) {
  return NotFound("dataset " + path + " does not exist");
}

}  // namespace

Status FakeDriver::CreateDataset(const std::string& path) {
  RETURN_IF_ERROR(CheckDatasetPath(path));
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(TakeInjectedFailure(Op::kCreateDataset, path));
  if (datasets_.count(path) != 0) return AlreadyExists("dataset " + path + " already exists");
  datasets_[path];
  return Status::Ok();
}

Status FakeDriver::CloneDataset(const std::string& src, const std::string& dst) {
  RETURN_IF_ERROR(CheckDatasetPath(src));
  RETURN_IF_ERROR(CheckDatasetPath(dst));
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(TakeInjectedFailure(Op::kCloneDataset, src + " -> " + dst));
  ASSIGN_OR_RETURN(const Dataset* from, Find(src));
  if (datasets_.count(dst) != 0) return AlreadyExists("dataset " + dst + " already exists");
  datasets_[dst] = *from;  // copies the Blob pointers: the bytes are shared
  return Status::Ok();
}

Status FakeDriver::CloneSubtree(const std::string& src, const std::string& dst,
                                const std::string& rel) {
  RETURN_IF_ERROR(CheckDatasetPath(src));
  RETURN_IF_ERROR(CheckDatasetPath(dst));
  ASSIGN_OR_RETURN(std::string dir, CleanRelativePath(rel));
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(TakeInjectedFailure(Op::kCloneSubtree, src + " -> " + dst + " " + rel));
  ASSIGN_OR_RETURN(const Dataset* from, Find(src));
  auto to = datasets_.find(dst);
  if (to == datasets_.end()) return MissingDataset(dst);
  for (const auto& [file, blob] : *from) {
    if (IsUnder(file, dir)) to->second[file] = blob;
  }
  return Status::Ok();
}

Status FakeDriver::DestroyDataset(const std::string& path) {
  RETURN_IF_ERROR(CheckDatasetPath(path));
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(TakeInjectedFailure(Op::kDestroyDataset, path));
  datasets_.erase(path);
  return Status::Ok();
}

bool FakeDriver::DatasetExists(const std::string& path) {
  std::lock_guard lock(mu_);
  return datasets_.count(path) != 0;
}

Status FakeDriver::RenameDataset(const std::string& from, const std::string& to) {
  RETURN_IF_ERROR(CheckDatasetPath(from));
  RETURN_IF_ERROR(CheckDatasetPath(to));
  std::lock_guard lock(mu_);
  auto it = datasets_.find(from);
  if (it == datasets_.end()) return NotFound("dataset " + from + " does not exist");
  if (datasets_.count(to)) return AlreadyExists("dataset " + to + " already exists");
  datasets_[to] = std::move(it->second);
  datasets_.erase(from);
  return Status::Ok();
}

Result<std::vector<std::string>> FakeDriver::ListDatasets(const std::string& dir) {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  const std::string prefix = dir + "/";
  for (const auto& [path, files] : datasets_) {
    if (path.rfind(prefix, 0) == 0 && path.find('/', prefix.size()) == std::string::npos) {
      names.push_back(path.substr(prefix.size()));
    }
  }
  return names;
}

Result<os::SpaceUsage> FakeDriver::Usage(const std::string& path) {
  RETURN_IF_ERROR(CheckDatasetPath(path));
  std::lock_guard lock(mu_);
  RETURN_IF_ERROR(TakeInjectedFailure(Op::kUsage, path));
  ASSIGN_OR_RETURN(const Dataset* dataset, Find(path));
  // How many files, in all datasets, reference each blob.
  std::unordered_map<const std::string*, int> references;
  for (const auto& [unused_path, files] : datasets_) {
    for (const auto& [unused_file, blob] : files) ++references[blob.get()];
  }
  os::SpaceUsage usage;
  for (const auto& [unused_file, blob] : *dataset) {
    uint64_t size = blob->size();
    usage.logical_bytes += size;
    if (references[blob.get()] > 1) {
      usage.shared_bytes += size;
    } else {
      usage.exclusive_bytes += size;
    }
  }
  return usage;
}

void FakeDriver::FailNext(Op op) {
  std::lock_guard lock(mu_);
  ++armed_failures_[op];
}

Status FakeDriver::WriteFile(const std::string& dataset, const std::string& rel, std::string data) {
  ASSIGN_OR_RETURN(std::string file, CleanRelativePath(rel));
  if (file.empty()) return InvalidArgument("WriteFile needs a file name inside " + dataset);
  std::lock_guard lock(mu_);
  auto it = datasets_.find(dataset);
  if (it == datasets_.end()) return MissingDataset(dataset);
  it->second[file] = std::make_shared<const std::string>(std::move(data));
  return Status::Ok();
}

Result<std::string> FakeDriver::ReadFile(const std::string& dataset, const std::string& rel) const {
  ASSIGN_OR_RETURN(std::string file, CleanRelativePath(rel));
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(const Dataset* files, Find(dataset));
  auto it = files->find(file);
  if (it == files->end()) return NotFound("no file " + rel + " in dataset " + dataset);
  return *it->second;
}

Result<std::vector<std::string>> FakeDriver::ListFiles(const std::string& dataset) const {
  std::lock_guard lock(mu_);
  ASSIGN_OR_RETURN(const Dataset* files, Find(dataset));
  std::vector<std::string> out;
  for (const auto& [file, unused_blob] : *files) out.push_back(file);
  return out;
}

bool FakeDriver::Exists(const std::string& dataset) const {
  std::lock_guard lock(mu_);
  return datasets_.count(dataset) != 0;
}

Status FakeDriver::TakeInjectedFailure(Op op, const std::string& subject) {
  auto it = armed_failures_.find(op);
  if (it == armed_failures_.end()) return Status::Ok();
  if (--it->second == 0) armed_failures_.erase(it);
  return Internal(std::string("injected failure: ") + ToString(op) + " " + subject);
}

Result<const FakeDriver::Dataset*> FakeDriver::Find(const std::string& path) const {
  auto it = datasets_.find(path);
  if (it == datasets_.end()) return MissingDataset(path);
  return &it->second;
}

Result<uint64_t> FakeDriver::FreeBytes(const std::string&) {
  std::lock_guard<std::mutex> lock(mu_);
  return free_bytes_;
}

void FakeDriver::SetFreeBytes(uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  free_bytes_ = bytes;
}

}  // namespace spur::storage
