#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::run_op;

std::vector<float> run_dequantize(Tensor x) {
  auto r = run_op(OpKind::kDequantize, {}, {{std::move(x)}}, {{}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  return {t.data_as<float>(), t.data_as<float>() + t.num_elements()};
}

TEST(Dequantize, Float16Bits) {
  // IEEE half: 0x3C00 = 1, 0xC000 = -2, 0x3555 = 1 + 0x155/1024 = 1.3330078125 * 2^-2
  // = 0.333251953125, 0x7BFF = 65504 (largest), 0x0001 = 2^-24 (smallest subnormal),
  // 0x8000 = -0, 0x7C00 = +inf
  const std::vector<uint16_t> bits = {0x3C00, 0xC000, 0x3555, 0x7BFF, 0x0001, 0x8000, 0x7C00};
  Tensor x = Tensor::allocate(DType::kFloat16, Shape{7}).value();
  std::memcpy(x.data(), bits.data(), bits.size() * 2);
  auto y = run_dequantize(std::move(x));
  ASSERT_EQ(y.size(), 7u);
  EXPECT_EQ(y[0], 1.0f);
  EXPECT_EQ(y[1], -2.0f);
  EXPECT_EQ(y[2], 0.333251953125f);
  EXPECT_EQ(y[3], 65504.0f);
  EXPECT_EQ(y[4], std::ldexp(1.0f, -24));
  EXPECT_EQ(y[5], 0.0f);
  EXPECT_TRUE(std::signbit(y[5]));
  EXPECT_EQ(y[6], std::numeric_limits<float>::infinity());
}

TEST(Dequantize, Uint8PerTensor) {
  // scale 0.5, zero point 128: 0 -> -64, 128 -> 0, 255 -> 63.5
  auto y = run_dequantize(make_typed<uint8_t>({3}, {0, 128, 255}, QuantParams{{0.5f}, {128}, 0}));
  EXPECT_EQ(y, (std::vector<float>{-64, 0, 63.5f}));
}

TEST(Dequantize, Int8PerChannelAxis0) {
  // shape [2, 3]; row 0 scale 0.5 zp 0: [10, -10, 0] -> [5, -5, 0];
  // row 1 scale 2 zp -1: [1, 2, -1] -> 2 * [2, 3, 0] = [4, 6, 0]
  auto y = run_dequantize(
      make_typed<int8_t>({2, 3}, {10, -10, 0, 1, 2, -1}, QuantParams{{0.5f, 2.0f}, {0, -1}, 0}));
  EXPECT_EQ(y, (std::vector<float>{5, -5, 0, 4, 6, 0}));
}

TEST(Dequantize, Int8PerChannelLastAxis) {
  // shape [2, 2], axis 1, scales [1, 10]: [[1, 2], [3, 4]] -> [[1, 20], [3, 40]]
  auto y = run_dequantize(
      make_typed<int8_t>({2, 2}, {1, 2, 3, 4}, QuantParams{{1.0f, 10.0f}, {0, 0}, 1}));
  EXPECT_EQ(y, (std::vector<float>{1, 20, 3, 40}));
}

TEST(Dequantize, Int32IsUnsupported) {
  auto r =
      testing::factory_status(make_dequantize, OpKind::kDequantize, {},
                              {{make_typed<int32_t>({1}, {1}, QuantParams{{1.0f}, {0}, 0})}}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

// Dequantize gives float32: shape inference refuses a model that declares another output.
TEST(Dequantize, NonFloatOutputIsAnInvalidModel) {
  auto r = testing::factory_status(make_dequantize, OpKind::kDequantize, {},
                                   {{make_typed<uint8_t>({1}, {1}, QuantParams{{1.0f}, {0}, 0})}},
                                   {{DType::kInt32}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.message().find("as int32, but Dequantize of uint8 gives float32"), std::string::npos)
      << r.message();
}

TEST(Dequantize, MissingParametersAreUnsupported) {
  auto r = testing::factory_status(make_dequantize, OpKind::kDequantize, {},
                                   {{make_typed<uint8_t>({1}, {1})}}, {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.code(), StatusCode::kUnsupported);
}

TEST(Dequantize, PerChannelCountMismatchIsInvalid) {
  auto r = run_op(
      OpKind::kDequantize, {},
      {{make_typed<int8_t>({2, 3}, {1, 2, 3, 4, 5, 6}, QuantParams{{1.0f, 2.0f}, {0, 0}, 1})}},
      {{}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
}

}  // namespace
}  // namespace outpost
