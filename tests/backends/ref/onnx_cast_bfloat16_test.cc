// Cast to and from bfloat16 (reference kernel): float32 -> bfloat16 rounds to nearest even
// (ties to the even pattern, NaN stays NaN, infinities stay), bfloat16 -> float32 is exact.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::OpOutput;
using testing::run_op;

float from_bits(uint32_t b) {
  float f;
  std::memcpy(&f, &b, 4);
  return f;
}

Attributes to(DType d) {
  Attributes a;
  a.set("to_dtype", static_cast<int64_t>(d));
  return a;
}

TEST(OnnxCastBfloat16, FloatToBfloat16RoundsToNearestEven) {
  const std::vector<uint32_t> bits = {
      0x3f808000u,  // 1 + 2^-8: a tie, the even 0x3f80 stays
      0x3f818000u,  // a tie above the odd 0x3f81: up to 0x3f82
      0x3f80c000u,  // above the half: up to 0x3f81
      0x3f807fffu,  // below the half: down to 0x3f80
      0x7f7fffffu,  // the largest float rounds to infinity
      0xff800000u,  // -inf stays
      0x7fc00001u,  // NaN stays NaN
  };
  std::vector<float> x;
  for (uint32_t b : bits) x.push_back(from_bits(b));
  testing::OpInput in;
  in.tensor = testing::make_tensor(Shape{static_cast<int64_t>(x.size())}, x);
  auto out = run_op(OpKind::kCast, to(DType::kBFloat16), {in}, {OpOutput{DType::kBFloat16, {}}});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  ASSERT_EQ((*out)[0].dtype(), DType::kBFloat16);
  const uint16_t* y = (*out)[0].data_as<uint16_t>();
  EXPECT_EQ(y[0], 0x3f80);
  EXPECT_EQ(y[1], 0x3f82);
  EXPECT_EQ(y[2], 0x3f81);
  EXPECT_EQ(y[3], 0x3f80);
  EXPECT_EQ(y[4], 0x7f80);
  EXPECT_EQ(y[5], 0xff80);
  EXPECT_EQ(y[6] & 0x7f80, 0x7f80);
  EXPECT_NE(y[6] & 0x007f, 0);
}

TEST(OnnxCastBfloat16, Bfloat16ToFloatIsExact) {
  auto x = Tensor::allocate(DType::kBFloat16, Shape{3});
  ASSERT_TRUE(x.is_ok());
  const uint16_t bits[] = {0x3f81, 0xc040, 0x0001};  // 1.0078125, -3, the smallest subnormal
  std::memcpy(x->data(), bits, sizeof bits);
  testing::OpInput in;
  in.tensor = std::move(*x);
  auto out = run_op(OpKind::kCast, to(DType::kFloat32), {in}, {OpOutput{}});
  ASSERT_TRUE(out.is_ok()) << out.status().message();
  const float* y = (*out)[0].data_as<float>();
  EXPECT_EQ(y[0], 1.0078125f);
  EXPECT_EQ(y[1], -3.0f);
  EXPECT_EQ(y[2], from_bits(0x00010000u));
}

}  // namespace
}  // namespace outpost
