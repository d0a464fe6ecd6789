#include <gtest/gtest.h>

#include <cmath>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::run_op;

std::vector<float> run_softmax_on_axis(Tensor x, int64_t axis, int64_t coerce_2d, float beta) {
  Attributes a;
  a.set("axis", axis);
  a.set("coerce_2d", coerce_2d);
  a.set("beta", beta);
  auto r = run_op(OpKind::kSoftmax, a, {{std::move(x)}}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

std::vector<float> run_softmax(Tensor x, float beta) {
  return run_softmax_on_axis(std::move(x), -1, 0, beta);
}

TEST(SoftmaxFloat, ThreeLogits) {
  // softmax([1,2,3]) = [e^-2, e^-1, 1] / (1 + e^-1 + e^-2)
  const double s = 1 + std::exp(-1.0) + std::exp(-2.0);
  auto y = run_softmax(make_tensor({1, 3}, {1, 2, 3}), 1.0f);
  ASSERT_EQ(y.size(), 3u);
  EXPECT_NEAR(y[0], std::exp(-2.0) / s, 1e-6);
  EXPECT_NEAR(y[1], std::exp(-1.0) / s, 1e-6);
  EXPECT_NEAR(y[2], 1.0 / s, 1e-6);
}

TEST(SoftmaxFloat, LargeLogitsDoNotOverflow) {
  // [1000, 1001] -> [1/(1+e), e/(1+e)]
  auto y = run_softmax(make_tensor({2}, {1000, 1001}), 1.0f);
  ASSERT_EQ(y.size(), 2u);
  const double e = std::exp(1.0);
  EXPECT_NEAR(y[0], 1 / (1 + e), 1e-6);
  EXPECT_NEAR(y[1], e / (1 + e), 1e-6);
}

TEST(SoftmaxFloat, BetaAndRows) {
  // beta 2, rows [0, ln 2] and [5, 5]: row 0 -> [1, 4] / 5 = [0.2, 0.8]; row 1 -> [0.5, 0.5]
  auto y = run_softmax(make_tensor({2, 2}, {0, std::log(2.0f), 5, 5}), 2.0f);
  ASSERT_EQ(y.size(), 4u);
  EXPECT_NEAR(y[0], 0.2, 1e-6);
  EXPECT_NEAR(y[1], 0.8, 1e-6);
  EXPECT_NEAR(y[2], 0.5, 1e-6);
  EXPECT_NEAR(y[3], 0.5, 1e-6);
}

TEST(SoftmaxFloat, AnInnerAxisWithBeta) {
  // The columns of [[0, 5], [ln 2, 5]] with beta 2: [1, 4] / 5 and [0.5, 0.5]. TFLite's kernel
  // declines the inner axis; the general one takes it, beta included.
  auto y = run_softmax_on_axis(make_tensor({2, 2}, {0, 5, std::log(2.0f), 5}), 0, 0, 2.0f);
  ASSERT_EQ(y.size(), 4u);
  EXPECT_NEAR(y[0], 0.2, 1e-6);
  EXPECT_NEAR(y[1], 0.5, 1e-6);
  EXPECT_NEAR(y[2], 0.8, 1e-6);
  EXPECT_NEAR(y[3], 0.5, 1e-6);
  Attributes inner;
  inner.set("axis", int64_t{0});
  const Status tflite_kernel = testing::factory_status(
      make_softmax_float, OpKind::kSoftmax, inner, {{make_tensor({2, 2}, {0, 0, 0, 0})}}, {{}});
  EXPECT_EQ(tflite_kernel.code(), StatusCode::kUnsupported);
}

TEST(SoftmaxFloat, TheTwoDimensionalFormNormalizesTrailingAxesTogether) {
  // ONNX's older form at axis 1 over [1, 2, 2]: one row of four, so each is 1/4 (the one-axis
  // form would give 1/2). Trailing axes: TFLite's kernel takes it.
  auto y = run_softmax_on_axis(make_tensor({1, 2, 2}, {3, 3, 3, 3}), 1, 1, 1.0f);
  ASSERT_EQ(y.size(), 4u);
  for (float v : y) EXPECT_FLOAT_EQ(v, 0.25f);
  Attributes a;
  a.set("axis", int64_t{1});
  a.set("coerce_2d", int64_t{1});
  const Status tflite_kernel = testing::factory_status(
      make_softmax_float, OpKind::kSoftmax, a, {{make_tensor({1, 2, 2}, {3, 3, 3, 3})}}, {{}});
  EXPECT_TRUE(tflite_kernel.is_ok()) << tflite_kernel.message();
}

TEST(SoftmaxFloat, Int32IsUnsupported) {
  auto r = testing::factory_status(make_softmax_float, OpKind::kSoftmax, {},
                                   {{make_typed<int32_t>({2}, {1, 2})}}, {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
