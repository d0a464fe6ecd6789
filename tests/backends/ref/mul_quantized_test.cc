// Quantized Mul: hand-worked product, broadcasting, and agreement with float multiplication.
#include <gtest/gtest.h>

#include "backends/ref/quantized_test_util.h"

namespace outpost {
namespace {

using namespace qtest;  // NOLINT: test helpers
using testing::make_typed;

Attributes act(const std::string& activation) {
  Attributes a;
  a.set("activation", activation);
  return a;
}

TEST(MulQuantized, Uint8HandWorked) {
  // a = 14 (scale 0.5, zp 10) = 2.0; b = 3 (scale 1, zp 0) = 3.0; product 6.0 on scale 0.1,
  // zp 5 = 65. Fixed point: (4 * 3) * 0.5 * 1 / 0.1 = 12 * 5 = 60, + 5.
  auto y = run_quantized<uint8_t>(OpKind::kMul, act("none"),
                                  {{make_typed<uint8_t>({1}, {14}, qp(0.5f, 10))},
                                   {make_typed<uint8_t>({1}, {3}, qp(1.0f, 0))}},
                                  qp(0.1f, 5));
  EXPECT_EQ(y, (std::vector<uint8_t>{65}));
}

TEST(MulQuantized, Int8BroadcastMatchesFloat) {
  std::mt19937 rng(5);
  const QuantParams aq = qp(0.04f, -3), bq = qp(0.02f, 7), yq = qp(0.01f, 2);
  const auto a = random_values<int8_t>(24, rng);
  const auto b = random_values<int8_t>(4, rng);
  auto y = run_quantized<int8_t>(
      OpKind::kMul, act("relu6"),
      {{make_typed<int8_t>({2, 3, 4}, a, aq)}, {make_typed<int8_t>({4}, b, bq)}}, yq);
  std::vector<int> want;
  for (size_t i = 0; i < a.size(); ++i)
    want.push_back(
        expected_q<int8_t>(dequantize(a, i, aq) * dequantize(b, i % 4, bq), yq, "relu6"));
  expect_within(y, want);
}

}  // namespace
}  // namespace outpost
