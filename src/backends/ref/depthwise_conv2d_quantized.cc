// TFLite's quantized DEPTHWISE_CONV_2D (a channels-last Conv with 1HWO weights, conv_geometry.h):
// uint8 with per-tensor weights and int8 with per-channel weights along axis 3 of [1, H, W, C*M]. Output channel c*M + m reads input channel c. The arithmetic is
// Conv2D's: int32 sum of (x - x_zp) * (w - w_zp), plus bias, times the channel's multiplier, plus
// the output zero point, clamped to the activation range.
#include <vector>

#include "backends/ref/conv_geometry.h"
#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

using quant::QuantizedMultiplier;

template <typename T>
class DepthwiseConv2DQuantized final : public Kernel {
 public:
  DepthwiseConv2DQuantized(ConvGeometry geo, int32_t input_offset,
                           std::vector<int32_t> weight_offsets, int32_t output_offset,
                           std::vector<QuantizedMultiplier> multipliers, quant::ActivationRange act)
      : geo_(geo),
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
    const ConvGeometry& g = geo_;
    const int64_t out_c = g.in_c * g.depth_multiplier;
    for (int64_t b = 0; b < g.batch; ++b) {
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          for (int64_t ic = 0; ic < g.in_c; ++ic) {
            for (int64_t m = 0; m < g.depth_multiplier; ++m) {
              const int64_t oc = ic * g.depth_multiplier + m;
              const int32_t w_offset = weight_offsets_[static_cast<size_t>(oc)];
              int32_t acc = 0;
              for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
                const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
                if (iy < 0 || iy >= g.in_h) continue;
                for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
                  const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                  if (ix < 0 || ix >= g.in_w) continue;
                  const int32_t xv = x[((b * g.in_h + iy) * g.in_w + ix) * g.in_c + ic];
                  const int32_t wv = w[(ky * g.kernel_w + kx) * out_c + oc];
                  acc = quant::wrapping_add(acc, (xv - input_offset_) * (wv - w_offset));
                }
              }
              if (bias) acc = quant::wrapping_add(acc, bias[oc]);
              acc = quant::multiply_by_quantized_multiplier(acc,
                                                            multipliers_[static_cast<size_t>(oc)]);
              acc = quant::wrapping_add(acc, output_offset_);
              y[((b * g.out_h + oy) * g.out_w + ox) * out_c + oc] =
                  quant::clamp_to<T>(acc, act_.min, act_.max);
            }
          }
        }
      }
    }
    return Status::ok();
  }

 private:
  ConvGeometry geo_;
  int32_t input_offset_;
  std::vector<int32_t> weight_offsets_;
  int32_t output_offset_;
  std::vector<QuantizedMultiplier> multipliers_;
  quant::ActivationRange act_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_depthwise_conv2d_quantized(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(ConvGeometry geo, tflite_conv_geometry(n, g, /*depthwise=*/true));
  const Value& x = input_of(g, n, 0);
  const Value& w = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  if (!quant::is_quantized_8bit(x.dtype)) return not_handled(g, n, "input is not uint8/int8");
  OUTPOST_RETURN_IF_ERROR(quant::fixed_point_requantization(g, n));
  if (w.dtype != x.dtype || y.dtype != x.dtype)
    return not_handled(g, n,
                       "quantized DEPTHWISE_CONV_2D needs input, weights and output of one 8-bit "
                       "type");
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kInt32)
    return not_handled(g, n, "quantized DEPTHWISE_CONV_2D needs an int32 bias");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(auto act, quant::fused_activation_range(g, n, y, yq));
  const int64_t out_c = geo.out_c;

  OUTPOST_ASSIGN_OR_RETURN(
      auto multipliers,
      quant::conv_output_multipliers(g, n, x.dtype, xq, w, /*channel_axis=*/3, out_c, yq,
                                     /*float_product_per_tensor=*/x.dtype == DType::kUInt8));
  OUTPOST_ASSIGN_OR_RETURN(auto weight_offsets, quant::weight_zero_points(g, n, w, out_c));
  if (x.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(std::make_unique<DepthwiseConv2DQuantized<uint8_t>>(
        geo, xq.zero_point, std::move(weight_offsets), yq.zero_point, std::move(multipliers), act));
  return std::unique_ptr<Kernel>(std::make_unique<DepthwiseConv2DQuantized<int8_t>>(
      geo, xq.zero_point, std::move(weight_offsets), yq.zero_point, std::move(multipliers), act));
}

}  // namespace outpost
