#include <gtest/gtest.h>

#include <random>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

// ReduceMean as TFLite's MEAN imports: axes as the attribute, an empty list reducing nothing.
Attributes mean_attrs(const std::vector<int32_t>& axes, bool keep_dims, bool noop = true) {
  Attributes a;
  a.set("axes", std::vector<int64_t>(axes.begin(), axes.end()));
  a.set("keepdims", int64_t{keep_dims});
  a.set("noop_with_empty_axes", int64_t{noop});
  return a;
}

Result<std::vector<Tensor>> run_mean(Tensor x, std::vector<int32_t> axes, bool keep_dims,
                                     bool noop = true) {
  return run_op(OpKind::kReduceMean, mean_attrs(axes, keep_dims, noop), {{std::move(x)}}, {{}});
}

std::vector<float> values(const Tensor& t) {
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(MeanFloat, RowsAndColumns) {
  // [[1,2,3],[4,5,6]]: axis 1 -> [2, 5]; axis 0 -> [2.5, 3.5, 4.5]
  auto rows = run_mean(make_tensor({2, 3}, {1, 2, 3, 4, 5, 6}), {1}, false);
  ASSERT_TRUE(rows.is_ok()) << rows.status().message();
  EXPECT_EQ(rows.value()[0].shape(), Shape({2}));
  EXPECT_EQ(values(rows.value()[0]), (std::vector<float>{2, 5}));
  auto cols = run_mean(make_tensor({2, 3}, {1, 2, 3, 4, 5, 6}), {0}, true);
  ASSERT_TRUE(cols.is_ok()) << cols.status().message();
  EXPECT_EQ(cols.value()[0].shape(), Shape({1, 3}));
  EXPECT_EQ(values(cols.value()[0]), (std::vector<float>{2.5f, 3.5f, 4.5f}));
}

TEST(MeanFloat, AllAxesNegative) {
  // axes {-1, 0} cover everything: (1+...+6)/6 = 3.5. (TFLite's repeated axes are dropped at
  // import: tests/formats/reduce_mean_import_test.cc.)
  auto r = run_mean(make_tensor({2, 3}, {1, 2, 3, 4, 5, 6}), {-1, 0}, false);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].num_elements(), 1);
  EXPECT_FLOAT_EQ(values(r.value()[0])[0], 3.5f);
}

TEST(MeanFloat, EmptyAxesReduceEverythingUnlessNoop) {
  // ONNX's default (no axes: every axis) and TFLite's (an empty list: none).
  auto all = run_mean(make_tensor({2, 3}, {1, 2, 3, 4, 5, 6}), {}, true, false);
  ASSERT_TRUE(all.is_ok()) << all.status().message();
  EXPECT_EQ(all.value()[0].shape(), Shape({1, 1}));
  EXPECT_FLOAT_EQ(values(all.value()[0])[0], 3.5f);
  auto none = run_mean(make_tensor({2, 3}, {1, 2, 3, 4, 5, 6}), {}, true, true);
  ASSERT_TRUE(none.is_ok()) << none.status().message();
  EXPECT_EQ(values(none.value()[0]), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(MeanFloat, AxesAsAnInputAreTheGeneralKernels) {
  // ReduceMean with axes as input 1 (ONNX's later form): declined here, run by onnx_reduce.cc.
  OpInput ax{make_typed<int64_t>({1}, {1})};
  ax.constant = true;
  Attributes keep;
  keep.set("keepdims", int64_t{0});
  auto declined = testing::factory_status(make_mean_float, OpKind::kReduceMean, keep,
                                          {{make_tensor({2, 3}, {1, 2, 3, 4, 5, 6})}, ax}, {{}});
  EXPECT_EQ(declined.code(), StatusCode::kUnsupported) << declined.message();
  auto r = run_op(OpKind::kReduceMean, keep, {{make_tensor({2, 3}, {1, 2, 3, 4, 5, 6})}, ax}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(values(r.value()[0]), (std::vector<float>{2, 5}));
}

TEST(MeanFloat, RandomAxesMatchNaive) {
  std::mt19937 rng(29);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  const Shape shape{2, 3, 4, 5};
  std::vector<float> x(120);
  for (auto& v : x) v = dist(rng);
  const std::vector<std::vector<int32_t>> axis_sets = {{1, 2}, {0},       {3}, {0, 2},
                                                       {1, 3}, {0, 1, 3}, {}};
  for (const auto& axes : axis_sets) {
    auto r = run_mean(make_tensor(shape, x), axes, true);
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    const Tensor& t = r.value()[0];
    bool reduced[4] = {};
    for (int32_t a : axes) reduced[a] = true;
    for (size_t k = 0; k < 4; ++k) ASSERT_EQ(t.shape()[k], reduced[k] ? 1 : shape[k]);
    // Sum every input element into its output cell (reduced coordinates set to 0).
    std::vector<double> sum(static_cast<size_t>(t.num_elements()), 0.0);
    int64_t count = 1;
    for (size_t k = 0; k < 4; ++k)
      if (reduced[k]) count *= shape[k];
    for (int64_t i0 = 0; i0 < 2; ++i0)
      for (int64_t i1 = 0; i1 < 3; ++i1)
        for (int64_t i2 = 0; i2 < 4; ++i2)
          for (int64_t i3 = 0; i3 < 5; ++i3) {
            const int64_t o0 = reduced[0] ? 0 : i0, o1 = reduced[1] ? 0 : i1;
            const int64_t o2 = reduced[2] ? 0 : i2, o3 = reduced[3] ? 0 : i3;
            const int64_t out = ((o0 * t.shape()[1] + o1) * t.shape()[2] + o2) * t.shape()[3] + o3;
            sum[static_cast<size_t>(out)] +=
                x[static_cast<size_t>(((i0 * 3 + i1) * 4 + i2) * 5 + i3)];
          }
    auto got = values(t);
    for (size_t i = 0; i < got.size(); ++i) ASSERT_NEAR(got[i], sum[i] / count, 1e-5) << i;
  }
}

TEST(MeanFloat, Int32IsUnsupported) {
  auto r = testing::factory_status(make_mean_float, OpKind::kReduceMean, mean_attrs({0}, false),
                                   {{make_typed<int32_t>({2}, {1, 2})}}, {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost
