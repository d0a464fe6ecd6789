// advise_huge_pages marks a large block for transparent huge pages (the VMA's "hg" flag in
// /proc/self/smaps, which records the advice whether or not the kernel then finds huge pages),
// and leaves a block under two huge pages alone.
#include "core/huge_pages.h"

#include <gtest/gtest.h>
#include <sys/mman.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace outpost {
namespace {

// The VmFlags of the mapping that contains `address`, from /proc/self/smaps.
std::string vm_flags_at(const void* address) {
  std::ifstream smaps("/proc/self/smaps");
  const auto a = reinterpret_cast<uintptr_t>(address);
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream head(line);
    if (head >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= a && a < hi;
      continue;
    }
    if (inside && line.rfind("VmFlags:", 0) == 0) return line.substr(8);
  }
  return "";
}

bool has_flag(const std::string& flags, const std::string& flag) {
  std::istringstream words(flags);
  std::string w;
  while (words >> w)
    if (w == flag) return true;
  return false;
}

struct Mapping {
  explicit Mapping(size_t n)
      : bytes(n),
        data(::mmap(nullptr, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)) {}
  ~Mapping() {
    if (data != MAP_FAILED) ::munmap(data, bytes);
  }
  size_t bytes;
  void* data;
};

constexpr size_t kMiB = size_t{1} << 20;

TEST(HugePages, ALargeBlockIsAdvisedAndASmallOneIsNot) {
  std::ifstream thp("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string modes;
  std::getline(thp, modes);
  if (modes.find("[never]") != std::string::npos || modes.empty())
    GTEST_SKIP() << "this kernel has transparent huge pages off ('" << modes << "')";
  Mapping large(16 * kMiB);
  ASSERT_NE(large.data, MAP_FAILED);
  // The middle of the block is inside its 2 MiB-aligned interior whatever the alignment.
  const void* middle = static_cast<uint8_t*>(large.data) + 8 * kMiB;
  EXPECT_FALSE(has_flag(vm_flags_at(middle), "hg")) << vm_flags_at(middle);
  advise_huge_pages(large.data, large.bytes);
  EXPECT_TRUE(has_flag(vm_flags_at(middle), "hg")) << vm_flags_at(middle);

  Mapping small(3 * kMiB);  // at most one aligned huge page inside
  ASSERT_NE(small.data, MAP_FAILED);
  advise_huge_pages(small.data, small.bytes);
  const void* small_middle = static_cast<uint8_t*>(small.data) + small.bytes / 2;
  EXPECT_FALSE(has_flag(vm_flags_at(small_middle), "hg")) << vm_flags_at(small_middle);
}

}  // namespace
}  // namespace outpost
