#include "mask/scanner.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "mask/aho_corasick.h"

namespace spur::mask {
namespace {

std::string ErrnoText() { return std::strerror(errno); }

// Closes a file descriptor on every return path.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;

 private:
  int fd_;
};

// Names in `dir`, sorted, without "." and "..".
Result<std::vector<std::string>> ListNames(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return Internal("cannot list " + dir + ": " + ErrnoText() +
                    "; run as the data directory's owner");
  }
  std::vector<std::string> names;
  while (const dirent* e = ::readdir(d)) {
    std::string_view name = e->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(d);
  std::sort(names.begin(), names.end());
  return names;
}

// One scan: the automaton over the searchable needles and the tallies so far.
class Scan {
 public:
  Scan(const std::vector<Needle>& needles, const ScanOptions& options)
      : options_(options), ac_(Searchable(needles, options, ids_)) {
    hits_.assign(needles.size(), 0);
    files_.resize(needles.size());
    report_.needles_searched = ids_.size();
    report_.needles_skipped = needles.size() - ids_.size();
  }

  // Scans the directory `abs`, which is `rel` ("" or ending in '/') under the root.
  Status Directory(const std::string& abs, const std::string& rel) {
    ASSIGN_OR_RETURN(std::vector<std::string> names, ListNames(abs));
    for (const std::string& name : names) {
      const std::string child = abs + "/" + name;
      struct stat st, target;
      if (::lstat(child.c_str(), &st) != 0) {
        return Internal("cannot stat " + child + ": " + ErrnoText());
      }
      if (S_ISLNK(st.st_mode) && rel == "pg_tblspc/" && ::stat(child.c_str(), &target) == 0 &&
          S_ISDIR(target.st_mode)) {
        RETURN_IF_ERROR(Directory(child, rel + name + "/"));
      } else if (S_ISLNK(st.st_mode)) {
        report_.skipped_links.push_back(rel + name);
      } else if (S_ISDIR(st.st_mode)) {
        RETURN_IF_ERROR(Directory(child, rel + name + "/"));
      } else if (S_ISREG(st.st_mode)) {
        RETURN_IF_ERROR(File(child, rel + name));
      }
    }
    return Status::Ok();
  }

  ScanReport Finish(const std::vector<Needle>& needles) && {
    for (size_t i = 0; i < needles.size(); ++i) {
      if (hits_[i] == 0) continue;
      report_.leaks.push_back({i, needles[i].column, hits_[i], std::move(files_[i])});
    }
    return std::move(report_);
  }

 private:
  // The needles long enough to search; fills `ids` (pattern id -> needle index).
  static std::vector<std::string> Searchable(const std::vector<Needle>& needles,
                                             const ScanOptions& options, std::vector<size_t>& ids) {
    std::vector<std::string> patterns;
    for (size_t i = 0; i < needles.size(); ++i) {
      if (needles[i].bytes.size() < options.min_needle_bytes) continue;
      ids.push_back(i);
      patterns.push_back(needles[i].bytes);
    }
    return patterns;
  }

  Status File(const std::string& abs, const std::string& rel) {
    const int fd = ::open(abs.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) return Internal("cannot open " + abs + ": " + ErrnoText());
    FdCloser closer(fd);
    buffer_.resize(options_.chunk_bytes);
    AhoCorasick::State state = AhoCorasick::kStart;
    uint64_t bytes = 0;
    while (true) {
      const ssize_t n = ::read(fd, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Internal("cannot read " + abs + ": " + ErrnoText());
      if (n == 0) break;
      bytes += static_cast<uint64_t>(n);
      state = ac_.Feed(std::string_view(buffer_.data(), static_cast<size_t>(n)), state,
                       [&](uint32_t id, size_t) { Hit(ids_[id], rel); });
    }
    AreaTotals& area = report_.areas[ScanArea(rel)];
    ++area.files;
    area.bytes += bytes;
    ++report_.files;
    report_.bytes += bytes;
    return Status::Ok();
  }

  void Hit(size_t needle, const std::string& rel) {
    ++hits_[needle];
    std::vector<std::string>& files = files_[needle];
    if (files.size() < options_.max_files_per_needle && (files.empty() || files.back() != rel)) {
      files.push_back(rel);
    }
  }

  ScanOptions options_;
  std::vector<size_t> ids_;  // declared before ac_: Searchable fills it
  AhoCorasick ac_;
  std::vector<uint64_t> hits_;
  std::vector<std::vector<std::string>> files_;
  std::string buffer_;
  ScanReport report_;
};

}  // namespace

std::string ScanArea(std::string_view relative_path) {
  const std::string_view top = relative_path.substr(0, relative_path.find('/'));
  if (top == "base" || top == "global" || top == "pg_tblspc") return "relations";
  if (top == "pg_wal") return "WAL";
  return "other";
}

nlohmann::json ScanReport::ToJson() const {
  nlohmann::json area_json = nlohmann::json::object();
  for (const auto& [name, totals] : areas) {
    area_json[name] = {{"files", totals.files}, {"bytes", totals.bytes}};
  }
  nlohmann::json leak_json = nlohmann::json::array();
  for (const NeedleHits& l : leaks) {
    leak_json.push_back(
        {{"needle", l.needle}, {"column", l.column}, {"hits", l.hits}, {"files", l.files}});
  }
  return {{"files", files},
          {"bytes", bytes},
          {"areas", area_json},
          {"needles_searched", needles_searched},
          {"needles_skipped", needles_skipped},
          {"leaks", leak_json},
          {"skipped_links", skipped_links},
          {"clean", clean()}};
}

Result<ScanReport> ScanDataDirectory(const std::string& root, const std::vector<Needle>& needles,
                                     const ScanOptions& options) {
  if (options.chunk_bytes == 0 || options.min_needle_bytes == 0) {
    return InvalidArgument("scan options: chunk_bytes and min_needle_bytes must be at least 1");
  }
  struct stat st;
  if (::stat(root.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return InvalidArgument(root + " is not a directory; pass a data directory to scan");
  }
  Scan scan(needles, options);
  RETURN_IF_ERROR(scan.Directory(root, ""));
  return std::move(scan).Finish(needles);
}

}  // namespace spur::mask
