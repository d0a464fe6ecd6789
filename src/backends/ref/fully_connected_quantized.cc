// TFLite's quantized FULLY_CONNECTED, a Gemm of fully_connected_form: uint8 (per-tensor weights with a zero point) and int8 (per-tensor or
// per-channel weights along axis 0 of [N, K]). Each output is the int32 sum of
// (x - x_zp) * (w - w_zp) over K, plus the bias, times its row's multiplier, plus the output zero
// point, clamped to the fused activation's range. Per-tensor multipliers come from a float
// product of the scales, as TFLite's fully_connected Prepare computes them. The int8 multiply
// rounds as ruy's x86 kernels do (TFLite's int8 GEMMs run there), uint8 as gemmlowp.
#include <vector>

#include "backends/ref/fully_connected_form.h"
#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

using quant::QuantizedMultiplier;

template <typename T>
class FullyConnectedQuantized final : public Kernel {
 public:
  FullyConnectedQuantized(int64_t rows, int64_t depth, int64_t units, int32_t input_offset,
                          std::vector<int32_t> weight_offsets, int32_t output_offset,
                          std::vector<QuantizedMultiplier> multipliers, quant::ActivationRange act)
      : rows_(rows),
        depth_(depth),
        units_(units),
        input_offset_(input_offset),
        weight_offsets_(std::move(weight_offsets)),
        output_offset_(output_offset),
        multipliers_(std::move(multipliers)),
        act_(act) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* x = inputs[0].as<const T>();
    const T* w = inputs[1].as<const T>();
    const int32_t* bias = inputs.size() > 2 ? inputs[2].as<const int32_t>() : nullptr;
    T* y = outputs[0].as<T>();
    for (int64_t r = 0; r < rows_; ++r) {
      const T* xr = x + r * depth_;
      for (int64_t u = 0; u < units_; ++u) {
        const T* wu = w + u * depth_;
        const int32_t w_offset = weight_offsets_[static_cast<size_t>(u)];
        int32_t acc = 0;
        for (int64_t k = 0; k < depth_; ++k)
          acc = quant::wrapping_add(acc, (static_cast<int32_t>(xr[k]) - input_offset_) *
                                             (static_cast<int32_t>(wu[k]) - w_offset));
        if (bias) acc = quant::wrapping_add(acc, bias[u]);
        acc = quant::multiply_as_tflite_gemm<T>(acc, multipliers_[static_cast<size_t>(u)]);
        acc = quant::wrapping_add(acc, output_offset_);
        y[r * units_ + u] = quant::clamp_to<T>(acc, act_.min, act_.max);
      }
    }
    return Status::ok();
  }

 private:
  int64_t rows_, depth_, units_;
  int32_t input_offset_;
  std::vector<int32_t> weight_offsets_;
  int32_t output_offset_;
  std::vector<QuantizedMultiplier> multipliers_;
  quant::ActivationRange act_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_fully_connected_quantized(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(const FullyConnectedForm form, fully_connected_form(n, g));
  const Value& x = input_of(g, n, 0);
  const Value& w = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  if (!quant::is_quantized_8bit(x.dtype)) return not_handled(g, n, "input is not uint8/int8");
  if (w.dtype != x.dtype || y.dtype != x.dtype)
    return not_handled(g, n,
                       "a quantized fully connected Gemm needs input, weights and output of one "
                       "8-bit type");
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kInt32)
    return not_handled(g, n, "a quantized fully connected Gemm needs an int32 bias");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(auto act, quant::fused_activation_range(g, n, y, yq));
  OUTPOST_ASSIGN_OR_RETURN(
      auto multipliers,
      quant::conv_output_multipliers(g, n, x.dtype, xq, w, /*channel_axis=*/0, form.units, yq,
                                     /*float_product_per_tensor=*/true));
  OUTPOST_ASSIGN_OR_RETURN(auto weight_offsets, quant::weight_zero_points(g, n, w, form.units));
  if (x.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(std::make_unique<FullyConnectedQuantized<uint8_t>>(
        form.rows, form.depth, form.units, xq.zero_point, std::move(weight_offsets),
        yq.zero_point, std::move(multipliers), act));
  return std::unique_ptr<Kernel>(std::make_unique<FullyConnectedQuantized<int8_t>>(
      form.rows, form.depth, form.units, xq.zero_point, std::move(weight_offsets), yq.zero_point,
      std::move(multipliers), act));
}

}  // namespace outpost
