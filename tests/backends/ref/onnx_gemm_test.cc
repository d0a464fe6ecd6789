// ONNX Gemm and MatMul (reference kernels) against plain loops: transposes, alpha/beta, C
// broadcast, numpy batch broadcasting and 1-D operands; and the shape checks.
#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpOutput;
using testing::run_op;

std::vector<float> random_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

TEST(OnnxGemm, TransposesAlphaBetaAndRowBroadcastOfC) {
  const int64_t m = 3, k = 4, n = 5;
  const auto a = random_values(static_cast<size_t>(k * m), 1);  // stored [K, M]: transA
  const auto b = random_values(static_cast<size_t>(n * k), 2);  // stored [N, K]: transB
  const auto c = random_values(static_cast<size_t>(n), 3);      // [N], broadcast over rows
  Attributes attrs;
  attrs.set("transA", int64_t{1});
  attrs.set("transB", int64_t{1});
  attrs.set("alpha", 0.5f);
  attrs.set("beta", -2.0f);
  auto r = run_op(
      OpKind::kGemm, attrs,
      {{make_tensor(Shape{k, m}, a)}, {make_tensor(Shape{n, k}, b)}, {make_tensor(Shape{n}, c)}},
      {OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ((*r)[0].shape(), (Shape{m, n}));
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t q = 0; q < k; ++q)
        acc += static_cast<double>(a[static_cast<size_t>(q * m + i)]) *
               b[static_cast<size_t>(j * k + q)];
      const double want = 0.5 * acc - 2.0 * c[static_cast<size_t>(j)];
      EXPECT_NEAR((*r)[0].data_as<float>()[i * n + j], want, 1e-5) << i << "," << j;
    }
}

TEST(OnnxGemm, InnerDimensionsMustAgree) {
  auto r = run_op(OpKind::kGemm, Attributes{},
                  {{make_tensor(Shape{2, 3}, std::vector<float>(6))},
                   {make_tensor(Shape{4, 2}, std::vector<float>(8))}},
                  {OpOutput{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch) << r.status().message();
}

TEST(OnnxMatMul, BatchDimensionsBroadcast) {
  // [2, 1, 3, 4] x [3, 4, 5] -> [2, 3, 3, 5].
  const auto a = random_values(24, 4);
  const auto b = random_values(60, 5);
  auto r =
      run_op(OpKind::kMatMul, Attributes{},
             {{make_tensor(Shape{2, 1, 3, 4}, a)}, {make_tensor(Shape{3, 4, 5}, b)}}, {OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ((*r)[0].shape(), (Shape{2, 3, 3, 5}));
  for (int64_t p = 0; p < 2; ++p)
    for (int64_t q = 0; q < 3; ++q)
      for (int64_t i = 0; i < 3; ++i)
        for (int64_t j = 0; j < 5; ++j) {
          double acc = 0;
          for (int64_t t = 0; t < 4; ++t)
            acc += static_cast<double>(a[static_cast<size_t>((p * 3 + i) * 4 + t)]) *
                   b[static_cast<size_t>((q * 4 + t) * 5 + j)];
          EXPECT_NEAR((*r)[0].data_as<float>()[((p * 3 + q) * 3 + i) * 5 + j], acc, 1e-5);
        }
}

TEST(OnnxMatMul, OneDimensionalOperandsArePromotedAndDropped) {
  auto vm =
      run_op(OpKind::kMatMul, Attributes{},
             {{make_tensor(Shape{2}, {1, 2})}, {make_tensor(Shape{2, 3}, {1, 2, 3, 4, 5, 6})}},
             {OpOutput{}});
  ASSERT_TRUE(vm.is_ok()) << vm.status().message();
  EXPECT_EQ((*vm)[0].shape(), (Shape{3}));
  EXPECT_EQ(std::vector<float>((*vm)[0].data_as<float>(), (*vm)[0].data_as<float>() + 3),
            (std::vector<float>{9, 12, 15}));
  auto mv =
      run_op(OpKind::kMatMul, Attributes{},
             {{make_tensor(Shape{2, 3}, {1, 2, 3, 4, 5, 6})}, {make_tensor(Shape{3}, {1, 0, -1})}},
             {OpOutput{}});
  ASSERT_TRUE(mv.is_ok()) << mv.status().message();
  EXPECT_EQ((*mv)[0].shape(), (Shape{2}));
  EXPECT_EQ(std::vector<float>((*mv)[0].data_as<float>(), (*mv)[0].data_as<float>() + 2),
            (std::vector<float>{-2, -2}));
}

TEST(OnnxMatMul, IntegersWrapLikeNumpy) {
  const int32_t big = 1 << 30;
  auto r = run_op(
      OpKind::kMatMul, Attributes{},
      {{make_typed<int32_t>(Shape{1, 2}, {big, big})}, {make_typed<int32_t>(Shape{2, 1}, {2, 2})}},
      {OpOutput{DType::kInt32}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].data_as<int32_t>()[0], 0);  // 2^32 wraps to 0
}

Result<std::vector<Tensor>> einsum(const std::string& equation, std::vector<Tensor> operands) {
  Attributes a;
  a.set("equation", equation);
  std::vector<testing::OpInput> inputs;
  for (Tensor& t : operands) inputs.push_back({std::move(t)});
  return run_op(OpKind::kEinsum, a, inputs, {OpOutput{}});
}

TEST(OnnxEinsum, MatrixProductTransposeDiagonalAndSum) {
  const Tensor a = make_tensor(Shape{2, 3}, {1, 2, 3, 4, 5, 6});
  const Tensor b = make_tensor(Shape{3, 2}, {1, 0, 0, 1, 1, 1});
  auto mm = einsum("ij,jk->ik", {a, b});
  ASSERT_TRUE(mm.is_ok()) << mm.status().message();
  EXPECT_EQ((*mm)[0].shape(), (Shape{2, 2}));
  EXPECT_EQ(std::vector<float>((*mm)[0].data_as<float>(), (*mm)[0].data_as<float>() + 4),
            (std::vector<float>{4, 5, 10, 11}));
  auto t = einsum("ji", {a});  // implicit output: the labels in alphabetical order, "ij"
  ASSERT_TRUE(t.is_ok()) << t.status().message();
  EXPECT_EQ((*t)[0].shape(), (Shape{3, 2}));
  EXPECT_EQ(std::vector<float>((*t)[0].data_as<float>(), (*t)[0].data_as<float>() + 6),
            (std::vector<float>{1, 4, 2, 5, 3, 6}));
  auto d = einsum("...ii->...i", {make_tensor(Shape{1, 2, 2}, {1, 2, 3, 4})});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  EXPECT_EQ((*d)[0].shape(), (Shape{1, 2}));
  EXPECT_EQ(std::vector<float>((*d)[0].data_as<float>(), (*d)[0].data_as<float>() + 2),
            (std::vector<float>{1, 4}));
  auto s = einsum("ij->", {a});
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)[0].data_as<float>()[0], 21);
}

TEST(OnnxEinsum, BadEquationsAreShapeMismatches) {
  const Tensor a = make_tensor(Shape{2, 3}, std::vector<float>(6));
  for (const char* eq : {"ij,jk->ik", "ij->ik", "ijk->i", "i$->i"}) {
    auto r = std::string(eq) == "ij,jk->ik" ? einsum(eq, {a, a}) : einsum(eq, {a});
    ASSERT_FALSE(r.is_ok()) << eq;
    EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch) << eq << ": " << r.status().message();
  }
}

}  // namespace
}  // namespace outpost
