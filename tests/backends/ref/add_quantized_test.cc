// Quantized Add: a hand-worked rescaling, broadcasting, activation, and agreement with float
// addition of the dequantized inputs.
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

TEST(AddQuantized, Uint8HandWorked) {
  // a = 10 (scale 0.5, zp 0) = 5.0; b = 20 (scale 0.25, zp 10) = 2.5; sum 7.5 on scale 0.1 = 75.
  // In fixed point: twice the larger scale is 1.0; a: (10 << 20) * 0.5 = 5242880,
  // b: (10 << 20) * 0.25 = 2621440; sum 7864320 * 1 / (2^20 * 0.1) = 75.
  auto y = run_quantized<uint8_t>(OpKind::kAdd, act("none"),
                                  {{make_typed<uint8_t>({1}, {10}, qp(0.5f, 0))},
                                   {make_typed<uint8_t>({1}, {20}, qp(0.25f, 10))}},
                                  qp(0.1f, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{75}));
}

TEST(AddQuantized, Int8BroadcastWithRelu) {
  // a [2,2] (scale 1, zp 0) + b [2] (scale 1, zp 0), output scale 1 zp 0, relu:
  // [[-5, 3], [2, -1]] + [1, -4] = [[-4, -1], [3, -5]] -> [[0, 0], [3, 0]].
  Shape s;
  auto y = run_quantized<int8_t>(OpKind::kAdd, act("relu"),
                                 {{make_typed<int8_t>({2, 2}, {-5, 3, 2, -1}, qp(1.0f, 0))},
                                  {make_typed<int8_t>({2}, {1, -4}, qp(1.0f, 0))}},
                                 qp(1.0f, 0), &s);
  EXPECT_EQ(s, Shape({2, 2}));
  EXPECT_EQ(y, (std::vector<int8_t>{0, 0, 3, 0}));
}

TEST(AddQuantized, SaturatesAtTheTypeRange) {
  // 200 + 200 steps of 1.0 on an output of scale 1: 400 saturates to 255.
  auto y = run_quantized<uint8_t>(OpKind::kAdd, act("none"),
                                  {{make_typed<uint8_t>({1}, {200}, qp(1.0f, 0))},
                                   {make_typed<uint8_t>({1}, {200}, qp(1.0f, 0))}},
                                  qp(1.0f, 0));
  EXPECT_EQ(y, (std::vector<uint8_t>{255}));
}

template <typename T>
void check_broadcast(const Shape& as, const Shape& bs, uint32_t seed, const char* activation) {
  std::mt19937 rng(seed);
  const bool is_u8 = std::is_same_v<T, uint8_t>;
  const QuantParams aq = is_u8 ? qp(0.03f, 110) : qp(0.03f, -5);
  const QuantParams bq = is_u8 ? qp(0.07f, 140) : qp(0.07f, 12);
  const QuantParams yq = is_u8 ? qp(0.08f, 128) : qp(0.08f, 0);
  const auto a = random_values<T>(static_cast<size_t>(*as.num_elements()), rng);
  const auto b = random_values<T>(static_cast<size_t>(*bs.num_elements()), rng);
  Shape ys;
  auto y = run_quantized<T>(OpKind::kAdd, act(activation),
                            {{make_typed<T>(as, a, aq)}, {make_typed<T>(bs, b, bq)}}, yq, &ys);
  // Independent broadcasting: walk output coordinates, map each to the inputs.
  const size_t rank = ys.rank();
  std::vector<int> want;
  for (int64_t o = 0; o < *ys.num_elements(); ++o) {
    int64_t rem = o, ia = 0, ib = 0, sa = 1, sb = 1;
    for (size_t k = rank; k-- > 0;) {
      const int64_t coord = rem % ys[k];
      rem /= ys[k];
      const int64_t ka = static_cast<int64_t>(k) - static_cast<int64_t>(rank - as.rank());
      const int64_t kb = static_cast<int64_t>(k) - static_cast<int64_t>(rank - bs.rank());
      if (ka >= 0) {
        ia += (as[static_cast<size_t>(ka)] == 1 ? 0 : coord) * sa;
        sa *= as[static_cast<size_t>(ka)];
      }
      if (kb >= 0) {
        ib += (bs[static_cast<size_t>(kb)] == 1 ? 0 : coord) * sb;
        sb *= bs[static_cast<size_t>(kb)];
      }
    }
    want.push_back(expected_q<T>(
        dequantize(a, static_cast<size_t>(ia), aq) + dequantize(b, static_cast<size_t>(ib), bq), yq,
        activation));
  }
  expect_within(y, want);
}

TEST(AddQuantized, Uint8MatchesFloatWithinOneStep) {
  check_broadcast<uint8_t>({2, 3, 4, 5}, {2, 3, 4, 5}, 1, "none");
  check_broadcast<uint8_t>({2, 3, 4, 5}, {5}, 2, "relu6");
  check_broadcast<uint8_t>({3, 1, 5}, {4, 1}, 3, "none");
}

TEST(AddQuantized, Int8MatchesFloatWithinOneStep) {
  check_broadcast<int8_t>({1, 7, 7, 16}, {1, 7, 7, 16}, 4, "none");
  check_broadcast<int8_t>({1, 4, 1, 3}, {1, 1, 6, 3}, 5, "relu");
}

}  // namespace
}  // namespace outpost
