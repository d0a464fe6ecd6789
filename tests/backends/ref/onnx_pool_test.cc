// ONNX MaxPool and AveragePool (reference kernels): ceil_mode, pads, dilations,
// count_include_pad and the Indices output, against hand-computed values and a plain loop.
#include <gtest/gtest.h>

#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::OpOutput;
using testing::run_op;

std::vector<float> values_of(const Tensor& t) {
  return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.num_elements());
}

// 4x4 input 1..16.
Tensor grid4() {
  std::vector<float> v(16);
  for (int i = 0; i < 16; ++i) v[static_cast<size_t>(i)] = static_cast<float>(i + 1);
  return make_tensor(Shape{1, 1, 4, 4}, v);
}

TEST(OnnxPool, MaxPoolCeilModeKeepsThePartialLastWindow) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{3, 3});
  a.set("strides", std::vector<int64_t>{2, 2});
  a.set("ceil_mode", int64_t{1});
  auto r = run_op(OpKind::kMaxPool, a, {{grid4()}}, {OpOutput{}, OpOutput{DType::kInt64}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ((*r)[0].shape(), (Shape{1, 1, 2, 2}));
  EXPECT_EQ(values_of((*r)[0]), (std::vector<float>{11, 12, 15, 16}));
  const int64_t* idx = (*r)[1].data_as<int64_t>();
  EXPECT_EQ(std::vector<int64_t>(idx, idx + 4), (std::vector<int64_t>{10, 11, 14, 15}));
}

TEST(OnnxPool, MaxPoolIndicesColumnMajorAndDilation) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{2, 2});
  a.set("dilations", std::vector<int64_t>{2, 2});
  a.set("storage_order", int64_t{1});
  auto r = run_op(OpKind::kMaxPool, a, {{grid4()}}, {OpOutput{}, OpOutput{DType::kInt64}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  // Windows {0,2}x{0,2} and shifts: maxima 11, 12, 15, 16 at (2,2), (2,3), (3,2), (3,3).
  EXPECT_EQ(values_of((*r)[0]), (std::vector<float>{11, 12, 15, 16}));
  const int64_t* idx = (*r)[1].data_as<int64_t>();
  // Column-major: h + w * H.
  EXPECT_EQ(std::vector<int64_t>(idx, idx + 4), (std::vector<int64_t>{10, 14, 11, 15}));
}

TEST(OnnxPool, AveragePoolCountIncludePadAgainstAPlainLoop) {
  for (int64_t include : {0, 1}) {
    Attributes a;
    a.set("kernel_shape", std::vector<int64_t>{3, 2});
    a.set("strides", std::vector<int64_t>{2, 2});
    a.set("pads", std::vector<int64_t>{1, 1, 1, 0});
    a.set("ceil_mode", int64_t{1});
    a.set("count_include_pad", include);
    auto r = run_op(OpKind::kAveragePool, a, {{grid4()}}, {OpOutput{}});
    ASSERT_TRUE(r.is_ok()) << r.status().message();
    // Rows: (4 + 2 - 3) / 2 ceil + 1 = 3; columns: (4 + 1 - 2) / 2 ceil + 1 = 3, and the last
    // window starts at column 3, inside the input.
    ASSERT_EQ((*r)[0].shape(), (Shape{1, 1, 3, 3}));
    std::vector<float> want;
    for (int64_t i = 0; i < 3; ++i)
      for (int64_t j = 0; j < 3; ++j) {
        double sum = 0;
        int count = 0;
        for (int64_t ki = 0; ki < 3; ++ki)
          for (int64_t kj = 0; kj < 2; ++kj) {
            const int64_t h = i * 2 - 1 + ki, w = j * 2 - 1 + kj;
            const bool in_padded = h >= -1 && h < 5 && w >= -1 && w < 4;  // pads 1,1 / 1,0
            const bool in_input = h >= 0 && h < 4 && w >= 0 && w < 4;
            if (in_input) sum += static_cast<double>(h * 4 + w + 1);
            if (include ? in_padded : in_input) ++count;
          }
        want.push_back(static_cast<float>(sum / count));
      }
    const auto got = values_of((*r)[0]);
    for (size_t k = 0; k < want.size(); ++k)
      EXPECT_NEAR(got[k], want[k], 1e-5f) << "include " << include << " element " << k;
  }
}

TEST(OnnxPool, GlobalPoolsReduceEachPlane) {
  auto avg = run_op(OpKind::kGlobalAveragePool, Attributes{}, {{grid4()}}, {OpOutput{}});
  auto max = run_op(OpKind::kGlobalMaxPool, Attributes{}, {{grid4()}}, {OpOutput{}});
  ASSERT_TRUE(avg.is_ok() && max.is_ok());
  EXPECT_EQ((*avg)[0].shape(), (Shape{1, 1, 1, 1}));
  EXPECT_FLOAT_EQ((*avg)[0].data_as<float>()[0], 8.5f);
  EXPECT_FLOAT_EQ((*max)[0].data_as<float>()[0], 16.0f);
}

TEST(OnnxPool, KernelLargerThanThePaddedInputIsAShapeMismatch) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{5, 5});
  a.set("pads", std::vector<int64_t>{0, 0, 0, 0});
  auto r = run_op(OpKind::kMaxPool, a, {{grid4()}}, {OpOutput{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch) << r.status().message();
}

TEST(OnnxPool, WindowEntirelyInThePaddingIsAShapeMismatch) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{1, 1});
  a.set("pads", std::vector<int64_t>{0, 0, 2, 0});
  auto r = run_op(OpKind::kMaxPool, a, {{grid4()}}, {OpOutput{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch) << r.status().message();
}

TEST(OnnxPool, MaxUnpoolPlacesValuesAtTheirIndices) {
  Attributes a;
  a.set("kernel_shape", std::vector<int64_t>{2, 2});
  a.set("strides", std::vector<int64_t>{2, 2});
  auto r = run_op(OpKind::kMaxUnpool, a,
                  {{make_tensor(Shape{1, 1, 2, 2}, {5, 6, 7, 8})},
                   {testing::make_typed<int64_t>(Shape{1, 1, 2, 2}, {5, 7, 13, -3})}},
                  {OpOutput{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  ASSERT_EQ((*r)[0].shape(), (Shape{1, 1, 4, 4}));
  std::vector<float> want(16, 0.0f);
  want[5] = 5;
  want[7] = 6;
  want[13] = 7;  // the out-of-range index -3 is ignored
  EXPECT_EQ(values_of((*r)[0]), want);
}

}  // namespace
}  // namespace outpost
