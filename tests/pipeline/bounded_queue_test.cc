#include "pipeline/bounded_queue.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

namespace outpost {
namespace {

TEST(BoundedQueue, AFileSourceLosesNothingAndKeepsOrder) {
  BoundedQueue<int> q(2);  // far smaller than what goes through: the producer must wait
  std::thread producer([&] {
    for (int i = 0; i < 1000; ++i) ASSERT_TRUE(q.push(i));
    q.close();
  });
  std::vector<int> got;
  while (auto v = q.pop()) got.push_back(*v);
  producer.join();
  ASSERT_EQ(got.size(), 1000u);
  for (int i = 0; i < 1000; ++i) ASSERT_EQ(got[static_cast<size_t>(i)], i);
  EXPECT_EQ(q.dropped(), 0);
}

TEST(BoundedQueue, ALiveSourceDropsTheOldestAndCountsIt) {
  BoundedQueue<int> q(3);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(q.push(i, /*drop_oldest=*/true));
  q.close();
  std::vector<int> got;
  while (auto v = q.pop()) got.push_back(*v);
  EXPECT_EQ(got, (std::vector<int>{7, 8, 9}));  // the newest frames survive
  EXPECT_EQ(q.dropped(), 7);
}

TEST(BoundedQueue, CloseWakesABlockedProducerAndRefusesMore) {
  BoundedQueue<int> q(1);
  ASSERT_TRUE(q.push(1));
  bool pushed = true;
  std::thread producer([&] { pushed = q.push(2); });  // blocks: the queue is full
  q.close();
  producer.join();
  EXPECT_FALSE(pushed);
  EXPECT_EQ(q.pop(), 1);  // what was queued still drains
  EXPECT_EQ(q.pop(), std::nullopt);
}

}  // namespace
}  // namespace outpost
