// A plain text table: columns padded to their widest cell (UTF-8 aware).
#pragma once

#include <string>
#include <vector>

namespace spur::cli {

class Table {
 public:
  explicit Table(std::vector<std::string> header) : rows_{std::move(header)} {}
  void AddRow(std::vector<std::string> row) { rows_.push_back(std::move(row)); }
  void Print() const;

 private:
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace spur::cli
