#include "common/cpus.h"

#include <sched.h>

#include <algorithm>
#include <thread>

namespace signet {

int usable_cpus(int cap) {
  int n = 0;
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
  if (n <= 0) n = static_cast<int>(std::thread::hardware_concurrency());
  return std::clamp(n, 1, std::max(cap, 1));
}

}  // namespace signet
