// Network helpers for port allocation.
#pragma once

namespace spur::os {

// True when nothing listens on TCP `port` on 127.0.0.1 or any address (a bind
// test with SO_REUSEADDR, closed at once).
bool TcpPortFree(int port);

}  // namespace spur::os
