#include "runtime/memory_planner.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

bool overlap(size_t a, size_t a_size, size_t b, size_t b_size) { return a < b + b_size && b < a + a_size; }

TEST(MemoryPlanner, ReusesMemoryOfDeadTensors) {
  // A chain: t0 -> t1 -> t2 -> t3, each read only by the next step.
  std::vector<BufferRequest> chain = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  MemoryPlan plan = plan_memory(chain);
  EXPECT_EQ(plan.total, 2 * 1024u);  // two 64-byte-aligned slots suffice for a chain
}

TEST(MemoryPlanner, NeverOverlapsTensorsAliveTogether) {
  std::vector<BufferRequest> r = {{100, 0, 5}, {5000, 1, 2}, {300, 2, 4}, {5000, 3, 6}, {64, 0, 6}, {4096, 5, 6}};
  MemoryPlan plan = plan_memory(r);
  for (size_t i = 0; i < r.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % 64, 0u);
    EXPECT_LE(plan.offsets[i] + r[i].size, plan.total);
    for (size_t j = i + 1; j < r.size(); ++j) {
      const bool alive_together = r[i].first_step <= r[j].last_step && r[j].first_step <= r[i].last_step;
      if (alive_together) {
        EXPECT_FALSE(overlap(plan.offsets[i], r[i].size, plan.offsets[j], r[j].size)) << i << "," << j;
      }
    }
  }
  size_t sum = 0;
  for (const auto& x : r) sum += (x.size + 63) / 64 * 64;
  EXPECT_LT(plan.total, sum);  // some reuse happened
}

TEST(MemoryPlanner, EmptyPlan) { EXPECT_EQ(plan_memory({}).total, 0u); }

}  // namespace
}  // namespace outpost
