// TFLite's 16x8 convolutions: CONV_2D, DEPTHWISE_CONV_2D, TRANSPOSE_CONV and FULLY_CONNECTED
// over int16 activations (zero point 0) with int8 weights (zero point 0, per tensor or per output channel)
// and an int64 bias. TFLite's reference integer kernels: an int64 sum of x * w, plus the bias,
// scaled by multiply_by_quantized_multiplier_64 (the multiplier rounded to 16 bits, one rounding
// shift), clamped to the fused activation's range. Its default path runs the same reference code
// whenever the bias is int64. FULLY_CONNECTED is the exception: TFLite scales its int16 sums in
// double, round(sum * input_scale * weight_scale / output_scale) with the scales widened before
// the product, per tensor and per channel alike (measured: the fixed-point form is a step off on
// some outputs). An int32 bias (which TFLite accumulates in int32, another rounding) is refused by
// name.
#include <cmath>
#include <limits>
#include <vector>

#include "backends/ref/conv_geometry.h"
#include "backends/ref/fully_connected_form.h"
#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"
#include "backends/ref/transpose_conv_geometry.h"

namespace outpost {
namespace {

// acc + bias[i] (acc when there is no bias), saturated: an int64 bias is the model's number,
// and a hostile one near the type's limits would overflow, which is undefined (fuzz_tflite
// crash-10790180); TFLite's kernels add it unchecked.
int64_t with_bias(int64_t acc, const int64_t* bias, int64_t i) {
  if (bias == nullptr) return acc;
  int64_t sum = 0;
  if (!__builtin_add_overflow(acc, bias[i], &sum)) return sum;
  return bias[i] > 0 ? std::numeric_limits<int64_t>::max() : std::numeric_limits<int64_t>::min();
}

using quant::QuantizedMultiplier;

// What the kernels share once the factory has checked the operands: per output channel, the
// fixed-point multiplier, or (FULLY_CONNECTED) the real scale in double.
struct Requant16x8 {
  std::vector<QuantizedMultiplier> multipliers;
  std::vector<double> reals;  // non-empty: requantize in double
  quant::ActivationRange act;

  int16_t output(int64_t acc, int64_t channel) const {
    const auto c = static_cast<size_t>(channel);
    int32_t v = 0;
    if (reals.empty()) {
      v = quant::multiply_by_quantized_multiplier_64(acc, multipliers[c]);
    } else {
      // TFLite's static_cast<int32_t>(round(...)), saturated where its cast is undefined.
      const double r = std::round(static_cast<double>(acc) * reals[c]);
      v = r >= 2147483647.0    ? std::numeric_limits<int32_t>::max()
          : r <= -2147483648.0 ? std::numeric_limits<int32_t>::min()
                               : static_cast<int32_t>(r);
    }
    return quant::clamp_to<int16_t>(v, act.min, act.max);
  }
};

class Conv2D16x8 final : public Kernel {
 public:
  Conv2D16x8(ConvGeometry geo, Requant16x8 rq) : geo_(geo), rq_(std::move(rq)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const int16_t* x = inputs[0].as<const int16_t>();
    const int8_t* w = inputs[1].as<const int8_t>();
    const int64_t* bias = inputs.size() > 2 ? inputs[2].as<const int64_t>() : nullptr;
    int16_t* y = outputs[0].as<int16_t>();
    const ConvGeometry& g = geo_;
    for (int64_t b = 0; b < g.batch; ++b)
      for (int64_t oy = 0; oy < g.out_h; ++oy)
        for (int64_t ox = 0; ox < g.out_w; ++ox)
          for (int64_t oc = 0; oc < g.out_c; ++oc) {
            int64_t acc = 0;
            for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
              const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
              if (iy < 0 || iy >= g.in_h) continue;
              for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                if (ix < 0 || ix >= g.in_w) continue;
                const int16_t* xp = x + ((b * g.in_h + iy) * g.in_w + ix) * g.in_c;
                const int8_t* wp = w + ((oc * g.kernel_h + ky) * g.kernel_w + kx) * g.in_c;
                for (int64_t ic = 0; ic < g.in_c; ++ic) acc += int64_t{xp[ic]} * wp[ic];
              }
            }
            acc = with_bias(acc, bias, oc);
            y[((b * g.out_h + oy) * g.out_w + ox) * g.out_c + oc] = rq_.output(acc, oc);
          }
    return Status::ok();
  }

 private:
  ConvGeometry geo_;
  Requant16x8 rq_;
};

class DepthwiseConv2D16x8 final : public Kernel {
 public:
  DepthwiseConv2D16x8(ConvGeometry geo, Requant16x8 rq) : geo_(geo), rq_(std::move(rq)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const int16_t* x = inputs[0].as<const int16_t>();
    const int8_t* w = inputs[1].as<const int8_t>();
    const int64_t* bias = inputs.size() > 2 ? inputs[2].as<const int64_t>() : nullptr;
    int16_t* y = outputs[0].as<int16_t>();
    const ConvGeometry& g = geo_;
    const int64_t out_c = g.in_c * g.depth_multiplier;
    for (int64_t b = 0; b < g.batch; ++b)
      for (int64_t oy = 0; oy < g.out_h; ++oy)
        for (int64_t ox = 0; ox < g.out_w; ++ox)
          for (int64_t oc = 0; oc < out_c; ++oc) {
            const int64_t ic = oc / g.depth_multiplier;
            int64_t acc = 0;
            for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
              const int64_t iy = oy * g.stride_h - g.pad_top + ky * g.dilation_h;
              if (iy < 0 || iy >= g.in_h) continue;
              for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
                const int64_t ix = ox * g.stride_w - g.pad_left + kx * g.dilation_w;
                if (ix < 0 || ix >= g.in_w) continue;
                acc += int64_t{x[((b * g.in_h + iy) * g.in_w + ix) * g.in_c + ic]} *
                       w[(ky * g.kernel_w + kx) * out_c + oc];
              }
            }
            acc = with_bias(acc, bias, oc);
            y[((b * g.out_h + oy) * g.out_w + ox) * out_c + oc] = rq_.output(acc, oc);
          }
    return Status::ok();
  }

 private:
  ConvGeometry geo_;
  Requant16x8 rq_;
};

class FullyConnected16x8 final : public Kernel {
 public:
  FullyConnected16x8(FullyConnectedForm form, Requant16x8 rq) : form_(form), rq_(std::move(rq)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const int16_t* x = inputs[0].as<const int16_t>();
    const int8_t* w = inputs[1].as<const int8_t>();
    const int64_t* bias = inputs.size() > 2 ? inputs[2].as<const int64_t>() : nullptr;
    int16_t* y = outputs[0].as<int16_t>();
    for (int64_t r = 0; r < form_.rows; ++r)
      for (int64_t u = 0; u < form_.units; ++u) {
        int64_t acc = 0;
        for (int64_t k = 0; k < form_.depth; ++k)
          acc += int64_t{x[r * form_.depth + k]} * w[u * form_.depth + k];
        acc = with_bias(acc, bias, u);
        y[r * form_.units + u] = rq_.output(acc, u);
      }
    return Status::ok();
  }

 private:
  FullyConnectedForm form_;
  Requant16x8 rq_;
};

// Scatters each input value times each weight into int64 sums at the output positions it
// reaches, as TFLite's reference kernel does, then requantizes every sum plus its bias.
class TransposeConv2D16x8 final : public Kernel {
 public:
  TransposeConv2D16x8(TransposeGeometry geo, Requant16x8 rq)
      : geo_(geo), rq_(std::move(rq)),
        acc_(static_cast<size_t>(geo.batch * geo.out_h * geo.out_w * geo.out_c)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const int16_t* x = inputs[0].as<const int16_t>();
    const int8_t* w = inputs[1].as<const int8_t>();
    const int64_t* bias =
        inputs.size() > 2 && inputs[2].data ? inputs[2].as<const int64_t>() : nullptr;
    int16_t* y = outputs[0].as<int16_t>();
    const TransposeGeometry& g = geo_;
    std::fill(acc_.begin(), acc_.end(), 0);
    for (int64_t b = 0; b < g.batch; ++b)
      for (int64_t iy = 0; iy < g.in_h; ++iy)
        for (int64_t ix = 0; ix < g.in_w; ++ix) {
          const int16_t* in = x + ((b * g.in_h + iy) * g.in_w + ix) * g.in_c;
          for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
            const int64_t oy = iy * g.stride_h - g.pad_top + ky * g.dilation_h;
            if (oy < 0 || oy >= g.out_h) continue;
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              const int64_t ox = ix * g.stride_w - g.pad_left + kx * g.dilation_w;
              if (ox < 0 || ox >= g.out_w) continue;
              int64_t* out = acc_.data() + ((b * g.out_h + oy) * g.out_w + ox) * g.out_c;
              for (int64_t oc = 0; oc < g.out_c; ++oc) {
                const int8_t* wp = w + ((oc * g.kernel_h + ky) * g.kernel_w + kx) * g.in_c;
                for (int64_t c = 0; c < g.in_c; ++c) out[oc] += int64_t{in[c]} * wp[c];
              }
            }
          }
        }
    for (size_t i = 0; i < acc_.size(); ++i) {
      const auto oc = static_cast<int64_t>(i % static_cast<size_t>(g.out_c));
      y[i] = rq_.output(with_bias(acc_[i], bias, oc), oc);
    }
    return Status::ok();
  }

 private:
  TransposeGeometry geo_;
  Requant16x8 rq_;
  std::vector<int64_t> acc_;  // made at creation; run() only reuses it
};

// Checks a 16x8 node's operands (`op` names it in messages) and derives its requantization.
// not_handled when the input is not int16; kUnsupported naming the op and what it lacks for any
// other int16 form.
Result<Requant16x8> requant_16x8(const Node& n, const Graph& g, const std::string& op,
                                 int channel_axis, int64_t channels, bool real) {
  const Value& x = input_of(g, n, 0);
  const Value& w = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  if (x.dtype != DType::kInt16) return not_handled(g, n, "input is not int16");
  OUTPOST_RETURN_IF_ERROR(quant::fixed_point_requantization(g, n));
  if (w.dtype != DType::kInt8 || y.dtype != DType::kInt16)
    return not_handled(g, n, op + " int16x8 needs int8 weights and an int16 output, has " +
                                 dtype_name(w.dtype) + " weights and " + dtype_name(y.dtype) +
                                 " output");
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kInt64)
    return not_handled(g, n, op + " int16x8 with a " + dtype_name(input_of(g, n, 2).dtype) +
                                 " bias is not supported (only int64)");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  if (xq.zero_point != 0 || yq.zero_point != 0)
    return not_handled(g, n, op + " int16x8 needs input and output zero points 0 (TFLite's)");
  OUTPOST_ASSIGN_OR_RETURN(auto w_zero_points, quant::weight_zero_points(g, n, w, channels));
  for (int32_t z : w_zero_points)
    if (z != 0) return not_handled(g, n, op + " int16x8 needs weight zero points 0 (TFLite's)");
  Requant16x8 rq;
  OUTPOST_ASSIGN_OR_RETURN(rq.act, quant::fused_activation_range(g, n, y, yq));
  // Checks the weight scales against the channels as well.
  OUTPOST_ASSIGN_OR_RETURN(rq.multipliers,
                           quant::conv_output_multipliers(g, n, x.dtype, xq, w, channel_axis,
                                                          channels, yq, false));
  if (real) {
    const std::vector<float>& w_scales = w.quant.scale;
    for (int64_t c = 0; c < channels; ++c) {
      const float w_scale = w_scales[w_scales.size() > 1 ? static_cast<size_t>(c) : 0];
      rq.reals.push_back(static_cast<double>(xq.scale) * static_cast<double>(w_scale) /
                         static_cast<double>(yq.scale));
    }
    return rq;
  }
  // The 16-bit multiply shifts right by 15 - shift: TFLite's kernels take shifts below 8 only.
  for (const QuantizedMultiplier& m : rq.multipliers)
    if (m.shift >= 8)
      return not_handled(g, n, op + " int16x8 output multiplier of 2^" + std::to_string(m.shift) +
                                   " or more (input scale x weight scale / output scale) is not "
                                   "supported");
  return rq;
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_conv2d_int16x8(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(ConvGeometry geo, tflite_conv_geometry(n, g, /*depthwise=*/false));
  OUTPOST_ASSIGN_OR_RETURN(Requant16x8 rq,
                           requant_16x8(n, g, "CONV_2D", /*channel_axis=*/0, geo.out_c,
                                        /*real=*/false));
  return std::unique_ptr<Kernel>(std::make_unique<Conv2D16x8>(geo, std::move(rq)));
}

Result<std::unique_ptr<Kernel>> make_depthwise_conv2d_int16x8(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(ConvGeometry geo, tflite_conv_geometry(n, g, /*depthwise=*/true));
  OUTPOST_ASSIGN_OR_RETURN(Requant16x8 rq,
                           requant_16x8(n, g, "DEPTHWISE_CONV_2D", /*channel_axis=*/3, geo.out_c,
                                        /*real=*/false));
  return std::unique_ptr<Kernel>(std::make_unique<DepthwiseConv2D16x8>(geo, std::move(rq)));
}

Result<std::unique_ptr<Kernel>> make_transpose_conv2d_int16x8(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(const TransposeGeometry geo, transpose_conv_geometry(n, g));
  OUTPOST_ASSIGN_OR_RETURN(Requant16x8 rq,
                           requant_16x8(n, g, "TRANSPOSE_CONV", /*channel_axis=*/0, geo.out_c,
                                        /*real=*/false));
  return std::unique_ptr<Kernel>(std::make_unique<TransposeConv2D16x8>(geo, std::move(rq)));
}

Result<std::unique_ptr<Kernel>> make_fully_connected_int16x8(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(const FullyConnectedForm form, fully_connected_form(n, g));
  OUTPOST_ASSIGN_OR_RETURN(Requant16x8 rq,
                           requant_16x8(n, g, "FULLY_CONNECTED", /*channel_axis=*/0, form.units,
                                        /*real=*/true));
  return std::unique_ptr<Kernel>(std::make_unique<FullyConnected16x8>(form, std::move(rq)));
}

}  // namespace outpost
