#include <gtest/gtest.h>

#include <random>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::absent_input;
using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

// TFLite's FULLY_CONNECTED as the importer gives it: a Gemm with weights [O, I] (transB).
Attributes fc_attrs(const std::string& activation) {
  Attributes a;
  a.set("transB", int64_t{1});
  a.set("activation", activation);
  return a;
}

OpInput constant(Tensor t) {
  OpInput in{std::move(t)};
  in.constant = true;
  return in;
}

std::vector<float> run_fc(const Attributes& attrs, Tensor x, Tensor w, OpInput bias,
                          Shape* shape = nullptr) {
  auto r = run_op(OpKind::kGemm, attrs,
                  {{std::move(x)}, constant(std::move(w)), std::move(bias)}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  if (shape) *shape = t.shape();
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(FullyConnectedFloat, HandWorkedWithBias) {
  // x = [1, 2, 3]; w rows [1, 0, -1] and [2, 2, 2]; bias [0.5, -20]
  // -> [1 - 3 + 0.5, 2 + 4 + 6 - 20] = [-1.5, -8]
  Shape s;
  auto y =
      run_fc(fc_attrs("none"), make_tensor({1, 3}, {1, 2, 3}),
             make_tensor({2, 3}, {1, 0, -1, 2, 2, 2}), constant(make_tensor({2}, {0.5f, -20})), &s);
  EXPECT_EQ(s, Shape({1, 2}));
  EXPECT_EQ(y, (std::vector<float>{-1.5f, -8}));
}

TEST(FullyConnectedFloat, ReluAndNoBias) {
  // rows [1, 2] and [-1, 1]; w rows [1, 1] and [1, -1]:
  // row0 -> [3, -1] -> relu [3, 0]; row1 -> [0, -2] -> relu [0, 0]
  auto y = run_fc(fc_attrs("relu"), make_tensor({2, 2}, {1, 2, -1, 1}),
                  make_tensor({2, 2}, {1, 1, 1, -1}), absent_input());
  EXPECT_EQ(y, (std::vector<float>{3, 0, 0, 0}));
}

TEST(FullyConnectedFloat, RandomShapesMatchNaive) {
  std::mt19937 rng(13);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  auto fill = [&](size_t n) {
    std::vector<float> v(n);
    for (auto& e : v) e = dist(rng);
    return v;
  };
  for (auto [rows, in, out] : {std::tuple<int64_t, int64_t, int64_t>{1, 1, 1},
                               {3, 7, 5},
                               {4, 33, 9},
                               {1, 64, 17},
                               {5, 2, 1}}) {
    auto x = fill(static_cast<size_t>(rows * in));
    auto w = fill(static_cast<size_t>(out * in));
    auto bias = fill(static_cast<size_t>(out));
    auto got = run_fc(fc_attrs("relu_n1_to_1"), make_tensor({rows, in}, x),
                      make_tensor({out, in}, w), constant(make_tensor({out}, bias)));
    ASSERT_EQ(got.size(), static_cast<size_t>(rows * out));
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t o = 0; o < out; ++o) {
        double acc = bias[static_cast<size_t>(o)];
        for (int64_t i = 0; i < in; ++i)
          acc += static_cast<double>(x[static_cast<size_t>(r * in + i)]) *
                 w[static_cast<size_t>(o * in + i)];
        const double want = std::min(1.0, std::max(-1.0, acc));
        ASSERT_NEAR(got[static_cast<size_t>(r * out + o)], want, 1e-5) << r << "," << o;
      }
  }
}

TEST(FullyConnectedFloat, Int32IsUnsupported) {
  auto r = testing::factory_status(
      make_fully_connected_float, OpKind::kGemm, fc_attrs("none"),
      {{make_typed<int32_t>({1, 2}, {1, 2})}, constant(make_typed<int32_t>({1, 2}, {1, 1}))},
      {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

TEST(FullyConnectedFloat, OtherGemmsAreTheGeneralKernels) {
  // Weights [I, O] (no transB), alpha 2, a [1, O] bias: each is a Gemm, not x · wᵀ + bias.
  Attributes untransposed = fc_attrs("none");
  untransposed.set("transB", int64_t{0});
  Attributes scaled = fc_attrs("none");
  scaled.set("alpha", 2.0f);
  const std::vector<std::pair<Attributes, Shape>> others = {
      {untransposed, Shape{2}}, {scaled, Shape{2}}, {fc_attrs("none"), Shape{1, 2}}};
  for (const auto& [attrs, bias_shape] : others) {
    auto r = testing::factory_status(
        make_fully_connected_float, OpKind::kGemm, attrs,
        {{make_tensor({1, 2}, {1, 2})}, constant(make_tensor({2, 2}, {1, 0, 0, 1})),
         constant(make_tensor(bias_shape, {0, 0}))},
        {{DType::kFloat32}});
    EXPECT_EQ(r.code(), StatusCode::kUnsupported) << r.message();
  }
  // The general kernel runs them: x [1, 2] · I * 2 = [2, 4].
  auto y = run_fc(scaled, make_tensor({1, 2}, {1, 2}), make_tensor({2, 2}, {1, 0, 0, 1}),
                  constant(make_tensor({2}, {0, 0})));
  EXPECT_EQ(y, (std::vector<float>{2, 4}));
}

TEST(FullyConnectedFloat, AFusedActivationOutsideTheFormIsRefused) {
  // The general Gemm kernel applies no activation, so it must not run one silently without.
  Attributes attrs = fc_attrs("relu");
  attrs.set("alpha", 2.0f);
  auto r = run_op(OpKind::kGemm, attrs,
                  {{make_tensor({1, 2}, {-1, 2})}, constant(make_tensor({2, 2}, {1, 0, 0, 1})),
                   absent_input()},
                  {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(r.status().message().find("fused activation"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace outpost
