// Marks code that runs on an HTTP I/O thread, where waiting is forbidden. Code
// that would wait (a database call) checks blocking_allowed() and answers
// "would block" instead, so the caller can retry the request on a worker.
#pragma once

namespace signet {

bool blocking_allowed();

class NonBlockingScope {
 public:
  NonBlockingScope();
  ~NonBlockingScope();
  NonBlockingScope(const NonBlockingScope&) = delete;
  NonBlockingScope& operator=(const NonBlockingScope&) = delete;

 private:
  bool previous_;
};

}  // namespace signet
