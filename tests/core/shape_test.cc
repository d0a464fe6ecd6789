#include "outpost/shape.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

TEST(Shape, CountsElementsAndPrints) {
  Shape s{1, 224, 224, 3};
  EXPECT_EQ(s.num_elements(), 150528);
  EXPECT_EQ(s.to_string(), "[1, 224, 224, 3]");
  EXPECT_TRUE(s.is_static());
}

TEST(Shape, AHugeRankPrintsShort) {
  EXPECT_EQ(Shape(std::vector<int64_t>(11, 1)).to_string(), "[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]");
  std::vector<int64_t> dims(100000, 1);
  dims.back() = 7;
  EXPECT_EQ(Shape(dims).to_string(), "[1, 1, 1, 1, 1, 1, 1, 1, ..., 1, 7] (rank 100000)");
}

TEST(Shape, UnknownOrOverflowingHasNoElementCount) {
  EXPECT_FALSE(Shape({1, -1}).num_elements().has_value());
  EXPECT_FALSE(Shape({1LL << 40, 1LL << 40}).num_elements().has_value());
  EXPECT_EQ(Shape().num_elements(), 1);
}

}  // namespace
}  // namespace outpost
