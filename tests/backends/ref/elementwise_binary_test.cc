#include <gtest/gtest.h>

#include <array>
#include <random>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

Attributes act(const std::string& activation) {
  Attributes a;
  a.set("activation", activation);
  return a;
}

std::vector<float> run_binary(OpKind op, const Attributes& attrs, Tensor a, Tensor b,
                              Shape* shape = nullptr) {
  auto r = run_op(op, attrs, {{std::move(a)}, {std::move(b)}}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  if (shape) *shape = t.shape();
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(ElementwiseBinaryFloat, AddSameShape) {
  Shape s;
  auto y = run_binary(OpKind::kAdd, {}, make_tensor({1, 2, 2}, {1, 2, 3, 4}),
                      make_tensor({1, 2, 2}, {10, 20, 30, 40}), &s);
  EXPECT_EQ(s, Shape({1, 2, 2}));
  EXPECT_EQ(y, (std::vector<float>{11, 22, 33, 44}));
}

TEST(ElementwiseBinaryFloat, SubBroadcastsTheLastAxis) {
  // [[1,2,3],[4,5,6]] - [1,2,3] = [[0,0,0],[3,3,3]]
  auto y = run_binary(OpKind::kSub, {}, make_tensor({2, 3}, {1, 2, 3, 4, 5, 6}),
                      make_tensor({3}, {1, 2, 3}));
  EXPECT_EQ(y, (std::vector<float>{0, 0, 0, 3, 3, 3}));
}

TEST(ElementwiseBinaryFloat, MulByScalarThenRelu) {
  // [-1,2,-3,4] * 2 = [-2,4,-6,8]; relu -> [0,4,0,8]
  auto y = run_binary(OpKind::kMul, act("relu"), make_tensor({2, 2}, {-1, 2, -3, 4}),
                      make_tensor(Shape{}, {2}));
  EXPECT_EQ(y, (std::vector<float>{0, 4, 0, 8}));
}

TEST(ElementwiseBinaryFloat, DivBroadcastsBothSides) {
  // [[6],[12]] / [[1,2,3]] = [[6,3,2],[12,6,4]]
  Shape s;
  auto y = run_binary(OpKind::kDiv, {}, make_tensor({2, 1}, {6, 12}),
                      make_tensor({1, 3}, {1, 2, 3}), &s);
  EXPECT_EQ(s, Shape({2, 3}));
  EXPECT_EQ(y, (std::vector<float>{6, 3, 2, 12, 6, 4}));
}

TEST(ElementwiseBinaryFloat, ScalarOnTheLeft) {
  // 10 - [1,2,3] = [9,8,7]
  auto y = run_binary(OpKind::kSub, {}, make_tensor({1}, {10}), make_tensor({3}, {1, 2, 3}));
  EXPECT_EQ(y, (std::vector<float>{9, 8, 7}));
}

TEST(ElementwiseBinaryFloat, FusedActivations) {
  // a + b = [-3, -0.5, 0.5, 3, 8]
  auto a = make_tensor({5}, {-4, -1, 0, 1, 4});
  auto b = make_tensor({5}, {1, 0.5f, 0.5f, 2, 4});
  EXPECT_EQ(run_binary(OpKind::kAdd, act("relu6"), a, b), (std::vector<float>{0, 0, 0.5f, 3, 6}));
  EXPECT_EQ(run_binary(OpKind::kAdd, act("relu_n1_to_1"), a, b),
            (std::vector<float>{-1, -0.5f, 0.5f, 1, 1}));
  auto t = run_binary(OpKind::kAdd, act("tanh"), a, b);
  ASSERT_EQ(t.size(), 5u);
  EXPECT_NEAR(t[0], -0.99505475f, 1e-6);  // tanh(-3)
  EXPECT_NEAR(t[3], 0.99505475f, 1e-6);
  EXPECT_EQ(run_binary(OpKind::kAdd, act("none"), a, b),
            (std::vector<float>{-3, -0.5f, 0.5f, 3, 8}));
}

// Rank-6 broadcasting against a naive evaluation that maps every output index back to each
// input through per-dimension clamping.
TEST(ElementwiseBinaryFloat, RandomRank6BroadcastMatchesNaive) {
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(0.5f, 2.0f);
  const std::vector<std::pair<Shape, Shape>> cases = {
      {{2, 1, 3, 1, 2, 3}, {1, 2, 1, 2, 1, 3}}, {{2, 3, 1, 2, 1, 1}, {3, 1, 2, 5}},
      {{1, 1, 1, 1, 1, 5}, {2, 2, 2, 2, 2, 1}}, {{3, 1, 4}, {3, 2, 4}},
      {{2, 2, 2, 2, 2, 2}, {2, 2, 2, 2, 2, 2}},
  };
  for (const auto& [sa, sb] : cases) {
    std::vector<float> va(static_cast<size_t>(*sa.num_elements())),
        vb(static_cast<size_t>(*sb.num_elements()));
    for (auto& v : va) v = dist(rng);
    for (auto& v : vb) v = dist(rng);
    for (OpKind op : {OpKind::kAdd, OpKind::kSub, OpKind::kMul, OpKind::kDiv}) {
      Shape so;
      auto y = run_binary(op, {}, make_tensor(sa, va), make_tensor(sb, vb), &so);
      const size_t rank = so.rank();
      ASSERT_EQ(y.size(), static_cast<size_t>(*so.num_elements()));
      for (size_t flat = 0; flat < y.size(); ++flat) {
        std::vector<int64_t> idx(rank);
        size_t rem = flat;
        for (size_t k = rank; k-- > 0;) {
          idx[k] = static_cast<int64_t>(rem % static_cast<size_t>(so[k]));
          rem /= static_cast<size_t>(so[k]);
        }
        auto offset = [&](const Shape& s) {
          int64_t off = 0;
          for (size_t k = 0; k < s.rank(); ++k) {
            const int64_t i = idx[rank - s.rank() + k];
            off = off * s[k] + (s[k] == 1 ? 0 : i);
          }
          return static_cast<size_t>(off);
        };
        const float x = va[offset(sa)], z = vb[offset(sb)];
        const float want = op == OpKind::kAdd   ? x + z
                           : op == OpKind::kSub ? x - z
                           : op == OpKind::kMul ? x * z
                                                : x / z;
        ASSERT_FLOAT_EQ(y[flat], want)
            << op_name(op) << " " << sa.to_string() << " " << sb.to_string() << " at " << flat;
      }
    }
  }
}

TEST(ElementwiseBinaryFloat, IntegerInputIsUnsupported) {
  auto r = testing::factory_status(
      make_binary_float, OpKind::kAdd, {},
      {{make_typed<int32_t>({2}, {1, 2})}, {make_typed<int32_t>({2}, {3, 4})}}, {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

TEST(ElementwiseBinaryFloat, UnknownActivationIsUnsupported) {
  auto r = testing::factory_status(make_binary_float, OpKind::kAdd, act("sign_bit"),
                                   {{make_tensor({2}, {1, 2})}, {make_tensor({2}, {3, 4})}}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
  EXPECT_NE(r.message().find("sign_bit"), std::string::npos);
}

TEST(ElementwiseBinaryFloat, RankAboveSixIsUnsupported) {
  auto r = testing::factory_status(
      make_binary_float, OpKind::kMul, {},
      {{make_tensor({1, 1, 1, 1, 1, 1, 2}, {1, 2})}, {make_tensor({2}, {3, 4})}}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
