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

Attributes fc_attrs(const std::string& activation, int64_t keep_num_dims = 0) {
  Attributes a;
  a.set("activation", activation);
  a.set("keep_num_dims", keep_num_dims);
  return a;
}

OpInput constant(Tensor t) {
  OpInput in{std::move(t)};
  in.constant = true;
  return in;
}

std::vector<float> run_fc(const Attributes& attrs, Tensor x, Tensor w, OpInput bias,
                          Shape* shape = nullptr) {
  auto r = run_op(OpKind::kFullyConnected, attrs,
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

TEST(FullyConnectedFloat, FlattensOrKeepsDims) {
  // Input [2, 1, 2] is two rows of 2: [1, 2] and [3, 4]; w = [[1, 10]] -> [21, 43]
  Shape flat, kept;
  auto a = run_fc(fc_attrs("none", 0), make_tensor({2, 1, 2}, {1, 2, 3, 4}),
                  make_tensor({1, 2}, {1, 10}), absent_input(), &flat);
  auto b = run_fc(fc_attrs("none", 1), make_tensor({2, 1, 2}, {1, 2, 3, 4}),
                  make_tensor({1, 2}, {1, 10}), absent_input(), &kept);
  EXPECT_EQ(flat, Shape({2, 1}));
  EXPECT_EQ(kept, Shape({2, 1, 1}));
  EXPECT_EQ(a, (std::vector<float>{21, 43}));
  EXPECT_EQ(b, a);
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
      make_fully_connected_float, OpKind::kFullyConnected, fc_attrs("none"),
      {{make_typed<int32_t>({1, 2}, {1, 2})}, constant(make_typed<int32_t>({1, 2}, {1, 1}))},
      {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
