// Pool methods for where branches listen and the host clients are told to
// use: changeable after init (`spur config set listen_addresses|advertise_host`).
#include <cctype>

#include "engine/pool.h"

namespace spur::engine {

Status ValidateHosts(const std::string& what, const std::string& value, bool list) {
  bool ok = !value.empty() && value.size() <= 255;
  for (char c : value) {
    ok = ok && (std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == ':' || c == '-' ||
                (list && (c == ',' || c == '*')));
  }
  if (!ok) {
    return InvalidArgument(what + " takes " +
                           (list ? std::string("host names or IP addresses, comma-separated, or "
                                               "*, like 0.0.0.0 or 10.0.0.5,127.0.0.1")
                                 : std::string("one host name or IP address, like "
                                               "db.example.com or 10.0.0.5")));
  }
  return Status::Ok();
}

Result<std::vector<std::string>> Pool::SetAddress(const std::string& key,
                                                  const std::string& value) {
  PoolConfig changed = config_;
  if (key == "listen_addresses") {
    RETURN_IF_ERROR(ValidateHosts(key, value, /*list=*/true));
    changed.listen_addresses = value;
  } else if (key == "advertise_host") {
    RETURN_IF_ERROR(ValidateHosts(key, value, /*list=*/false));
    changed.advertise_host = value;
  } else {
    return InvalidArgument("unknown address setting \"" + key +
                           "\"; use listen_addresses or advertise_host");
  }
  RETURN_IF_ERROR(SaveConfig(*store_, changed));
  config_ = changed;
  std::vector<std::string> running;
  if (key != "listen_addresses") return running;  // URIs change at once
  ASSIGN_OR_RETURN(auto branches, store_->ListBranches());
  for (const auto& b : branches) {
    if (control_->IsRunning(layout_.BranchData(b.id))) running.push_back(b.name);
  }
  return running;
}

}  // namespace spur::engine
