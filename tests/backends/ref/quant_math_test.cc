// The fixed-point primitives against values worked out by hand.
#include "backends/ref/quant_math.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace outpost::quant {
namespace {

constexpr int32_t kInt32Min = std::numeric_limits<int32_t>::min();
constexpr int32_t kInt32Max = std::numeric_limits<int32_t>::max();

TEST(QuantMath, QuantizeMultiplierOfPowersOfTwo) {
  // 0.5 = 0.5 * 2^0 -> significand 2^30, exponent 0.
  EXPECT_EQ(quantize_multiplier(0.5).multiplier, 1 << 30);
  EXPECT_EQ(quantize_multiplier(0.5).shift, 0);
  // 1.0 = 0.5 * 2^1; 0.25 = 0.5 * 2^-1; 8 = 0.5 * 2^4.
  EXPECT_EQ(quantize_multiplier(1.0).shift, 1);
  EXPECT_EQ(quantize_multiplier(0.25).shift, -1);
  EXPECT_EQ(quantize_multiplier(8.0).shift, 4);
  EXPECT_EQ(quantize_multiplier(8.0).multiplier, 1 << 30);
}

TEST(QuantMath, QuantizeMultiplierRoundsTheSignificand) {
  // 0.3 = 0.6 * 2^-1; 0.6 * 2^31 = 1288490188.8 -> 1288490189.
  const auto m = quantize_multiplier(0.3);
  EXPECT_EQ(m.multiplier, 1288490189);
  EXPECT_EQ(m.shift, -1);
  // 0.75 = 0.75 * 2^0 -> 0.75 * 2^31 = 0x60000000 exactly.
  EXPECT_EQ(quantize_multiplier(0.75).multiplier, 0x60000000);
}

TEST(QuantMath, QuantizeMultiplierCarriesASignificandThatRoundsToOne) {
  // 1 - 2^-40 has significand 0.99999999999909 at exponent 0, which rounds to 2^31: it is halved
  // and the exponent bumped, giving (2^30, 1), i.e. exactly 1.0.
  const auto m = quantize_multiplier(1.0 - std::ldexp(1.0, -40));
  EXPECT_EQ(m.multiplier, 1 << 30);
  EXPECT_EQ(m.shift, 1);
}

TEST(QuantMath, QuantizeMultiplierFlushesTinyAndZero) {
  // 2^-34 = 0.5 * 2^-33: exponent below -31, flushed to (0, 0).
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -34)).multiplier, 0);
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -34)).shift, 0);
  EXPECT_EQ(quantize_multiplier(0.0).multiplier, 0);
  // 2^-32 = 0.5 * 2^-31 is the smallest kept.
  EXPECT_EQ(quantize_multiplier(std::ldexp(1.0, -32)).shift, -31);
}

TEST(QuantMath, SaturatingRoundingDoublingHighMul) {
  // 2^30 * 2^30 / 2^31 = 2^29.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(1 << 30, 1 << 30), 1 << 29);
  // 3 * 2^30 / 2^31 = 1.5 -> 2; -3 * 2^30 / 2^31 = -1.5 -> -1 (ties go toward +infinity).
  EXPECT_EQ(saturating_rounding_doubling_high_mul(3, 1 << 30), 2);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-3, 1 << 30), -1);
  // 5 * 2^29 / 2^31 = 1.25 -> 1; -1.25 -> -1.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(5, 1 << 29), 1);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(-5, 1 << 29), -1);
  // The only overflow: (-2^31)^2 / 2^31 = 2^31 saturates.
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kInt32Min, kInt32Min), kInt32Max);
  EXPECT_EQ(saturating_rounding_doubling_high_mul(kInt32Max, kInt32Max), kInt32Max - 1);
}

TEST(QuantMath, RoundingDivideByPowerOfTwoRoundsHalfAwayFromZero) {
  EXPECT_EQ(rounding_divide_by_pot(5, 1), 3);    // 2.5 -> 3
  EXPECT_EQ(rounding_divide_by_pot(-5, 1), -3);  // -2.5 -> -3
  EXPECT_EQ(rounding_divide_by_pot(7, 2), 2);    // 1.75 -> 2
  EXPECT_EQ(rounding_divide_by_pot(-7, 2), -2);  // -1.75 -> -2
  EXPECT_EQ(rounding_divide_by_pot(6, 2), 2);    // 1.5 -> 2
  EXPECT_EQ(rounding_divide_by_pot(-6, 2), -2);  // -1.5 -> -2
  EXPECT_EQ(rounding_divide_by_pot(-5, 2), -1);  // -1.25 -> -1
  EXPECT_EQ(rounding_divide_by_pot(42, 0), 42);
  EXPECT_EQ(rounding_divide_by_pot(kInt32Max, 31), 1);  // 0.99999... -> 1
}

TEST(QuantMath, MultiplyByQuantizedMultiplierRoundsTwice) {
  // 1000 * 0.3: high mul gives round(1000 * 1288490189 / 2^31) = round(600.0000001) = 600,
  // then 600 / 2 = 300.
  EXPECT_EQ(multiply_by_quantized_multiplier(1000, quantize_multiplier(0.3)), 300);
  // 100 * 1.0 = (100 << 1) * 0.5.
  EXPECT_EQ(multiply_by_quantized_multiplier(100, quantize_multiplier(1.0)), 100);
  // 100 * 3.0: 3 = 0.75 * 2^2 -> (400 * 0x60000000) / 2^31 = 300.
  EXPECT_EQ(multiply_by_quantized_multiplier(100, quantize_multiplier(3.0)), 300);
  // -5 * 0.5 = -2.5: the high multiply's tie goes up, to -2 (a float would round to -3).
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, quantize_multiplier(0.5)), -2);
  // -5 * 0.25: high mul -2.5 -> -2, then -2 / 2 = -1 (true value -1.25 -> -1).
  EXPECT_EQ(multiply_by_quantized_multiplier(-5, quantize_multiplier(0.25)), -1);
  // 7 * 0.25 = 1.75: high mul 3.5 -> 4, then 4 / 2 = 2.
  EXPECT_EQ(multiply_by_quantized_multiplier(7, quantize_multiplier(0.25)), 2);
  // Double rounding: 11 * 0.125 = 1.375. High mul with 0.5 (shift -2): 5.5 -> 6; 6 / 4 = 1.5 -> 2,
  // where a single rounding gives 1. TFLite's default path gives 2.
  EXPECT_EQ(multiply_by_quantized_multiplier(11, quantize_multiplier(0.125)), 2);
}

TEST(QuantMath, RuyX86MultiplyRoundsTiesTowardPlusInfinity) {
  // -6 * 0.25 = -1.5. gemmlowp: high mul with 0.5 gives -3, then -3 / 2 = -1.5 -> -2 (away from
  // zero). ruy's x86 kernels: (-6 * 2^30 + 2^30) >> 31 = -3, then (-3 + 1) >> 1 = -1.
  EXPECT_EQ(multiply_by_quantized_multiplier(-6, quantize_multiplier(0.25)), -2);
  EXPECT_EQ(multiply_by_quantized_multiplier_ruy_x86(-6, quantize_multiplier(0.25)), -1);
  // -5 * 0.5 = -2.5: both send the high multiply's tie up, to -2.
  EXPECT_EQ(multiply_by_quantized_multiplier_ruy_x86(-5, quantize_multiplier(0.5)), -2);
  // 11 * 0.125 = 1.375: ruy rounds twice as well (5.5 -> 6, then 6 / 4 = 1.5 -> 2).
  EXPECT_EQ(multiply_by_quantized_multiplier_ruy_x86(11, quantize_multiplier(0.125)), 2);
  // Left shifts: 100 * 3.0 and 1000 * 0.3 agree with the exact products.
  EXPECT_EQ(multiply_by_quantized_multiplier_ruy_x86(100, quantize_multiplier(3.0)), 300);
  EXPECT_EQ(multiply_by_quantized_multiplier_ruy_x86(1000, quantize_multiplier(0.3)), 300);
  // The largest right shift (exponent -31) of the largest accumulator: (2^31 - 1) * 2^-32 is
  // just under 0.5, and rounding twice (2^30 exactly, then 2^30 / 2^31 = 0.5 -> 1) gives 1.
  EXPECT_EQ(multiply_by_quantized_multiplier_ruy_x86(kInt32Max, quantize_multiplier(std::ldexp(1.0, -32))),
            1);
  EXPECT_EQ(multiply_by_quantized_multiplier_ruy_x86(kInt32Max, quantize_multiplier(std::ldexp(1.0, -31))),
            1);
}

TEST(QuantMath, SixtyFourBitMultiplyRoundsTheMultiplierTo16BitsThenOnce) {
  // 0.75 is 0x60000000 * 2^-31: 16 bits 0x6000, one shift by 15 - 0.
  EXPECT_EQ(multiply_by_quantized_multiplier_64(1000, quantize_multiplier(0.75)), 750);
  // Sums past int32 are what it is for: 2^40 * 2^-20 (the multiplier 2^30 at shift -19).
  EXPECT_EQ(multiply_by_quantized_multiplier_64(int64_t{1} << 40,
                                               quantize_multiplier(std::ldexp(1.0, -20))),
            1 << 20);
  // Ties go toward +infinity: 3 * 0.5 = 1.5 -> 2, -3 * 0.5 = -1.5 -> -1.
  EXPECT_EQ(multiply_by_quantized_multiplier_64(3, quantize_multiplier(0.5)), 2);
  EXPECT_EQ(multiply_by_quantized_multiplier_64(-3, quantize_multiplier(0.5)), -1);
  // The 16-bit multiplier loses precision the 32-bit one keeps: 1/3 becomes 0x5555 * 2^-16, and
  // 3 * 2^20 times that is 1048560 where the exact product is 1048576.
  EXPECT_EQ(multiply_by_quantized_multiplier_64(int64_t{3} << 20, quantize_multiplier(1.0 / 3)),
            1048560);
  // A multiplier that rounds past 16 bits saturates at 0x7FFF: (2^31 - 1) * 2^-31 -> 32767/32768.
  const QuantizedMultiplier near_one{0x7FFFFFFF, 0};
  EXPECT_EQ(multiply_by_quantized_multiplier_64(32768, near_one), 32767);
  // Left shifts up to 7: 1000 * 96 = 96000.
  EXPECT_EQ(multiply_by_quantized_multiplier_64(1000, quantize_multiplier(96.0)), 96000);
}

TEST(QuantMath, ActivationRangeUint8) {
  // scale 0.1, zero point 128: relu starts at 128; 6 / 0.1 = 60 -> 188; -1, 1 -> 118, 138.
  auto none = activation_range("none", DType::kUInt8, 0.1f, 128);
  ASSERT_TRUE(none.is_ok());
  EXPECT_EQ(none->min, 0);
  EXPECT_EQ(none->max, 255);
  auto relu = activation_range("relu", DType::kUInt8, 0.1f, 128);
  EXPECT_EQ(relu->min, 128);
  EXPECT_EQ(relu->max, 255);
  auto relu6 = activation_range("relu6", DType::kUInt8, 0.1f, 128);
  EXPECT_EQ(relu6->min, 128);
  EXPECT_EQ(relu6->max, 188);
  auto relu1 = activation_range("relu_n1_to_1", DType::kUInt8, 0.1f, 128);
  EXPECT_EQ(relu1->min, 118);
  EXPECT_EQ(relu1->max, 138);
  // 6 / 0.0235294 = 255.0002 -> 255, and the dtype's range caps it anyway.
  auto relu6_full = activation_range("relu6", DType::kUInt8, 6.0f / 255.0f, 0);
  EXPECT_EQ(relu6_full->min, 0);
  EXPECT_EQ(relu6_full->max, 255);
}

TEST(QuantMath, ActivationRangeInt8) {
  // scale 0.05, zero point -128: 6 / 0.05 = 120 -> -8.
  auto relu6 = activation_range("relu6", DType::kInt8, 0.05f, -128);
  ASSERT_TRUE(relu6.is_ok());
  EXPECT_EQ(relu6->min, -128);
  EXPECT_EQ(relu6->max, -8);
  // -1 / 2 = -0.5 and 1 / 2 = 0.5 round away from zero: [-1, 1] (half-to-even would give 0).
  auto relu1 = activation_range("relu_n1_to_1", DType::kInt8, 2.0f, 0);
  EXPECT_EQ(relu1->min, -1);
  EXPECT_EQ(relu1->max, 1);
  // 6 / 4 = 1.5 -> 2.
  auto relu6_coarse = activation_range("relu6", DType::kInt8, 4.0f, 0);
  EXPECT_EQ(relu6_coarse->min, 0);
  EXPECT_EQ(relu6_coarse->max, 2);
}

TEST(QuantMath, ActivationRangeRejectsUnknown) {
  auto r = activation_range("tanh", DType::kUInt8, 0.1f, 0);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kUnsupported);
}

}  // namespace
}  // namespace outpost::quant
