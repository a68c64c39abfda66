#include "http/admission.h"

namespace spur::http {

Admission::Admission(int max_open, int max_per_peer, int reserved)
    : max_open_(max_open), max_per_peer_(max_per_peer), reserved_(reserved) {}

bool Admission::TryAdmit(const std::string& peer_key, bool privileged) {
  int& mine = per_peer_[peer_key];
  const bool fits =
      privileged ? open_ < max_open_ + reserved_ : open_ < max_open_ && mine < max_per_peer_;
  if (!fits) {
    if (mine == 0) per_peer_.erase(peer_key);
    return false;
  }
  ++mine;
  ++open_;
  return true;
}

void Admission::Release(const std::string& peer_key) {
  auto it = per_peer_.find(peer_key);
  if (it == per_peer_.end()) return;
  --open_;
  if (--it->second == 0) per_peer_.erase(it);
}

}  // namespace spur::http
