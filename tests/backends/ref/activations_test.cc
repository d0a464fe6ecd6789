#include <gtest/gtest.h>

#include <cmath>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::run_op;

std::vector<float> run_act(OpKind op, std::vector<float> x) {
  const auto n = static_cast<int64_t>(x.size());
  auto r = run_op(op, {}, {{make_tensor({n}, x)}}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(ActivationsFloat, Relu) {
  EXPECT_EQ(run_act(OpKind::kRelu, {-1, 0, 2.5f}), (std::vector<float>{0, 0, 2.5f}));
}

TEST(ActivationsFloat, TflitesRelu6IsAClipOfAttributeBounds) {
  Attributes relu6;
  relu6.set("min", 0.0f);
  relu6.set("max", 6.0f);
  auto r = run_op(OpKind::kClip, relu6, {{make_tensor({4}, {-1, 3, 6, 7})}}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const Tensor& t = r.value()[0];
  EXPECT_EQ(std::vector<float>(t.data_as<float>(), t.data_as<float>() + 4),
            (std::vector<float>{0, 3, 6, 6}));
}

TEST(ActivationsFloat, Logistic) {
  // sigmoid(0) = 0.5; sigmoid(ln 3) = 1 / (1 + 1/3) = 0.75; sigmoid(-ln 3) = 0.25
  auto y = run_act(OpKind::kLogistic, {0, std::log(3.0f), -std::log(3.0f), -100});
  ASSERT_EQ(y.size(), 4u);
  EXPECT_FLOAT_EQ(y[0], 0.5f);
  EXPECT_FLOAT_EQ(y[1], 0.75f);
  EXPECT_FLOAT_EQ(y[2], 0.25f);
  EXPECT_NEAR(y[3], 0.0f, 1e-30);
}

TEST(ActivationsFloat, Tanh) {
  // tanh(ln 2) = (2 - 1/2) / (2 + 1/2) = 0.6
  auto y = run_act(OpKind::kTanh, {0, std::log(2.0f), -std::log(2.0f)});
  ASSERT_EQ(y.size(), 3u);
  EXPECT_FLOAT_EQ(y[0], 0.0f);
  EXPECT_FLOAT_EQ(y[1], 0.6f);
  EXPECT_FLOAT_EQ(y[2], -0.6f);
}

TEST(ActivationsFloat, HardSwish) {
  // x * relu6(x + 3) / 6: -4 -> 0; -1 -> -1 * 2 / 6 = -1/3; 0 -> 0; 1 -> 4/6 = 2/3;
  // 3 -> 3 * 6 / 6 = 3; 5 -> 5 (relu6 saturates)
  auto y = run_act(OpKind::kHardSwish, {-4, -1, 0, 1, 3, 5});
  ASSERT_EQ(y.size(), 6u);
  const float want[] = {0, -1.0f / 3, 0, 2.0f / 3, 3, 5};
  for (size_t i = 0; i < 6; ++i) EXPECT_FLOAT_EQ(y[i], want[i]) << i;
}

TEST(ActivationsFloat, Int32IsUnsupported) {
  for (OpKind op :
       {OpKind::kRelu, OpKind::kLogistic, OpKind::kTanh, OpKind::kHardSwish}) {
    auto r = testing::factory_status(make_activation_float, op, {},
                                     {{make_typed<int32_t>({1}, {1})}}, {{DType::kInt32}});
    ASSERT_FALSE(r.is_ok()) << op_name(op);
    EXPECT_EQ(r.code(), StatusCode::kUnsupported) << op_name(op);
  }
}

}  // namespace
}  // namespace outpost
