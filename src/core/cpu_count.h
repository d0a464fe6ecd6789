// How many cores this process may really use, and the thread-count policy built on it.
//
// A container or a CPU-pinned service sees every core of the machine in sysconf() and
// /proc/cpuinfo, but runs on a few: one compute thread per core of the machine there means
// threads that wait for each other's time slices (a 0.8 ms model took seconds at 64 threads on
// 2 cores), and thread pools that spin at barriers for threads the scheduler is not running.
#pragma once

#include <string>

#include "outpost/status.h"

namespace outpost {

struct CoreBudget {
  int affinity = 1;      // CPUs in the process's affinity mask (sched_getaffinity)
  int cgroup_quota = 0;  // ceil(quota / period) of the tightest cgroup CPU limit; 0: none
  int cores = 1;         // what the process may use: the smaller of the two
};

// Reads the affinity mask and the cgroup CPU limits (v2 `cpu.max`, v1 `cpu.cfs_quota_us` over
// `cpu.cfs_period_us`, of the process's cgroup and every cgroup above it that is visible).
CoreBudget core_budget();
int available_cores();

// The thread count a session runs with: `requested` 0 means all available cores; 1 up to
// available_cores() is taken as is; more, or a negative count, is kUsage naming the count,
// since more compute threads than cores only slow a model down (and thousands hang or crash the
// thread pools underneath).
Result<int> resolve_thread_count(int requested);

// Whether `threads` - 1 more threads can be started now (the caller's thread is the other one).
// pthreadpool waits forever for a worker it failed to start, and GNU OpenMP exits the process:
// trying first turns a thread limit (ulimit -u, a cgroup's pids.max) into a Status.
Status check_threads_can_start(int threads);

namespace cpu_count_internal {
// The cgroup CPU limit as core_budget() reads it, with every path read under `root` ("" for the
// real /proc and /sys), so tests can give it a made-up tree; 0 when there is none.
int cgroup_cpu_limit(const std::string& root);
}  // namespace cpu_count_internal

}  // namespace outpost
