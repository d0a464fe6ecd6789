#include "backends/ref/quant_math.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace outpost::quant {

QuantizedMultiplier quantize_multiplier(double real) {
  QuantizedMultiplier m;
  // Zero, and what has no fixed-point form at all (infinite, NaN: bounded_multiplier refuses
  // it first), give the zero multiplier rather than an undefined conversion.
  if (real == 0.0 || !std::isfinite(real)) return m;
  int exponent = 0;
  const double significand = std::frexp(real, &exponent);
  int64_t fixed =
      static_cast<int64_t>(std::round(significand * static_cast<double>(int64_t{1} << 31)));
  if (fixed == (int64_t{1} << 31)) {
    fixed /= 2;
    ++exponent;
  }
  // Below 2^-31 every product would shift out entirely; TFLite flushes such multipliers to 0.
  if (exponent < -31) {
    exponent = 0;
    fixed = 0;
  }
  m.multiplier = static_cast<int32_t>(fixed);
  m.shift = exponent;
  return m;
}

int32_t qmin(DType dtype) {
  switch (dtype) {
    case DType::kUInt8:
      return qmin<uint8_t>();
    case DType::kInt8:
      return qmin<int8_t>();
    case DType::kInt16:
      return qmin<int16_t>();
    default:
      return std::numeric_limits<int32_t>::min();
  }
}

int32_t qmax(DType dtype) {
  switch (dtype) {
    case DType::kUInt8:
      return qmax<uint8_t>();
    case DType::kInt8:
      return qmax<int8_t>();
    case DType::kInt16:
      return qmax<int16_t>();
    default:
      return std::numeric_limits<int32_t>::max();
  }
}

Result<ActivationRange> activation_range(const std::string& activation, DType dtype, float scale,
                                         int32_t zero_point) {
  // TFLite divides in float (the bound is a float, the scale a float) and rounds half away.
  // In int64, then clamped: a saturated bound plus the zero point must not overflow either.
  auto quantize = [&](float bound) {
    const int64_t q = int64_t{zero_point} + round_half_away(bound / scale);
    return static_cast<int32_t>(std::clamp<int64_t>(q, std::numeric_limits<int32_t>::min(),
                                                    std::numeric_limits<int32_t>::max()));
  };
  ActivationRange r{qmin(dtype), qmax(dtype)};
  if (activation == "none" || activation.empty()) return r;
  if (activation == "relu") {
    r.min = std::max(r.min, quantize(0.0f));
  } else if (activation == "relu6") {
    r.min = std::max(r.min, quantize(0.0f));
    r.max = std::min(r.max, quantize(6.0f));
  } else if (activation == "relu_n1_to_1") {
    r.min = std::max(r.min, quantize(-1.0f));
    r.max = std::min(r.max, quantize(1.0f));
  } else {
    return unsupported("fused activation '" + activation +
                       "' is not supported on quantized outputs");
  }
  return r;
}

}  // namespace outpost::quant
