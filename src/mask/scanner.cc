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
    for (const Needle& n : needles) {
      const std::string& b = n.bytes;
      length_.push_back(b.size());
      digit_first_.push_back(!b.empty() && IsDigit(b.front()));
      digit_last_.push_back(!b.empty() && IsDigit(b.back()));
    }
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
    tail_.clear();
    std::vector<size_t> ending;  // hits that end a chunk: the next byte decides
    while (true) {
      const ssize_t n = ::read(fd, buffer_.data(), buffer_.size());
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) return Internal("cannot read " + abs + ": " + ErrnoText());
      if (n == 0) break;
      const std::string_view chunk(buffer_.data(), static_cast<size_t>(n));
      for (size_t needle : ending) {
        if (!(digit_last_[needle] && IsDigit(chunk[0]))) Hit(needle, rel);
      }
      ending.clear();
      bytes += static_cast<uint64_t>(n);
      state = ac_.Feed(chunk, state, [&](uint32_t id, size_t end) {
        const size_t needle = ids_[id];
        if (digit_first_[needle] && IsDigit(ByteBefore(chunk, end, length_[needle]))) return;
        if (end == chunk.size()) return ending.push_back(needle);
        if (digit_last_[needle] && IsDigit(chunk[end])) return;
        Hit(needle, rel);
      });
      KeepTail(chunk);
    }
    for (size_t needle : ending) Hit(needle, rel);  // the file ends right after it
    AreaTotals& area = report_.areas[ScanArea(rel)];
    ++area.files;
    area.bytes += bytes;
    ++report_.files;
    report_.bytes += bytes;
    return Status::Ok();
  }

  static bool IsDigit(int c) { return c >= '0' && c <= '9'; }

  // The byte just before a match of `length` bytes ending at `end` of
  // `chunk` (from the previous chunk's tail when it starts earlier); -1 at
  // the start of the file.
  int ByteBefore(std::string_view chunk, size_t end, size_t length) const {
    if (end > length) return static_cast<unsigned char>(chunk[end - length - 1]);
    const size_t back = length - end + 1;  // bytes into the previous chunks
    if (back > tail_.size()) return -1;
    return static_cast<unsigned char>(tail_[tail_.size() - back]);
  }

  // The last bytes read, as many as the longest needle needs.
  void KeepTail(std::string_view chunk) {
    const size_t keep = ac_.max_pattern_length() + 1;
    if (chunk.size() >= keep) {
      tail_.assign(chunk.substr(chunk.size() - keep));
    } else {
      tail_.append(chunk);
      if (tail_.size() > keep) tail_.erase(0, tail_.size() - keep);
    }
  }

  // A hit counts unless a needle that starts (ends) with a digit sits right
  // after (before) another digit: inside a longer number it is a chance
  // match (an 11-digit tax id inside a masked 20-digit account number), not
  // that value. A value stored on its own is bounded by header bytes.
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
  std::string tail_;  // the end of the previous chunk (ByteBefore)
  std::vector<size_t> length_;
  std::vector<bool> digit_first_, digit_last_;
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
