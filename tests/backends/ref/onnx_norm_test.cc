// ONNX BatchNormalization, LayerNormalization, InstanceNormalization and LRN (reference
// kernels) on small hand-computed cases.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::OpOutput;
using testing::run_op;

TEST(OnnxNorm, BatchNormalizationInference) {
  Attributes a;
  a.set("epsilon", 0.0f);
  auto r = run_op(OpKind::kBatchNormalization, a,
                  {{make_tensor(Shape{1, 2, 2}, {1, 3, 10, 20})},
                   {make_tensor(Shape{2}, {2, 1})},
                   {make_tensor(Shape{2}, {0, 1})},
                   {make_tensor(Shape{2}, {2, 10})},
                   {make_tensor(Shape{2}, {4, 25})}},
                  {OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const float* y = (*r)[0].data_as<float>();
  // Channel 0: (x - 2) / 2 * 2; channel 1: (x - 10) / 5 + 1.
  EXPECT_EQ(std::vector<float>(y, y + 4), (std::vector<float>{-1, 1, 1, 3}));
}

TEST(OnnxNorm, LayerNormalizationWithStatistics) {
  Attributes a;
  a.set("axis", int64_t{1});
  a.set("epsilon", 0.0f);
  auto r = run_op(OpKind::kLayerNormalization, a,
                  {{make_tensor(Shape{2, 2}, {1, 3, 5, 5})},
                   {make_tensor(Shape{2}, {1, 2})},
                   {make_tensor(Shape{1}, {0.5f})}},
                  {OpOutput{}, OpOutput{}, OpOutput{}});
  // Row 1 has variance 0: inv_std_dev is infinite and y is NaN, as the definition gives.
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const float* y = (*r)[0].data_as<float>();
  EXPECT_FLOAT_EQ(y[0], -1 + 0.5f);
  EXPECT_FLOAT_EQ(y[1], 2 + 0.5f);
  EXPECT_EQ((*r)[1].shape(), (Shape{2, 1}));
  EXPECT_FLOAT_EQ((*r)[1].data_as<float>()[0], 2);
  EXPECT_FLOAT_EQ((*r)[1].data_as<float>()[1], 5);
  EXPECT_FLOAT_EQ((*r)[2].data_as<float>()[0], 1);
  EXPECT_TRUE(std::isinf((*r)[2].data_as<float>()[1]));
}

TEST(OnnxNorm, InstanceNormalizationPerPlane) {
  Attributes a;
  a.set("epsilon", 0.0f);
  auto r = run_op(OpKind::kInstanceNormalization, a,
                  {{make_tensor(Shape{1, 2, 2}, {0, 2, 4, 4})},
                   {make_tensor(Shape{2}, {3, 1})},
                   {make_tensor(Shape{2}, {1, 7})}},
                  {OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const float* y = (*r)[0].data_as<float>();
  EXPECT_FLOAT_EQ(y[0], -2);
  EXPECT_FLOAT_EQ(y[1], 4);
  EXPECT_TRUE(std::isnan(y[2]));  // 0 / 0 on a constant plane with epsilon 0
}

TEST(OnnxNorm, LrnSumsNeighbouringChannels) {
  Attributes a;
  a.set("size", int64_t{3});
  a.set("alpha", 3.0f);
  a.set("beta", 1.0f);
  a.set("bias", 1.0f);
  auto r = run_op(OpKind::kLRN, a, {{make_tensor(Shape{1, 3, 1}, {1, 2, 3})}}, {OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const float* y = (*r)[0].data_as<float>();
  // Channel c divides by 1 + (3 / 3) * sum of squares of channels c-1..c+1.
  EXPECT_FLOAT_EQ(y[0], 1.0f / 6);
  EXPECT_FLOAT_EQ(y[1], 2.0f / 15);
  EXPECT_FLOAT_EQ(y[2], 3.0f / 14);
}

TEST(OnnxNorm, MeanVarianceNormalizationOverTheDefaultAxes) {
  // Axes 0, 2, 3: channel 0 holds {1, 3}, channel 1 holds {10, 10}.
  auto r = run_op(OpKind::kMeanVarianceNormalization, Attributes{},
                  {{make_tensor(Shape{1, 2, 1, 2}, {1, 3, 10, 10})}}, {OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const float* y = (*r)[0].data_as<float>();
  EXPECT_NEAR(y[0], -1, 1e-6);
  EXPECT_NEAR(y[1], 1, 1e-6);
  EXPECT_EQ(y[2], 0);
  EXPECT_EQ(y[3], 0);
}

}  // namespace
}  // namespace outpost
