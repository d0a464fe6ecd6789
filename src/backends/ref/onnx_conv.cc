// ONNX Conv (float32/float64), ConvInteger and QLinearConv: NCHW with 1 to 3 spatial
// dimensions, groups, strides, dilations, pads and auto_pad (ir/onnx_window.h). The integer
// forms subtract the zero points into int32 scratch and accumulate in int64; QLinearConv
// requantizes with the real multiplier x_scale * w_scale / y_scale (per output channel when
// w_scale is), rounding half to even and saturating.
#include <cmath>
#include <vector>

#include "backends/ref/onnx_kernel_factories.h"
#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

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

// ConvInteger (x, w, [x_zp], [w_zp] -> int32) and QLinearConv (x, x_s, x_zp, w, w_s, w_zp,
// y_s, y_zp, [bias]).
Result<std::unique_ptr<Kernel>> make_integer_conv(const Node& node, const Graph& graph) {
  const bool qlinear = node.op == OpKind::kQLinearConv;
  const size_t w_i = qlinear ? 3 : 1;
  OUTPOST_ASSIGN_OR_RETURN(ConvShape s, conv_shape(node, graph, 0, w_i));
  const int64_t x_count = s.batch * s.channels * s.geo.in_size();
  const int64_t w_count = s.out_channels * (s.channels / s.group) * s.geo.kernel_size();
  const int64_t os = s.geo.out_size();
  const size_t x_zp_i = 2, w_zp_i = qlinear ? 5 : 3;
  const bool w_per_channel =
      has_input(node, w_zp_i) && input_of(graph, node, w_zp_i).shape.num_elements() != 1;
  const bool s_per_channel =
      qlinear && input_of(graph, node, 4).shape.num_elements().value_or(1) != 1;
  const bool bias = qlinear && has_input(node, 8);
  const DType yt = output_of(graph, node).dtype;
  RunFn fn = [=, xq = std::vector<int32_t>(static_cast<size_t>(x_count)),
              wq = std::vector<int32_t>(static_cast<size_t>(w_count)),
              acc = std::vector<int64_t>(static_cast<size_t>(s.out_channels * os))](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
    const TensorView& x_zp = x_zp_i < in.size() ? in[x_zp_i] : TensorView{};
    const TensorView& w_zp = w_zp_i < in.size() ? in[w_zp_i] : TensorView{};
    const int64_t xz = q_at(x_zp, 0);
    for (int64_t i = 0; i < x_count; ++i)
      xq[static_cast<size_t>(i)] = static_cast<int32_t>(q_at(in[0], i) - xz);
    const int64_t per_oc = w_count / std::max<int64_t>(s.out_channels, 1);
    for (int64_t i = 0; i < w_count; ++i) {
      const int64_t wz = q_at(w_zp, w_per_channel ? i / per_oc : 0);
      wq[static_cast<size_t>(i)] = static_cast<int32_t>(q_at(in[w_i], i) - wz);
    }
    const int64_t is = s.channels * s.geo.in_size();
    for (int64_t b = 0; b < s.batch; ++b) {
      for (int64_t oc = 0; oc < s.out_channels; ++oc)
        std::fill(acc.begin() + oc * os, acc.begin() + (oc + 1) * os,
                  bias ? int64_t{in[8].as<const int32_t>()[oc]} : int64_t{0});
      conv_image<int32_t, int64_t>(s.geo, s.channels, s.out_channels, s.group, xq.data() + b * is,
                                   wq.data(), acc.data());
      const int64_t base = b * s.out_channels * os;
      if (!qlinear) {
        int32_t* y = out[0].as<int32_t>() + base;
        for (int64_t i = 0; i < s.out_channels * os; ++i)
          y[i] = static_cast<int32_t>(acc[static_cast<size_t>(i)]);
        continue;
      }
      const double xs = in[1].as<const float>()[0], ys = in[6].as<const float>()[0];
      const int64_t yz = q_at(in[7], 0);
      for (int64_t oc = 0; oc < s.out_channels; ++oc) {
        const double mult = xs * in[4].as<const float>()[s_per_channel ? oc : 0] / ys;
        for (int64_t i = oc * os; i < (oc + 1) * os; ++i) {
          const double v = static_cast<double>(acc[static_cast<size_t>(i)]) * mult;
          if (yt == DType::kUInt8)
            out[0].as<uint8_t>()[base + i] = saturate_round<uint8_t>(v, yz);
          else
            out[0].as<int8_t>()[base + i] = saturate_round<int8_t>(v, yz);
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
  if (node.op == OpKind::kConv) return make_float_conv(node, graph);
  return make_integer_conv(node, graph);
}

}  // namespace outpost
