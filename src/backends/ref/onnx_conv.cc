// ONNX Conv (float32/float64, or uint8/int8 values with QuantParams and `requantize` real),
// ConvInteger and QLinearConv: NCHW with 1 to 3 spatial dimensions, groups, strides, dilations,
// pads and auto_pad (ir/onnx_window.h). The integer forms subtract the zero points into int32
// scratch and accumulate in int64; QLinearConv and the quantized Conv requantize with the real
// multiplier x_scale * w_scale / y_scale (per output channel when w_scale is), rounding half to
// even and saturating.
#include <cmath>
#include <vector>

#include "backends/ref/onnx_kernel_factories.h"
#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"
#include "backends/ref/quantized_common.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

struct ConvShape {
  Geometry3 geo;
  int64_t batch = 0, channels = 0, out_channels = 0, group = 1;
};

Result<ConvShape> conv_shape(const Node& node, const Graph& graph, size_t x_i, size_t w_i) {
  const Shape& x = input_of(graph, node, x_i).shape;
  const Shape& w = input_of(graph, node, w_i).shape;
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_window(graph, node, x, &w));
  ConvShape s;
  s.geo = pad_to_3d(win);
  s.batch = x[0];
  s.channels = x[1];
  s.out_channels = w[0];
  s.group = node.attrs.get_int("group", 1);
  return s;
}

Result<std::unique_ptr<Kernel>> make_float_conv(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(ConvShape s, conv_shape(node, graph, 0, 1));
  const bool bias = has_input(node, 2);
  // A Relu or Clip folded in by ir/passes/activation_fusion.
  const bool clamped = node.attrs.has("activation_min");
  const double lo = node.attrs.get_float("activation_min", 0.0f),
               hi = node.attrs.get_float("activation_max", 0.0f);
  const bool swish = node.attrs.get_int("swish", 0) != 0;  // x * sigmoid(x), folded in likewise
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [s, bias, clamped, lo, hi, swish](std::span<const TensorView> in,
                                               std::span<const TensorView> out) {
          const int64_t is = s.channels * s.geo.in_size();
          const int64_t os = s.geo.out_size();
          for (int64_t b = 0; b < s.batch; ++b) {
            T* y = out[0].as<T>() + b * s.out_channels * os;
            for (int64_t oc = 0; oc < s.out_channels; ++oc)
              std::fill(y + oc * os, y + (oc + 1) * os, bias ? in[2].as<const T>()[oc] : T(0));
            conv_image<T, T>(s.geo, s.channels, s.out_channels, s.group,
                             in[0].as<const T>() + b * is, in[1].as<const T>(), y);
            if (clamped)
              for (int64_t i = 0; i < s.out_channels * os; ++i)
                y[i] = std::min(std::max(y[i], static_cast<T>(lo)), static_cast<T>(hi));
            if (swish)
              for (int64_t i = 0; i < s.out_channels * os; ++i) y[i] = y[i] / (T(1) + std::exp(-y[i]));
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

// The quantization an integer convolution applies: zero points, and the scales of the forms
// that requantize (QLinearConv, a Conv of quantized values). w's are one or one per output
// channel.
struct ConvQuant {
  int64_t x_zp = 0, y_zp = 0;
  std::vector<int64_t> w_zp;
  double x_scale = 1, y_scale = 1;
  std::vector<double> w_scale;
};

// A Conv of quantized values: its parameters are the values' QuantParams, checked here.
Result<ConvQuant> value_quant(const Node& node, const Graph& graph, int64_t out_channels) {
  OUTPOST_ASSIGN_OR_RETURN(const quant::TensorQuant xq,
                           quant::per_tensor_quant(graph, node, input_of(graph, node, 0), "input"));
  OUTPOST_ASSIGN_OR_RETURN(const quant::TensorQuant yq,
                           quant::per_tensor_quant(graph, node, output_of(graph, node), "output"));
  const QuantParams& wq = input_of(graph, node, 1).quant;
  const size_t wn = wq.scale.size();
  if (wq.zero_point.size() != wn ||
      !(wn == 1 || (wn == static_cast<size_t>(out_channels) && wq.axis == 0)))
    return not_handled(graph, node, "the weights' quantization is neither per tensor nor per "
                                    "output channel");
  ConvQuant q;
  q.x_zp = xq.zero_point;
  q.y_zp = yq.zero_point;
  q.x_scale = xq.scale;
  q.y_scale = yq.scale;
  q.w_zp = wq.zero_point;
  q.w_scale.assign(wq.scale.begin(), wq.scale.end());
  return q;
}

// ConvInteger's and QLinearConv's parameters are operands, read on every run (into `q`, whose
// vectors were sized at prepare, so a run allocates nothing).
void read_operand_quant(bool qlinear, std::span<const TensorView> in, ConvQuant& q) {
  const size_t x_zp_i = 2, w_zp_i = qlinear ? 5 : 3;
  const TensorView none{};
  const TensorView& x_zp = x_zp_i < in.size() ? in[x_zp_i] : none;
  const TensorView& w_zp = w_zp_i < in.size() ? in[w_zp_i] : none;
  q.x_zp = q_at(x_zp, 0);
  for (size_t k = 0; k < q.w_zp.size(); ++k) q.w_zp[k] = q_at(w_zp, static_cast<int64_t>(k));
  if (!qlinear) return;
  q.x_scale = in[1].as<const float>()[0];
  q.y_scale = in[6].as<const float>()[0];
  q.y_zp = q_at(in[7], 0);
  for (size_t k = 0; k < q.w_scale.size(); ++k) q.w_scale[k] = in[4].as<const float>()[k];
}

// ConvInteger (x, w, [x_zp], [w_zp] -> int32), QLinearConv (x, x_s, x_zp, w, w_s, w_zp, y_s,
// y_zp, [bias]) and a Conv of quantized values (x, w, [bias int32]; `requantize` real).
Result<std::unique_ptr<Kernel>> make_integer_conv(const Node& node, const Graph& graph) {
  const bool qlinear = node.op == OpKind::kQLinearConv;
  const bool of_values = node.op == OpKind::kConv;
  const bool requantize = node.op != OpKind::kConvInteger;
  const size_t w_i = qlinear ? 3 : 1;
  const size_t bias_i = qlinear ? 8 : 2;
  OUTPOST_ASSIGN_OR_RETURN(ConvShape s, conv_shape(node, graph, 0, w_i));
  const int64_t x_count = s.batch * s.channels * s.geo.in_size();
  const int64_t w_count = s.out_channels * (s.channels / s.group) * s.geo.kernel_size();
  const int64_t os = s.geo.out_size();
  ConvQuant q;
  if (of_values) {
    OUTPOST_ASSIGN_OR_RETURN(q, value_quant(node, graph, s.out_channels));
  } else {
    const size_t w_zp_i = qlinear ? 5 : 3;
    auto count = [&](size_t i) {
      return has_input(node, i)
                 ? static_cast<size_t>(input_of(graph, node, i).shape.num_elements().value_or(1))
                 : size_t{1};
    };
    q.w_zp.assign(count(w_zp_i), 0);
    if (qlinear) q.w_scale.assign(count(4), 1.0);
  }
  const bool bias = requantize && has_input(node, bias_i);
  const DType yt = output_of(graph, node).dtype;
  // w minus its zero points, in int32.
  auto subtract_w_zp = [w_count, per_oc = w_count / std::max<int64_t>(s.out_channels, 1)](
                           const TensorView& w, const ConvQuant& q, std::vector<int32_t>& wq) {
    const bool per_channel = q.w_zp.size() > 1;
    for (int64_t i = 0; i < w_count; ++i) {
      const int64_t wz = q.w_zp[per_channel ? static_cast<size_t>(i / per_oc) : 0];
      wq[static_cast<size_t>(i)] = static_cast<int32_t>(q_at(w, i) - wz);
    }
  };
  std::vector<int32_t> wq(static_cast<size_t>(w_count));
  // A Conv's constant weights and QuantParams are known now: subtract once, not on every run.
  const Value& w_value = input_of(graph, node, w_i);
  const bool w_ready = of_values && w_value.is_constant();
  if (w_ready) {
    const TensorView w{w_value.dtype, &w_value.shape,
                       const_cast<uint8_t*>(w_value.constant.bytes), &w_value.quant};
    subtract_w_zp(w, q, wq);
  }
  RunFn fn = [=, xq = std::vector<int32_t>(static_cast<size_t>(x_count)), wq = std::move(wq),
              acc = std::vector<int64_t>(static_cast<size_t>(s.out_channels * os))](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
    if (!of_values) read_operand_quant(qlinear, in, q);
    for (int64_t i = 0; i < x_count; ++i)
      xq[static_cast<size_t>(i)] = static_cast<int32_t>(q_at(in[0], i) - q.x_zp);
    if (!w_ready) subtract_w_zp(in[w_i], q, wq);
    const int64_t is = s.channels * s.geo.in_size();
    for (int64_t b = 0; b < s.batch; ++b) {
      for (int64_t oc = 0; oc < s.out_channels; ++oc)
        std::fill(acc.begin() + oc * os, acc.begin() + (oc + 1) * os,
                  bias ? int64_t{in[bias_i].as<const int32_t>()[oc]} : int64_t{0});
      conv_image<int32_t, int64_t>(s.geo, s.channels, s.out_channels, s.group, xq.data() + b * is,
                                   wq.data(), acc.data());
      const int64_t base = b * s.out_channels * os;
      if (!requantize) {
        int32_t* y = out[0].as<int32_t>() + base;
        for (int64_t i = 0; i < s.out_channels * os; ++i)
          y[i] = static_cast<int32_t>(acc[static_cast<size_t>(i)]);
        continue;
      }
      for (int64_t oc = 0; oc < s.out_channels; ++oc) {
        const double w_scale = q.w_scale[q.w_scale.size() > 1 ? static_cast<size_t>(oc) : 0];
        const double mult = q.x_scale * w_scale / q.y_scale;
        for (int64_t i = oc * os; i < (oc + 1) * os; ++i) {
          const double v = static_cast<double>(acc[static_cast<size_t>(i)]) * mult;
          if (yt == DType::kUInt8)
            out[0].as<uint8_t>()[base + i] = saturate_round<uint8_t>(v, q.y_zp);
          else
            out[0].as<int8_t>()[base + i] = saturate_round<int8_t>(v, q.y_zp);
        }
      }
    }
  };
  return make_kernel(std::move(fn));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_conv(const Node& node, const Graph& graph) {
  // TFLite's layouts and fused activation are TFLite's kernels' (conv2d.cc and the others).
  if (node.attrs.get_string("weights_layout", "OIHW") != "OIHW")
    return not_handled(graph, node, "the general kernel reads OIHW weights only");
  if (node.attrs.get_string("activation", "none") != "none")
    return not_handled(graph, node, "the general kernel applies no fused activation");
  if (node.op != OpKind::kConv) return make_integer_conv(node, graph);
  if (!is_quantized_integer(input_of(graph, node, 0).dtype)) return make_float_conv(node, graph);
  // A Conv of quantized values requantizes as ONNX's QLinearConv does (the importer lowers it
  // so); TFLite's fixed-point arithmetic is its kernels'.
  if (node.attrs.get_string("requantize", "fixed_point") != "real")
    return not_handled(graph, node, "fixed-point requantization is TFLite's kernels'");
  return make_integer_conv(node, graph);
}

}  // namespace outpost
