// Quantize: float32 -> uint8/int8/int16 (q = zero_point + round(x / scale), the division in float
// and the rounding half away from zero, then saturated), and requantization between these types
// (q' = zp' + (q - zp) * scale / scale', through a fixed-point multiplier, then saturated), as
// TFLite's QUANTIZE does. The uint8 <-> int8 conversions at the edges of int8 models are the
// latter with the same scale: a shift of the zero point by 128.
#include <algorithm>
#include <cmath>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

template <typename Out>
class QuantizeFloat final : public Kernel {
 public:
  QuantizeFloat(float scale, int32_t zero_point) : scale_(scale), zero_point_(zero_point) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    Out* y = outputs[0].as<Out>();
    const int64_t count = outputs[0].num_elements();
    for (int64_t i = 0; i < count; ++i) {
      // Saturate in float first: a huge or infinite input must not overflow the int conversion.
      const float r = std::round(x[i] / scale_);
      const float lo = static_cast<float>(quant::qmin<Out>() - zero_point_);
      const float hi = static_cast<float>(quant::qmax<Out>() - zero_point_);
      const float c = std::isnan(r) ? 0.0f : std::clamp(r, lo, hi);
      y[i] = static_cast<Out>(static_cast<int32_t>(c) + zero_point_);
    }
    return Status::ok();
  }

 private:
  float scale_;
  int32_t zero_point_;
};

template <typename In, typename Out>
class Requantize final : public Kernel {
 public:
  Requantize(quant::QuantizedMultiplier m, int32_t in_zp, int32_t out_zp)
      : m_(m), in_zp_(in_zp), out_zp_(out_zp) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const In* x = inputs[0].as<const In>();
    Out* y = outputs[0].as<Out>();
    const int64_t count = outputs[0].num_elements();
    for (int64_t i = 0; i < count; ++i) {
      const int32_t v =
          quant::multiply_by_quantized_multiplier(static_cast<int32_t>(x[i]) - in_zp_, m_) +
          out_zp_;
      y[i] = quant::clamp_to<Out>(v, quant::qmin<Out>(), quant::qmax<Out>());
    }
    return Status::ok();
  }

 private:
  quant::QuantizedMultiplier m_;
  int32_t in_zp_, out_zp_;
};

// Requantization between equal scales, the uint8 <-> int8 edges of TFLite's int8 models: the
// multiplier is exactly one (2^30 with a shift of one, which returns its input unchanged), so
// only the zero point moves. A loop the compiler vectorizes; the general one costs 0.2 ms on
// a 224 x 224 x 3 image.
template <typename In, typename Out>
class ShiftZeroPoint final : public Kernel {
 public:
  ShiftZeroPoint(int32_t in_zp, int32_t out_zp) : shift_(out_zp - in_zp) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const In* x = inputs[0].as<const In>();
    Out* y = outputs[0].as<Out>();
    const int64_t count = outputs[0].num_elements();
    for (int64_t i = 0; i < count; ++i)
      y[i] = static_cast<Out>(std::clamp(static_cast<int32_t>(x[i]) + shift_,
                                         quant::qmin<Out>(), quant::qmax<Out>()));
    return Status::ok();
  }

 private:
  int32_t shift_;
};

template <typename In, typename Out>
std::unique_ptr<Kernel> make_requantize_to(bool same_scale, quant::QuantizedMultiplier m,
                                           int32_t in_zp, int32_t out_zp) {
  if (same_scale) return std::make_unique<ShiftZeroPoint<In, Out>>(in_zp, out_zp);
  return std::make_unique<Requantize<In, Out>>(m, in_zp, out_zp);
}

template <typename In>
std::unique_ptr<Kernel> make_requantize(DType out, bool same_scale, quant::QuantizedMultiplier m,
                                        int32_t in_zp, int32_t out_zp) {
  if (out == DType::kUInt8) return make_requantize_to<In, uint8_t>(same_scale, m, in_zp, out_zp);
  if (out == DType::kInt16) return make_requantize_to<In, int16_t>(same_scale, m, in_zp, out_zp);
  return make_requantize_to<In, int8_t>(same_scale, m, in_zp, out_zp);
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_quantize_quantized(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (has_input(n, 1)) return not_handled(g, n, "its parameters are operands (the general kernel)");
  if (!is_quantized_integer(y.dtype)) return not_handled(g, n, "output is not uint8/int8/int16");
  if (x.dtype == DType::kFloat32 && n.attrs.get_string("rounding", "half_to_even") != "half_away_from_zero")
    return not_handled(g, n, "TFLite's kernel rounds half away from zero only");
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  if (x.dtype == DType::kFloat32) {
    if (y.dtype == DType::kUInt8)
      return std::unique_ptr<Kernel>(
          std::make_unique<QuantizeFloat<uint8_t>>(yq.scale, yq.zero_point));
    if (y.dtype == DType::kInt16)
      return std::unique_ptr<Kernel>(
          std::make_unique<QuantizeFloat<int16_t>>(yq.scale, yq.zero_point));
    return std::unique_ptr<Kernel>(
        std::make_unique<QuantizeFloat<int8_t>>(yq.scale, yq.zero_point));
  }
  if (!is_quantized_integer(x.dtype))
    return not_handled(g, n, "Quantize takes float32, uint8, int8 or int16 inputs");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(
      const auto m,
      quant::bounded_multiplier(g, n, static_cast<double>(xq.scale) / static_cast<double>(yq.scale),
                                "requantization multiplier (input scale / output scale)"));
  const bool same_scale = xq.scale == yq.scale;
  if (x.dtype == DType::kUInt8)
    return make_requantize<uint8_t>(y.dtype, same_scale, m, xq.zero_point, yq.zero_point);
  if (x.dtype == DType::kInt16)
    return make_requantize<int16_t>(y.dtype, same_scale, m, xq.zero_point, yq.zero_point);
  return make_requantize<int8_t>(y.dtype, same_scale, m, xq.zero_point, yq.zero_point);
}

}  // namespace outpost
