// The TFLite builtins that import through rules (src/formats/tflite/tflite_builtin_rule.h):
// what they refuse, and the IR nodes they become. Their answers are checked against TFLite
// itself by the TFLite conformance suite (tests/conformance/tflite_conformance.cc); these tests
// hold what that suite cannot show: refusals, and results worked by hand where no native TFLite
// is installed.
#include <gtest/gtest.h>

#include <cstring>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;
using testing::TfOperatorSpec;

constexpr int8_t kF32 = 0, kI32 = 2, kI8 = 9;

Result<std::unique_ptr<Session>> open(const TfModelSpec& spec) {
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return Session::open_buffer(owned->data(), owned->size(), owned, "rules.tflite");
}

// y = OP(x [2, 3]) or OP(x, x2), every tensor of `type`, quantized (scale, zero point) when
// `scale` is not 0; the second input's scale may differ.
TfModelSpec elementwise(int32_t code, int8_t type, int inputs, float scale = 0, float scale2 = 0) {
  TfModelSpec spec;
  for (int i = 0; i <= inputs; ++i) {
    testing::TfTensorSpec t{{2, 3}, type, 0, "t" + std::to_string(i)};
    if (scale != 0) {
      t.scale = {i == 1 && scale2 != 0 ? scale2 : scale};
      t.zero_point = {0};
    }
    spec.tensors.push_back(t);
  }
  TfOperatorSpec op;
  op.builtin_code = code;
  for (int i = 0; i < inputs; ++i) op.inputs.push_back(i);
  op.outputs = {inputs};
  spec.operators = {op};
  for (int i = 0; i < inputs; ++i) spec.inputs.push_back(i);
  spec.outputs = {inputs};
  return spec;
}

TEST(TfliteBuiltinRules, AQuantizedOpThatComputesIsRefusedByName) {
  auto s = open(elementwise(47 /* EXP */, kI8, 1, 0.1f));
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("quantized EXP"), std::string::npos) << s.status().message();
}

TEST(TfliteBuiltinRules, AQuantizedComparisonNeedsOneScale) {
  auto differ = open(elementwise(55 /* MAXIMUM */, kI8, 2, 0.1f, 0.2f));
  ASSERT_FALSE(differ.is_ok());
  EXPECT_EQ(differ.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(differ.status().message().find("differ in scale or zero point"), std::string::npos)
      << differ.status().message();

  auto same = open(elementwise(55 /* MAXIMUM */, kI8, 2, 0.1f));
  ASSERT_TRUE(same.is_ok()) << same.status().message();
  Session& s = **same;
  const int8_t a[6] = {-5, 3, 0, 127, -128, 7}, b[6] = {-6, 4, 0, -1, -127, 7};
  std::memcpy(s.input(0).data(), a, 6);
  std::memcpy(s.input(1).data(), b, 6);
  ASSERT_TRUE(s.run().is_ok());
  const int8_t want[6] = {-5, 4, 0, 127, -127, 7};
  EXPECT_EQ(std::memcmp(s.output(0).data(), want, 6), 0);
}

// ARG_MAX(x [2, 3], axis 1) declared int32: ArgMax gives int64, the Cast gives what the model
// declared.
TEST(TfliteBuiltinRules, ArgMaxGivesTheIndexTypeTheModelDeclares) {
  TfModelSpec spec;
  spec.tensors = {{{2, 3}, kF32, 0, "x"}, {{1}, kI32, 1, "axis"}, {{2}, kI32, 0, "index"}};
  spec.buffers = {bytes_of(std::vector<int32_t>{1})};
  TfOperatorSpec op;
  op.builtin_code = 56;  // ARG_MAX
  op.inputs = {0, 1};
  op.outputs = {2};
  op.options_type = 40;  // ArgMaxOptions: output_type int32
  op.options = {{0, 1, kI32}};
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {2};
  auto s = open(spec);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const float x[6] = {1, 5, 2, 9, -1, 9};
  std::memcpy((*s)->input(0).data(), x, sizeof x);
  ASSERT_TRUE((*s)->run().is_ok());
  const Tensor& y = (*s)->output(0);
  ASSERT_EQ(y.dtype(), DType::kInt32);
  EXPECT_EQ(y.data_as<int32_t>()[0], 1);
  EXPECT_EQ(y.data_as<int32_t>()[1], 0);  // the first of two equal maxima
}

// STRIDED_SLICE(x [3, 4], begin (1, -3), end (0, 4), strides (1, 2)) with shrink_axis_mask 1:
// row 1, columns 1 and 3, as a vector.
TEST(TfliteBuiltinRules, StridedSliceShrinksTheAxesItsMaskNames) {
  TfModelSpec spec;
  spec.tensors = {{{3, 4}, kF32, 0, "x"}, {{2}, kI32, 1, "begin"}, {{2}, kI32, 2, "end"},
                  {{2}, kI32, 3, "strides"}, {{2}, kF32, 0, "y"}};
  spec.buffers = {bytes_of(std::vector<int32_t>{1, -3}), bytes_of(std::vector<int32_t>{0, 4}),
                  bytes_of(std::vector<int32_t>{1, 2})};
  TfOperatorSpec op;
  op.builtin_code = 45;  // STRIDED_SLICE
  op.inputs = {0, 1, 2, 3};
  op.outputs = {4};
  op.options_type = 32;  // StridedSliceOptions
  op.options = {{4, 4, 1}};  // shrink_axis_mask
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {4};
  auto s = open(spec);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  float* x = (*s)->input(0).data_as<float>();
  for (int i = 0; i < 12; ++i) x[i] = static_cast<float>(i);
  ASSERT_TRUE((*s)->run().is_ok());
  const Tensor& y = (*s)->output(0);
  ASSERT_EQ(y.shape(), (Shape{2}));
  EXPECT_EQ(y.data_as<float>()[0], 5.0f);
  EXPECT_EQ(y.data_as<float>()[1], 7.0f);
}

TEST(TfliteBuiltinRules, AnEllipsisMaskIsRefusedByName) {
  TfModelSpec spec;
  spec.tensors = {{{3, 4}, kF32, 0, "x"}, {{2}, kI32, 1, "begin"}, {{2}, kI32, 1, "end"},
                  {{2}, kI32, 1, "strides"}, {{3, 4}, kF32, 0, "y"}};
  spec.buffers = {bytes_of(std::vector<int32_t>{1, 1})};
  TfOperatorSpec op;
  op.builtin_code = 45;
  op.inputs = {0, 1, 2, 3};
  op.outputs = {4};
  op.options_type = 32;
  op.options = {{2, 4, 1}};  // ellipsis_mask
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {4};
  auto s = open(spec);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(s.status().message().find("ellipsis_mask"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace outpost
