#include <gtest/gtest.h>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

TEST(Reshape, FloatWithNewShapeAttribute) {
  Attributes a;
  a.set("new_shape", std::vector<int64_t>{3, -1});
  auto r = run_op(OpKind::kReshape, a, {{make_tensor({2, 3}, {1, 2, 3, 4, 5, 6})}}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({3, 2}));
  const float* y = r.value()[0].data_as<float>();
  EXPECT_EQ(std::vector<float>(y, y + 6), (std::vector<float>{1, 2, 3, 4, 5, 6}));
}

TEST(Reshape, ShapeFromConstantInput) {
  OpInput shape{make_typed<int32_t>({2}, {1, 4})};
  shape.constant = true;
  auto r = run_op(OpKind::kReshape, {}, {{make_typed<int32_t>({2, 2}, {7, 8, 9, 10})}, shape},
                  {{DType::kInt32}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({1, 4}));
  const int32_t* y = r.value()[0].data_as<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(y, y + 4), (std::vector<int32_t>{7, 8, 9, 10}));
}

TEST(Reshape, AZeroCopiesTheInputsDimensionUnlessAllowzero) {
  // ONNX's rule by default: [2, 0, -1] on [2, 3, 4] keeps the 3. With allowzero (TFLite's
  // meaning), a 0 is a zero-sized dimension, and [2, 3, 4] cannot become [2, 0, ...].
  Attributes copy;
  copy.set("new_shape", std::vector<int64_t>{2, 0, -1});
  std::vector<float> x(24, 1.0f);
  auto r = run_op(OpKind::kReshape, copy, {{make_tensor({2, 3, 4}, x)}}, {{}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r.value()[0].shape(), Shape({2, 3, 4}));
  Attributes literal = copy;
  literal.set("allowzero", int64_t{1});
  auto refused = run_op(OpKind::kReshape, literal, {{make_tensor({2, 3, 4}, x)}}, {{}});
  ASSERT_FALSE(refused.is_ok());
  EXPECT_EQ(refused.status().code(), StatusCode::kShapeMismatch) << refused.status().message();
}

TEST(Reshape, Uint8WithEqualParameters) {
  QuantParams q{{0.5f}, {10}, 0};
  Attributes a;
  a.set("new_shape", std::vector<int64_t>{3});
  auto r = run_op(OpKind::kReshape, a, {{make_typed<uint8_t>({1, 3}, {1, 2, 255}, q)}},
                  {{DType::kUInt8, q}});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  const uint8_t* y = r.value()[0].data_as<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(y, y + 3), (std::vector<uint8_t>{1, 2, 255}));
}

TEST(Reshape, QuantizationChangeIsUnsupported) {
  Attributes a;
  a.set("new_shape", std::vector<int64_t>{3});
  auto r = testing::factory_status(
      make_reshape, OpKind::kReshape, a,
      {{make_typed<uint8_t>({1, 3}, {1, 2, 3}, QuantParams{{0.5f}, {10}, 0})}},
      {{DType::kUInt8, QuantParams{{0.25f}, {10}, 0}}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

// Shape inference refuses a declared output dtype other than the input's: no kernel is made.
TEST(Reshape, DtypeChangeIsAnInvalidModel) {
  Attributes a;
  a.set("new_shape", std::vector<int64_t>{2});
  auto r = testing::factory_status(make_reshape, OpKind::kReshape, a, {{make_tensor({2}, {1, 2})}},
                                   {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.message().find("as int32, but Reshape of float32 gives float32"), std::string::npos)
      << r.message();
}

}  // namespace
}  // namespace outpost
