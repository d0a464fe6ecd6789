// TFLite's transpose convolution on int8 (per-channel weights, symmetric; an int32 bias), as its
// reference integer kernel: each input value less its zero point, times each weight, accumulates
// in int32 at the output position it scatters to; then each output gets its bias, is requantized
// with its channel's multiplier (input_scale * weight_scale[c] / output_scale, TFLite's
// two-rounding multiply), offset, and clamped to the fused activation's range.
#include <vector>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"
#include "backends/ref/transpose_conv_geometry.h"

namespace outpost {
namespace {

class TransposeConv2DInt8 final : public Kernel {
 public:
  TransposeConv2DInt8(TransposeGeometry g, int32_t input_offset, int32_t output_offset,
                      std::vector<quant::QuantizedMultiplier> multipliers,
                      quant::ActivationRange act)
      : g_(g), input_offset_(input_offset), output_offset_(output_offset),
        multipliers_(std::move(multipliers)), act_(act),
        acc_(static_cast<size_t>(g.batch * g.out_h * g.out_w * g.out_c)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const int8_t* x = inputs[0].as<const int8_t>();
    const int8_t* w = inputs[1].as<const int8_t>();
    const int32_t* bias = inputs.size() > 2 && inputs[2].data ? inputs[2].as<const int32_t>() : nullptr;
    int8_t* y = outputs[0].as<int8_t>();
    const TransposeGeometry& g = g_;
    std::fill(acc_.begin(), acc_.end(), 0);
    for (int64_t b = 0; b < g.batch; ++b)
      for (int64_t iy = 0; iy < g.in_h; ++iy)
        for (int64_t ix = 0; ix < g.in_w; ++ix) {
          const int8_t* in = x + ((b * g.in_h + iy) * g.in_w + ix) * g.in_c;
          for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
            const int64_t oy = iy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (oy < 0 || oy >= g.out_h) continue;
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              const int64_t ox = ix * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (ox < 0 || ox >= g.out_w) continue;
              int32_t* out = acc_.data() + ((b * g.out_h + oy) * g.out_w + ox) * g.out_c;
              for (int64_t oc = 0; oc < g.out_c; ++oc) {
                const int8_t* wp = w + ((oc * g.kernel_h + ky) * g.kernel_w + kx) * g.in_c;
                int32_t sum = 0;
                for (int64_t c = 0; c < g.in_c; ++c)
                  sum += (int32_t{in[c]} - input_offset_) * int32_t{wp[c]};
                out[oc] += sum;
              }
            }
          }
        }
    for (size_t i = 0; i < acc_.size(); ++i) {
      const size_t oc = i % static_cast<size_t>(g.out_c);
      const int32_t acc = acc_[i] + (bias ? bias[oc] : 0);
      const int32_t v = quant::multiply_by_quantized_multiplier(acc, multipliers_[oc]) + output_offset_;
      y[i] = quant::clamp_to<int8_t>(v, act_.min, act_.max);
    }
    return Status::ok();
  }

 private:
  TransposeGeometry g_;
  int32_t input_offset_, output_offset_;
  std::vector<quant::QuantizedMultiplier> multipliers_;
  quant::ActivationRange act_;
  std::vector<int32_t> acc_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_transpose_conv2d_quantized(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(const TransposeGeometry geo, transpose_conv_geometry(n, g));
  const Value& x = input_of(g, n, 0);
  const Value& w = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  if (x.dtype != DType::kInt8 || w.dtype != DType::kInt8 || y.dtype != DType::kInt8)
    return not_handled(g, n, "a quantized transpose convolution is int8 throughout");
  if (n.inputs.size() > 2 && n.inputs[2] != kNoValue && input_of(g, n, 2).dtype != DType::kInt32)
    return not_handled(g, n, "an int8 transpose convolution's bias is int32");
  OUTPOST_RETURN_IF_ERROR(quant::fixed_point_requantization(g, n));
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int32_t> w_zero_points,
                           quant::weight_zero_points(g, n, w, geo.out_c));
  for (int32_t zp : w_zero_points)
    if (zp != 0) return not_handled(g, n, "int8 weights with a zero point other than 0");
  OUTPOST_ASSIGN_OR_RETURN(
      auto multipliers,
      quant::conv_output_multipliers(g, n, x.dtype, xq, w, 0, geo.out_c, yq, false));
  OUTPOST_ASSIGN_OR_RETURN(const quant::ActivationRange act,
                           quant::fused_activation_range(g, n, y, yq));
  return std::unique_ptr<Kernel>(std::make_unique<TransposeConv2DInt8>(
      geo, xq.zero_point, yq.zero_point, std::move(multipliers), act));
}

}  // namespace outpost
