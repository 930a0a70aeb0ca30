// How many CPUs this process may run on: its affinity mask (taskset, a
// container's cpuset), not the machine's count. Sizes the HTTP event threads:
// more event threads than CPUs only adds context switches.
#pragma once

namespace signet {

// At least 1, at most `cap`.
int usable_cpus(int cap = 64);

}  // namespace signet
