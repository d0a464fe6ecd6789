// ONNX QuantizeLinear, DequantizeLinear and DynamicQuantizeLinear (reference kernels): round
// half to even, saturation, per-axis parameters.
#include <gtest/gtest.h>

#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpOutput;
using testing::run_op;

TEST(OnnxQuantize, RoundsHalfToEvenAndSaturates) {
  const std::vector<float> x = {0, 1.5f, 2.5f, -1.5f, 300, -300, 0.5f};
  auto u8 = run_op(OpKind::kQuantize, Attributes{},
                   {{make_tensor(Shape{7}, x)},
                    {make_tensor(Shape{}, {1.0f})},
                    {make_typed<uint8_t>(Shape{}, {0})}},
                   {OpOutput{DType::kUInt8}});
  ASSERT_TRUE(u8.is_ok()) << u8.status().message();
  const uint8_t* p = (*u8)[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(p, p + 7), (std::vector<uint8_t>{0, 2, 2, 0, 255, 0, 0}));
  auto i8 = run_op(OpKind::kQuantize, Attributes{},
                   {{make_tensor(Shape{7}, x)},
                    {make_tensor(Shape{}, {0.5f})},
                    {make_typed<int8_t>(Shape{}, {1})}},
                   {OpOutput{DType::kInt8}});
  ASSERT_TRUE(i8.is_ok()) << i8.status().message();
  const int8_t* q = (*i8)[0].data_as<int8_t>();
  // x / 0.5 = 0, 3, 5, -3, 600, -600, 1; + 1.
  EXPECT_EQ(std::vector<int8_t>(q, q + 7), (std::vector<int8_t>{1, 4, 6, -2, 127, -128, 2}));
}

TEST(OnnxQuantize, PerAxisScalesAndZeroPoints) {
  Attributes a;
  a.set("axis", int64_t{0});
  auto r = run_op(OpKind::kQuantize, a,
                  {{make_tensor(Shape{2, 2}, {1, 2, 1, 2})},
                   {make_tensor(Shape{2}, {1.0f, 0.5f})},
                   {make_typed<uint8_t>(Shape{2}, {10, 20})}},
                  {OpOutput{DType::kUInt8}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const uint8_t* p = (*r)[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(p, p + 4), (std::vector<uint8_t>{11, 12, 22, 24}));
  auto d = run_op(OpKind::kDequantize, Attributes{},
                  {{make_typed<int8_t>(Shape{1, 2, 2}, {-128, 0, 10, 127})},
                   {make_tensor(Shape{2}, {0.5f, 2.0f})},
                   {make_typed<int8_t>(Shape{2}, {0, 10})}},
                  {OpOutput{}});
  ASSERT_TRUE(d.is_ok()) << d.status().message();
  const float* f = (*d)[0].data_as<float>();
  EXPECT_EQ(std::vector<float>(f, f + 4), (std::vector<float>{-64, 0, 0, 234}));
}

TEST(OnnxQuantize, DynamicQuantizeLinearOfTheOnnxExample) {
  auto r = run_op(OpKind::kDynamicQuantizeLinear, Attributes{},
                  {{make_tensor(Shape{6}, {0, 2, -3, -2.5f, 1.34f, 0.5f})}},
                  {OpOutput{DType::kUInt8}, OpOutput{}, OpOutput{DType::kUInt8}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const uint8_t* y = (*r)[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(y, y + 6), (std::vector<uint8_t>{153, 255, 0, 26, 221, 179}));
  EXPECT_FLOAT_EQ((*r)[1].data_as<float>()[0], 5.0f / 255.0f);
  EXPECT_EQ((*r)[2].data_as<uint8_t>()[0], 153);
}

TEST(OnnxQuantize, ScaleOfTheWrongLengthIsAShapeMismatch) {
  auto r = run_op(
      OpKind::kQuantize, Attributes{},
      {{make_tensor(Shape{2, 3}, std::vector<float>(6))}, {make_tensor(Shape{2}, {1.0f, 1.0f})}},
      {OpOutput{DType::kUInt8}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch) << r.status().message();
}

}  // namespace
}  // namespace outpost
