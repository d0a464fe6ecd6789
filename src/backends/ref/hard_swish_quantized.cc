// Quantized HardSwish (uint8, int8) in TFLite's 16-bit fixed point (its HardSwishPrepare and
// reference HardSwish): the input, less its zero point, is lifted by 2^7 onto a "hires" scale;
// one branch rescales it to the output's scale before its final shift, the other to the
// "reluish" value relu6(x + 3) / 6 in [0, 1] as a 16-bit fraction; their product (truncating,
// which TFLite chose to cancel the rounding bias of the first) is shifted down to the output,
// offset and saturated. Every value is computed once, into a 256-entry table.
#include <array>
#include <limits>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

// A multiplier in 16 bits: its 32-bit significand rounded to the upper half.
int16_t int16_multiplier(int32_t m) {
  constexpr int32_t kRounding = 1 << 15;
  if (m >= std::numeric_limits<int32_t>::max() - kRounding) return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((m + kRounding) >> 16);
}

// a * b * 2 / 2^16, rounded to nearest (ties toward +infinity, gemmlowp's nudge).
int16_t rounding_doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  const int32_t ab = int32_t{a} * int32_t{b};
  const int32_t nudge = ab >= 0 ? (1 << 14) : (1 - (1 << 14));
  return static_cast<int16_t>((ab + nudge) / (1 << 15));
}

// a * b * 2 / 2^16, truncated toward zero.
int16_t doubling_high_mul(int16_t a, int16_t b) {
  if (a == b && a == std::numeric_limits<int16_t>::min()) return std::numeric_limits<int16_t>::max();
  return static_cast<int16_t>((int32_t{a} * int32_t{b}) / (1 << 15));
}

int16_t saturating_left_shift(int16_t v, int amount) {
  const int64_t r = static_cast<int64_t>(v) * (int64_t{1} << amount);
  return static_cast<int16_t>(std::clamp<int64_t>(r, std::numeric_limits<int16_t>::min(),
                                                  std::numeric_limits<int16_t>::max()));
}

// x / 2^exponent rounded to nearest, ties away from zero (gemmlowp's RoundingDivideByPOT).
int16_t rounding_divide_by_pot(int16_t x, int exponent) {
  const int32_t mask = (1 << exponent) - 1;
  const int32_t remainder = x & mask;
  const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return static_cast<int16_t>((x >> exponent) + (remainder > threshold ? 1 : 0));
}

struct HardSwishParams {
  int32_t input_zero_point, output_zero_point;
  int16_t output_multiplier, reluish_multiplier;
  int output_exponent, reluish_exponent;
};

template <typename T>
T hard_swish(int32_t v, const HardSwishParams& p) {
  const auto input = static_cast<int16_t>(v - p.input_zero_point);
  const auto hires = static_cast<int16_t>(input * (1 << 7));
  const int16_t preshift = rounding_doubling_high_mul(hires, p.output_multiplier);
  int16_t reluish = hires;
  if (p.reluish_exponent > 0) reluish = saturating_left_shift(reluish, p.reluish_exponent - 1);
  reluish = rounding_doubling_high_mul(reluish, p.reluish_multiplier);
  if (p.reluish_exponent > 0) reluish = saturating_left_shift(reluish, 1);
  if (p.reluish_exponent < 0) reluish = rounding_divide_by_pot(reluish, -p.reluish_exponent);
  reluish = static_cast<int16_t>((reluish + (1 << 15)) >> 1);
  const int16_t product = doubling_high_mul(reluish, preshift);
  const int32_t out = rounding_divide_by_pot(product, -p.output_exponent) + p.output_zero_point;
  return static_cast<T>(std::clamp<int32_t>(out, std::numeric_limits<T>::min(),
                                            std::numeric_limits<T>::max()));
}

template <typename T>
class HardSwishQuantized final : public Kernel {
 public:
  explicit HardSwishQuantized(const HardSwishParams& p) {
    for (int32_t v = std::numeric_limits<T>::min(); v <= std::numeric_limits<T>::max(); ++v)
      table_[static_cast<uint8_t>(static_cast<T>(v))] = hard_swish<T>(v, p);
  }

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    for (int64_t i = 0, n = outputs[0].num_elements(); i < n; ++i)
      y[i] = table_[static_cast<uint8_t>(x[i])];
    return Status::ok();
  }

 private:
  std::array<T, 256> table_{};
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_hard_swish_quantized(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (!quant::is_quantized_8bit(x.dtype) || x.quant.empty())
    return not_handled(g, n, "input is not quantized uint8/int8");
  if (y.dtype != x.dtype) return not_handled(g, n, "a quantized HardSwish keeps the input's dtype");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  // As TFLite: the scales are divided in float, the multipliers quantized from those floats.
  const float hires_scale = (1.0f / 128.0f) * xq.scale;
  const float reluish_scale = 3.0f / 32768.0f;
  const quant::QuantizedMultiplier out = quant::quantize_multiplier(hires_scale / yq.scale);
  const quant::QuantizedMultiplier reluish =
      quant::quantize_multiplier(hires_scale / reluish_scale);
  if (out.shift > 0)
    return not_handled(g, n, "an output scale below the input's / 128 (TFLite refuses it too)");
  if (reluish.shift > 15 || reluish.shift < -15)
    return not_handled(g, n, "an input scale whose reluish multiplier leaves 16 bits");
  const HardSwishParams p{xq.zero_point, yq.zero_point, int16_multiplier(out.multiplier),
                          int16_multiplier(reluish.multiplier), out.shift, reluish.shift};
  if (x.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(std::make_unique<HardSwishQuantized<uint8_t>>(p));
  return std::unique_ptr<Kernel>(std::make_unique<HardSwishQuantized<int8_t>>(p));
}

}  // namespace outpost
