// Quantized Relu, and Clip with constant bounds (TFLite's RELU6, RELU_N1_TO_1 and RELU_0_TO_1
// import as Clip; uint8, int8, int16), as TFLite's ReluX kernel: each value is requantized from the
// input's scale to the output's (its multiplier input_scale / output_scale in TFLite's fixed
// point), then clamped to the bounds quantized on the output (zero point + round(bound / scale),
// halves away from zero, within the dtype's range; Relu has no upper bound).
#include <cmath>
#include <limits>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

template <typename T>
class ReluXQuantized final : public Kernel {
 public:
  ReluXQuantized(int32_t input_offset, int32_t output_offset, quant::QuantizedMultiplier multiplier,
                 int32_t lo, int32_t hi)
      : input_offset_(input_offset), output_offset_(output_offset), multiplier_(multiplier),
        lo_(lo), hi_(hi) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    T* y = outputs[0].as<T>();
    for (int64_t i = 0, n = outputs[0].num_elements(); i < n; ++i) {
      const int32_t v = output_offset_ + quant::multiply_by_quantized_multiplier(
                                             static_cast<int32_t>(x[i]) - input_offset_, multiplier_);
      y[i] = static_cast<T>(std::clamp(v, lo_, hi_));
    }
    return Status::ok();
  }

 private:
  int32_t input_offset_, output_offset_;
  quant::QuantizedMultiplier multiplier_;
  int32_t lo_, hi_;
};

// A bound quantized on the output, within [lo, hi]: TFLite's zero_point + roundf(bound / scale).
int32_t quantized_bound(float bound, const quant::TensorQuant& y, int32_t lo, int32_t hi) {
  const float steps = std::round(bound / y.scale);
  if (!(steps > static_cast<float>(lo) - y.zero_point)) return lo;
  if (!(steps < static_cast<float>(hi) - y.zero_point)) return hi;
  return std::clamp(y.zero_point + static_cast<int32_t>(steps), lo, hi);
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_relu_quantized(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (!is_quantized_integer(x.dtype) || x.quant.empty())
    return not_handled(g, n, "input is not quantized uint8/int8/int16");
  if (y.dtype != x.dtype) return not_handled(g, n, "a quantized Relu keeps the input's dtype");
  float lo_bound = 0.0f, hi_bound = std::numeric_limits<float>::infinity();
  if (n.op == OpKind::kClip) {
    if (n.inputs.size() > 1 || !n.attrs.has("min") || !n.attrs.has("max"))
      return not_handled(g, n, "a quantized Clip needs its bounds as attributes (TFLite's RELU6)");
    lo_bound = n.attrs.get_float("min", 0.0f);
    hi_bound = n.attrs.get_float("max", 0.0f);
  }
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(
      quant::QuantizedMultiplier m,
      quant::bounded_multiplier(g, n, static_cast<double>(xq.scale) / static_cast<double>(yq.scale),
                                "input scale / output scale"));
  const int32_t qlo = quant::qmin(x.dtype), qhi = quant::qmax(x.dtype);
  const int32_t lo = quantized_bound(lo_bound, yq, qlo, qhi);
  const int32_t hi = std::isinf(hi_bound) ? qhi : quantized_bound(hi_bound, yq, qlo, qhi);
  if (x.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(
        std::make_unique<ReluXQuantized<uint8_t>>(xq.zero_point, yq.zero_point, m, lo, hi));
  if (x.dtype == DType::kInt16)
    return std::unique_ptr<Kernel>(
        std::make_unique<ReluXQuantized<int16_t>>(xq.zero_point, yq.zero_point, m, lo, hi));
  return std::unique_ptr<Kernel>(
      std::make_unique<ReluXQuantized<int8_t>>(xq.zero_point, yq.zero_point, m, lo, hi));
}

}  // namespace outpost
