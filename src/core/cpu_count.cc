#include "core/cpu_count.h"

#include <pthread.h>
#include <sched.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <sstream>
#include <vector>

namespace outpost {
namespace {

int affinity_count() {
  // The mask may be larger than cpu_set_t on machines with over 1024 CPUs: grow until it fits.
  for (int cpus = CPU_SETSIZE; cpus <= (1 << 20); cpus *= 2) {
    cpu_set_t* set = CPU_ALLOC(cpus);
    if (set == nullptr) break;
    const size_t bytes = CPU_ALLOC_SIZE(cpus);
    CPU_ZERO_S(bytes, set);
    const int rc = sched_getaffinity(0, bytes, set);
    const int count = rc == 0 ? CPU_COUNT_S(bytes, set) : 0;
    CPU_FREE(set);
    if (rc == 0) return count > 0 ? count : 1;
    if (errno != EINVAL) break;
  }
  return 1;
}

std::string read_line(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

// ceil(quota / period), at least 1; 0 when there is no limit.
int cores_of(long long quota, long long period) {
  if (quota <= 0 || period <= 0) return 0;
  const long long cores = (quota + period - 1) / period;
  return cores < 1 ? 1 : (cores > (1 << 20) ? (1 << 20) : static_cast<int>(cores));
}

// v2: "max 100000" (no limit) or "200000 100000".
int limit_v2(const std::string& dir) {
  std::istringstream in(read_line(dir + "/cpu.max"));
  std::string quota;
  long long period = 0;
  if (!(in >> quota >> period) || quota == "max") return 0;
  return cores_of(std::atoll(quota.c_str()), period);
}

// v1: cpu.cfs_quota_us is -1 when there is no limit.
int limit_v1(const std::string& dir) {
  const std::string quota = read_line(dir + "/cpu.cfs_quota_us");
  const std::string period = read_line(dir + "/cpu.cfs_period_us");
  if (quota.empty() || period.empty()) return 0;
  return cores_of(std::atoll(quota.c_str()), std::atoll(period.c_str()));
}

struct Mount {
  std::string root;         // the cgroup path mounted there (a container's own cgroup: "/")
  std::string mount_point;  // where, e.g. /sys/fs/cgroup/cpu,cpuacct
};

bool has_cpu_controller(const std::string& options) {
  std::istringstream in(options);
  for (std::string o; std::getline(in, o, ',');)
    if (o == "cpu") return true;
  return false;
}

// The tightest limit of `cgroup` (a path like /a/b) and its ancestors under one mount.
int tightest_limit(const std::string& root, const Mount& mount, std::string cgroup, bool v2) {
  // A cgroup outside the mounted subtree (another namespace's path) is not visible: use the
  // mount's own directory, which is then the process's cgroup as far as it can see.
  if (mount.root != "/") {
    const bool inside = cgroup == mount.root || cgroup.rfind(mount.root + "/", 0) == 0;
    cgroup = inside ? cgroup.substr(mount.root.size()) : "/";
  }
  int best = 0;
  for (;;) {
    const std::string dir = root + mount.mount_point + (cgroup == "/" ? "" : cgroup);
    const int limit = v2 ? limit_v2(dir) : limit_v1(dir);
    if (limit > 0 && (best == 0 || limit < best)) best = limit;
    if (cgroup.empty() || cgroup == "/") break;
    const size_t slash = cgroup.rfind('/');
    cgroup = slash == 0 || slash == std::string::npos ? "/" : cgroup.substr(0, slash);
  }
  return best;
}

}  // namespace

namespace cpu_count_internal {

int cgroup_cpu_limit(const std::string& root) {
  // /proc/self/cgroup: "0::/path" for v2, "N:cpu,cpuacct:/path" for v1's CPU controller.
  std::string v2_path, v1_path;
  bool has_v2 = false, has_v1 = false;
  {
    std::ifstream in(root + "/proc/self/cgroup");
    for (std::string line; std::getline(in, line);) {
      const size_t a = line.find(':'), b = a == std::string::npos ? a : line.find(':', a + 1);
      if (b == std::string::npos) continue;
      const std::string controllers = line.substr(a + 1, b - a - 1), path = line.substr(b + 1);
      if (line.compare(0, a, "0") == 0 && controllers.empty()) {
        has_v2 = true;
        v2_path = path;
      } else if (has_cpu_controller(controllers)) {
        has_v1 = true;
        v1_path = path;
      }
    }
  }
  // /proc/self/mountinfo: "id parent major:minor root mount-point options - fstype source
  // super-options".
  int best = 0;
  std::ifstream in(root + "/proc/self/mountinfo");
  for (std::string line; std::getline(in, line);) {
    std::istringstream fields(line);
    std::string id, parent, device, mount_root, mount_point, field;
    if (!(fields >> id >> parent >> device >> mount_root >> mount_point)) continue;
    while (fields >> field && field != "-") {
    }
    std::string fstype, source, super_options;
    if (!(fields >> fstype >> source >> super_options)) continue;
    int limit = 0;
    if (fstype == "cgroup2" && has_v2)
      limit = tightest_limit(root, {mount_root, mount_point}, v2_path, true);
    else if (fstype == "cgroup" && has_v1 && has_cpu_controller(super_options))
      limit = tightest_limit(root, {mount_root, mount_point}, v1_path, false);
    if (limit > 0 && (best == 0 || limit < best)) best = limit;
  }
  return best;
}

}  // namespace cpu_count_internal

CoreBudget core_budget() {
  CoreBudget b;
  b.affinity = affinity_count();
  b.cgroup_quota = cpu_count_internal::cgroup_cpu_limit("");
  b.cores = b.cgroup_quota > 0 && b.cgroup_quota < b.affinity ? b.cgroup_quota : b.affinity;
  return b;
}

int available_cores() { return core_budget().cores; }

Result<int> resolve_thread_count(int requested) {
  const CoreBudget b = core_budget();
  if (requested == 0) return b.cores;
  if (requested > 0 && requested <= b.cores) return requested;
  const std::string range = b.cores == 1 ? "use 1" : "use 1.." + std::to_string(b.cores);
  if (requested < 0)
    return usage_error("--threads " + std::to_string(requested) +
                       ": a thread count cannot be negative; " + range + ", or 0 for all");
  std::string why = "affinity allows " + std::to_string(b.affinity) + ", ";
  why += b.cgroup_quota > 0 ? "cgroup CPU quota " + std::to_string(b.cgroup_quota)
                            : "no cgroup CPU quota";
  return usage_error("--threads " + std::to_string(requested) + ": this process can use " +
                     std::to_string(b.cores) + (b.cores == 1 ? " core" : " cores") + " (" + why +
                     "); " + range + ", or 0 for all");
}

Status check_threads_can_start(int threads) {
  std::vector<pthread_t> started;
  started.reserve(threads > 1 ? static_cast<size_t>(threads - 1) : 0);
  int error = 0;
  for (int i = 1; i < threads; ++i) {
    pthread_t t;
    error = pthread_create(
        &t, nullptr, [](void*) -> void* { return nullptr; }, nullptr);
    if (error != 0) break;
    started.push_back(t);
  }
  for (pthread_t t : started) pthread_join(t, nullptr);
  if (error == 0) return Status::ok();
  return internal_error("cannot start the " + std::to_string(threads - 1) +
                        " worker threads of --threads " + std::to_string(threads) + " (" +
                        std::to_string(started.size()) + " started, then: " + std::strerror(error) +
                        "); the process or user thread limit (ulimit -u, or a cgroup's "
                        "pids.max) is reached: use a smaller --threads");
}

}  // namespace outpost
