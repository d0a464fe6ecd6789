// Fixed-point arithmetic of TFLite's built-in quantized kernels (the default path, without
// TFLITE_SINGLE_ROUNDING): a real multiplier is held as a Q0.31 significand and a power-of-two
// exponent, applied with a saturating rounding doubling high multiply followed by a rounding
// right shift. Every quantized kernel of the reference backend goes through these functions, so
// that its outputs equal TFLite's bit for bit.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <type_traits>

#include "outpost/dtype.h"
#include "outpost/status.h"

namespace outpost::quant {

// real ~= multiplier * 2^(shift - 31), multiplier in [2^30, 2^31) (or 0). shift > 0 is a left
// shift. This is TFLite's (quantized_multiplier, shift) pair with its sign convention.
struct QuantizedMultiplier {
  int32_t multiplier = 0;
  int shift = 0;
};

// frexp-based quantization of a real multiplier: the significand is rounded half away from zero
// to 31 bits; a significand that rounds up to 2^31 is halved; exponents below -31 flush to zero.
QuantizedMultiplier quantize_multiplier(double real);

// a * b / 2^31 rounded to nearest (gemmlowp's nudge makes ties go toward +infinity: 1.5 -> 2,
// -1.5 -> -1); the single overflowing case (INT32_MIN * INT32_MIN) saturates to INT32_MAX.
inline int32_t saturating_rounding_doubling_high_mul(int32_t a, int32_t b) {
  if (a == b && a == std::numeric_limits<int32_t>::min())
    return std::numeric_limits<int32_t>::max();
  const int64_t ab = static_cast<int64_t>(a) * static_cast<int64_t>(b);
  const int64_t nudge = ab >= 0 ? (int64_t{1} << 30) : (1 - (int64_t{1} << 30));
  // Division truncates toward zero; the sign-dependent nudge turns that into round-to-nearest.
  return static_cast<int32_t>((ab + nudge) / (int64_t{1} << 31));
}

// x / 2^exponent rounded to nearest, ties away from zero. exponent in [0, 31].
inline int32_t rounding_divide_by_pot(int32_t x, int exponent) {
  const int32_t mask = static_cast<int32_t>((int64_t{1} << exponent) - 1);
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

// x * real, the two-rounding way: a left shift (when shift > 0) before the high multiply, a
// rounding right shift (when shift < 0) after it.
inline int32_t multiply_by_quantized_multiplier(int32_t x, int32_t multiplier, int shift) {
  const int left = shift > 0 ? shift : 0;
  const int right = shift > 0 ? 0 : -shift;
  // The left shift wraps like TFLite's `x * (1 << left)` on two's complement; callers keep
  // x small enough (accumulators of 8-bit products) that it never does.
  const int32_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  return rounding_divide_by_pot(saturating_rounding_doubling_high_mul(shifted, multiplier), right);
}
inline int32_t multiply_by_quantized_multiplier(int32_t x, QuantizedMultiplier m) {
  return multiply_by_quantized_multiplier(x, m.multiplier, m.shift);
}

// x * real for an int64 accumulator, as TFLite's 16x8 kernels (int16 activations, int8 weights,
// int64 bias) apply it: the multiplier is first rounded to 16 bits (0x7FFF when it would carry
// past them), then one rounding shift by 15 - shift sends ties toward +infinity. The result is
// truncated to int32, as TFLite's cast does; the caller clamps it.
inline int32_t multiply_by_quantized_multiplier_64(int64_t x, QuantizedMultiplier m) {
  const int64_t reduced =
      m.multiplier < 0x7FFF0000 ? (int64_t{m.multiplier} + (1 << 15)) >> 16 : 0x7FFF;
  const int total_shift = 15 - m.shift;
  // Products of accumulators within TFLite's assumed 2^47 stay inside int64; wrap like its
  // arithmetic beyond that instead of overflowing.
  const uint64_t product = static_cast<uint64_t>(x) * static_cast<uint64_t>(reduced);
  const int64_t rounded =
      static_cast<int64_t>(product + (uint64_t{1} << (total_shift - 1)));
  return static_cast<int32_t>(rounded >> total_shift);
}

// x * real the way ruy's x86 kernels (AVX2, AVX-512) apply a multiplier: the left shift, then
// (x * multiplier + 2^30) >> 31, then a rounding right shift; both roundings send ties toward
// +infinity (gemmlowp's send them away from zero). TFLite's built-in kernels reach ruy for every
// int8 GEMM on x86 (Conv2D, FullyConnected); gemmlowp, the form above, serves uint8.
inline int32_t multiply_by_quantized_multiplier_ruy_x86(int32_t x, QuantizedMultiplier m) {
  const int left = m.shift > 0 ? m.shift : 0;
  const int right = m.shift > 0 ? 0 : -m.shift;
  const int64_t shifted = static_cast<int32_t>(static_cast<uint32_t>(x) << left);
  int64_t t = (shifted * static_cast<int64_t>(m.multiplier) + (int64_t{1} << 30)) >> 31;
  if (right > 0) t = (t + (int64_t{1} << (right - 1))) >> right;
  return static_cast<int32_t>(t);
}

// The requantizing multiply of TFLite's built-in GEMM for 8-bit type T on x86: ruy's for int8,
// gemmlowp's for uint8 (Conv2D and FullyConnected share it).
template <typename T>
inline int32_t multiply_as_tflite_gemm(int32_t x, QuantizedMultiplier m) {
  if constexpr (std::is_same_v<T, int8_t>) {
    return multiply_by_quantized_multiplier_ruy_x86(x, m);
  } else {
    return multiply_by_quantized_multiplier(x, m);
  }
}

// a + b on int32 with two's-complement wraparound. TFLite's kernels add biases and offsets to
// int32 accumulators with plain `+=`, which wraps on every target it runs on; a hostile model
// (a bias near INT32_MAX) overflows them, and signed overflow must not be undefined behaviour
// here. Wrapping keeps outputs identical to TFLite's for every model, hostile ones included.
inline int32_t wrapping_add(int32_t a, int32_t b) {
  return static_cast<int32_t>(static_cast<uint32_t>(a) + static_cast<uint32_t>(b));
}

// A float cast to int32 (toward zero), saturated: a hostile scale makes TFLite's values huge,
// and its plain casts of them are undefined. NaN gives 0. Within int32 it is the plain cast.
inline int32_t truncate_saturated(float x) {
  if (x != x) return 0;
  if (x <= -2147483648.0f) return std::numeric_limits<int32_t>::min();
  if (x >= 2147483648.0f) return std::numeric_limits<int32_t>::max();
  return static_cast<int32_t>(x);
}

// std::round on a float: half away from zero (TfLiteRound), saturated to int32.
inline int32_t round_half_away(float x) { return truncate_saturated(std::round(x)); }

template <typename T>
constexpr int32_t qmin() {
  return std::numeric_limits<T>::min();
}
template <typename T>
constexpr int32_t qmax() {
  return std::numeric_limits<T>::max();
}
int32_t qmin(DType dtype);
int32_t qmax(DType dtype);

template <typename T>
inline T clamp_to(int32_t v, int32_t lo, int32_t hi) {
  return static_cast<T>(std::clamp(v, lo, hi));
}

// A rounded int32 plus a zero point, saturated to T's range (in int64, so that a saturated
// value plus the zero point cannot overflow either).
template <typename T>
inline T saturate_with_zero_point(int32_t rounded, int32_t zero_point) {
  return static_cast<T>(
      std::clamp<int64_t>(int64_t{rounded} + zero_point, qmin<T>(), qmax<T>()));
}

// The output range a fused activation leaves in the quantized domain, as TFLite computes it:
// each bound is zero_point + round(bound / scale) in float, intersected with the dtype's range.
struct ActivationRange {
  int32_t min = 0;
  int32_t max = 0;
};
// activation is "none" | "relu" | "relu6" | "relu_n1_to_1"; anything else is kUnsupported.
Result<ActivationRange> activation_range(const std::string& activation, DType dtype, float scale,
                                         int32_t zero_point);

}  // namespace outpost::quant
