// TopK on the reference backend: the first k of a total order (ties by the lower index, as the
// ONNX reference; a NaN after every number), found without sorting the whole axis (a k of 3 over
// millions of elements was fuzz_tflite timeout-83f80e81).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::run_op;

struct TopK {
  std::vector<float> values;
  std::vector<int64_t> indices;
};

TopK top_k(const std::vector<float>& x, int64_t k, bool largest) {
  Attributes a;
  a.set("axis", int64_t{-1});
  a.set("largest", int64_t{largest ? 1 : 0});
  a.set("sorted", int64_t{1});
  testing::OpInput kin{make_typed<int64_t>(Shape{1}, {k}), /*constant=*/true};
  auto r = run_op(OpKind::kTopK, a, {{make_tensor(Shape{static_cast<int64_t>(x.size())}, x)}, kin},
                  {{DType::kFloat32}, {DType::kInt64}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& v = (*r)[0];
  const Tensor& i = (*r)[1];
  return {{v.data_as<float>(), v.data_as<float>() + v.num_elements()},
          {i.data_as<int64_t>(), i.data_as<int64_t>() + i.num_elements()}};
}

TEST(TopKReference, TiesKeepTheLowerIndexFirst) {
  const TopK big = top_k({3, 5, 1, 5, 3}, 3, true);
  EXPECT_EQ(big.values, (std::vector<float>{5, 5, 3}));
  EXPECT_EQ(big.indices, (std::vector<int64_t>{1, 3, 0}));
  const TopK small = top_k({3, 5, 1, 5, 3}, 3, false);
  EXPECT_EQ(small.values, (std::vector<float>{1, 3, 3}));
  EXPECT_EQ(small.indices, (std::vector<int64_t>{2, 0, 4}));
}

TEST(TopKReference, ANanComesAfterEveryNumber) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  for (const bool largest : {true, false}) {
    const TopK r = top_k({nan, 2, nan, -1}, 4, largest);
    ASSERT_EQ(r.indices.size(), 4u);
    EXPECT_EQ(r.indices, largest ? (std::vector<int64_t>{1, 3, 0, 2}) : (std::vector<int64_t>{3, 1, 0, 2}));
    EXPECT_TRUE(std::isnan(r.values[2]) && std::isnan(r.values[3]));
  }
}

TEST(TopKReference, AFewOfALongAxisAreTheLargestInOrder) {
  std::vector<float> x(1 << 20);
  for (size_t i = 0; i < x.size(); ++i) x[i] = static_cast<float>((i * 7919) % 1000003);
  const TopK r = top_k(x, 3, true);
  // Against a full sort of the same (value, index) pairs.
  std::vector<std::pair<float, int64_t>> all;
  for (size_t i = 0; i < x.size(); ++i) all.emplace_back(-x[i], static_cast<int64_t>(i));
  std::sort(all.begin(), all.end());
  for (size_t j = 0; j < 3; ++j) {
    EXPECT_EQ(r.values[j], -all[j].first);
    EXPECT_EQ(r.indices[j], all[j].second);
  }
}

// An empty tensor whose axis is longer than any memory: nothing to order, nothing allocated for it
// (fuzz_tflite oom-7659f416 asked for 5.6 GB of indices at creation, before the arena could
// refuse its input).
TEST(TopKReference, AnEmptyTensorWithAHugeAxisAllocatesNothingForIt) {
  Attributes a;
  a.set("axis", int64_t{-1});
  a.set("sorted", int64_t{1});
  testing::OpInput kin{make_typed<int64_t>(Shape{1}, {1}), /*constant=*/true};
  const int64_t huge = int64_t{1} << 40;
  auto r = run_op(OpKind::kTopK, a, {{make_tensor(Shape{0, huge}, {})}, kin},
                  {{DType::kFloat32}, {DType::kInt64}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{0, 1}));
  EXPECT_EQ((*r)[1].num_elements(), 0);
}

}  // namespace
}  // namespace outpost
