#include "common/blocking.h"

namespace signet {
namespace {
thread_local bool non_blocking = false;
}

bool blocking_allowed() { return !non_blocking; }

NonBlockingScope::NonBlockingScope() : previous_(non_blocking) { non_blocking = true; }
NonBlockingScope::~NonBlockingScope() { non_blocking = previous_; }

}  // namespace signet
