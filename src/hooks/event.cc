#include "hooks/event.h"

namespace spur::hooks {

const char* PrActionName(PrAction action) {
  switch (action) {
    case PrAction::kOpen:
      return "open";
    case PrAction::kSync:
      return "sync";
    case PrAction::kClose:
      return "close";
    case PrAction::kIgnore:
      return "ignore";
  }
  return "ignore";
}

}  // namespace spur::hooks
