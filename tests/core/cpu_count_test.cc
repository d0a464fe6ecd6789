// The cores a process may use (affinity and cgroup CPU limits) and the --threads policy on them.
#include "core/cpu_count.h"

#include <gtest/gtest.h>
#include <sched.h>

#include <climits>
#include <filesystem>
#include <fstream>

#include "support/cli_runner.h"

namespace outpost {
namespace {

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) != 0) return -1;
  return CPU_COUNT(&set);
}

TEST(CpuCount, AgreesWithTheAffinityMaskWithoutAQuota) {
  const CoreBudget b = core_budget();
  EXPECT_EQ(b.affinity, affinity_cpus());
  EXPECT_GE(b.cores, 1);
  EXPECT_LE(b.cores, b.affinity);
  if (b.cgroup_quota == 0)
    EXPECT_EQ(available_cores(), affinity_cpus());
  else
    EXPECT_EQ(available_cores(), std::min(b.cgroup_quota, b.affinity));
}

// A made-up /proc and /sys under a temp dir, as cgroup_cpu_limit reads them.
class FakeCgroups : public ::testing::Test {
 protected:
  void SetUp() override { root_ = testing::make_temp_dir("outpost-cgroups"); }
  void TearDown() override { std::filesystem::remove_all(root_); }
  void write(const std::string& relative, const std::string& text) {
    const std::filesystem::path p = root_ + relative;
    std::filesystem::create_directories(p.parent_path());
    std::ofstream(p) << text;
  }
  std::string root_;
};

TEST_F(FakeCgroups, V2QuotaRoundsUpAndTheTightestAncestorWins) {
  write("/proc/self/cgroup", "0::/user.slice/app\n");
  write("/proc/self/mountinfo",
        "30 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw,nsdelegate\n");
  write("/sys/fs/cgroup/user.slice/app/cpu.max", "250000 100000\n");  // 2.5 cores -> 3
  write("/sys/fs/cgroup/user.slice/cpu.max", "max 100000\n");
  write("/sys/fs/cgroup/cpu.max", "max 100000\n");
  EXPECT_EQ(cpu_count_internal::cgroup_cpu_limit(root_), 3);
  write("/sys/fs/cgroup/user.slice/cpu.max", "100000 100000\n");  // the parent allows 1
  EXPECT_EQ(cpu_count_internal::cgroup_cpu_limit(root_), 1);
}

TEST_F(FakeCgroups, V2WithoutALimit) {
  write("/proc/self/cgroup", "0::/\n");
  write("/proc/self/mountinfo", "30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw\n");
  write("/sys/fs/cgroup/cpu.max", "max 100000\n");
  EXPECT_EQ(cpu_count_internal::cgroup_cpu_limit(root_), 0);
}

TEST_F(FakeCgroups, V1QuotaOfAContainersOwnCgroup) {
  // Inside a container, the mount's root is the container's cgroup and /proc/self/cgroup names
  // the host's path for it.
  write("/proc/self/cgroup", "4:cpu,cpuacct:/docker/abc\n3:memory:/docker/abc\n0::/\n");
  write("/proc/self/mountinfo",
        "25 20 0:22 /docker/abc /sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct\n"
        "26 20 0:23 /docker/abc /sys/fs/cgroup/memory ro - cgroup cgroup rw,memory\n");
  write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "150000\n");
  write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_period_us", "100000\n");
  EXPECT_EQ(cpu_count_internal::cgroup_cpu_limit(root_), 2);
  write("/sys/fs/cgroup/cpu,cpuacct/cpu.cfs_quota_us", "-1\n");
  EXPECT_EQ(cpu_count_internal::cgroup_cpu_limit(root_), 0);
}

TEST_F(FakeCgroups, NothingToReadMeansNoLimit) {
  EXPECT_EQ(cpu_count_internal::cgroup_cpu_limit(root_), 0);
}

TEST(RobustInputThreads, ZeroMeansEveryAvailableCore) {
  auto n = resolve_thread_count(0);
  ASSERT_TRUE(n.is_ok());
  EXPECT_EQ(*n, available_cores());
  auto all = resolve_thread_count(available_cores());
  ASSERT_TRUE(all.is_ok());
  EXPECT_EQ(*all, available_cores());
  EXPECT_EQ(resolve_thread_count(1).value(), 1);
}

TEST(RobustInputThreads, MoreThanTheCoresOrNegativeIsAUsageError) {
  const int cores = available_cores();
  for (int requested : {cores + 1, 1000, 100000, INT_MAX}) {
    auto n = resolve_thread_count(requested);
    ASSERT_FALSE(n.is_ok()) << requested;
    EXPECT_EQ(n.status().code(), StatusCode::kUsage);
    const std::string& m = n.status().message();
    EXPECT_NE(m.find("--threads " + std::to_string(requested)), std::string::npos) << m;
    EXPECT_NE(m.find("can use " + std::to_string(cores) + " core"), std::string::npos) << m;
    EXPECT_NE(m.find("0 for all"), std::string::npos) << m;
  }
  for (int requested : {-1, INT_MIN}) {
    auto n = resolve_thread_count(requested);
    ASSERT_FALSE(n.is_ok());
    EXPECT_EQ(n.status().code(), StatusCode::kUsage);
    EXPECT_NE(n.status().message().find("cannot be negative"), std::string::npos);
  }
}

TEST(RobustInputThreads, ThreadsWithinTheCoresCanStart) {
  EXPECT_TRUE(check_threads_can_start(1).is_ok());
  EXPECT_TRUE(check_threads_can_start(available_cores()).is_ok());
}

}  // namespace
}  // namespace outpost
