// Conv on XNNPACK, which computes NHWC: channels-last 2-D convolutions with constant weights in
// any of the IR's weights layouts (ir/conv_weights.h): float32, uint8 with per-tensor weights and
// a zero point, int8 with symmetric weights per tensor or per output channel. TFLite's come as
// imported (OHWI, any group, or 1HWO depthwise); ONNX's OIHW ones (float32, and the quantized
// ones a QLinearConv lowered to) once the layout pass (ir/passes/channels_last.h) made them
// channels-last, their weights reordered to OHWI here. The weights are packed once. XNNPACK's
// quantized arithmetic is its own (it requantizes in float), so quantized outputs may differ from
// TFLite's built-in kernels, or ONNX's real-multiplier rounding, by a step or a few, as TFLite's
// own XNNPACK path does.
#include <cmath>
#include <cstdint>
#include <vector>

#include "backends/float_onnx_conv.h"
#include "backends/ref/conv_geometry.h"
#include "backends/ref/quantized_common.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"
#include "ir/channels_last.h"

namespace outpost::xnn {
namespace {

// XNNPACK's description of the window: explicit padding on all four sides, groups.
struct Window {
  uint32_t pad_top, pad_right, pad_bottom, pad_left;
  uint32_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w;
  uint32_t groups;
  size_t group_in, group_out, in_stride, out_stride;
  uint32_t flags;
};

// The weights as XNNPACK reads them, [groups * group_out, KH, KW, group_in] (or [1, KH, KW, C * M]
// with XNN_FLAG_DEPTHWISE_CONVOLUTION): the constant itself, or `reordered` from OIHW.
template <typename T>
struct PackedWeights {
  const T* data = nullptr;
  std::vector<T> reordered;
};

Window window_of(const ConvGeometry& g) {
  Window w{};
  w.pad_top = static_cast<uint32_t>(g.pad_top);
  w.pad_left = static_cast<uint32_t>(g.pad_left);
  w.pad_bottom = static_cast<uint32_t>(g.pad_bottom);
  w.pad_right = static_cast<uint32_t>(g.pad_right);
  w.kernel_h = static_cast<uint32_t>(g.kernel_h);
  w.kernel_w = static_cast<uint32_t>(g.kernel_w);
  w.stride_h = static_cast<uint32_t>(g.stride_h);
  w.stride_w = static_cast<uint32_t>(g.stride_w);
  w.dilation_h = static_cast<uint32_t>(g.dilation_h);
  w.dilation_w = static_cast<uint32_t>(g.dilation_w);
  if (g.weights == WeightsLayout::k1HWO) {
    w.groups = static_cast<uint32_t>(g.in_c);
    w.group_in = 1;
    w.group_out = static_cast<size_t>(g.depth_multiplier);
    w.flags = XNN_FLAG_DEPTHWISE_CONVOLUTION;
  } else {
    w.groups = static_cast<uint32_t>(g.groups);
    w.group_in = static_cast<size_t>(g.in_c / g.groups);
    w.group_out = static_cast<size_t>(g.out_c / g.groups);
    w.flags = 0;
  }
  w.in_stride = static_cast<size_t>(g.in_c);
  w.out_stride = static_cast<size_t>(g.out_c);
  return w;
}

template <typename T>
PackedWeights<T> packed_weights(const Value& w, const ConvGeometry& g) {
  PackedWeights<T> p;
  if (g.weights != WeightsLayout::kOIHW) {
    p.data = w.constant_as<T>();
    return p;
  }
  // OIHW -> OHWI: within each group, XNNPACK's [group_out, KH, KW, group_in].
  const int64_t taps = g.kernel_h * g.kernel_w, gi = g.in_c / g.groups;
  p.reordered.resize(static_cast<size_t>(g.out_c * taps * gi));
  const T* oihw = w.constant_as<T>();
  for (int64_t o = 0; o < g.out_c; ++o)
    for (int64_t i = 0; i < gi; ++i)
      for (int64_t t = 0; t < taps; ++t)
        p.reordered[static_cast<size_t>((o * taps + t) * gi + i)] = oihw[(o * gi + i) * taps + t];
  p.data = p.reordered.data();
  return p;
}

template <typename T>
SetupFn conv_setup(const ConvGeometry& g,
                   xnn_status (*setup)(xnn_operator_t, size_t, size_t, size_t, const T*, T*,
                                       pthreadpool_t)) {
  const size_t batch = static_cast<size_t>(g.batch), h = static_cast<size_t>(g.in_h),
               w = static_cast<size_t>(g.in_w);
  return [=](xnn_operator_t op, std::span<const TensorView> in, std::span<const TensorView> out,
             pthreadpool_t pool) {
    return setup(op, batch, h, w, in[0].as<const T>(), out[0].as<T>(), pool);
  };
}

// The float output range: the fused `activation` (TFLite's) within the bounds of a Relu or Clip
// that ir/passes/activation_fusion folded in.
Result<OutputRange> float_range(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(OutputRange range, fused_output_range(n, g));
  range.lo = std::fmax(range.lo, n.attrs.get_float("activation_min", -INFINITY));
  range.hi = std::fmin(range.hi, n.attrs.get_float("activation_max", INFINITY));
  return range;
}

// Weights (and bias, when present) must be constants: XNNPACK packs them now.
Status expect_constant_weights(const Graph& g, const Node& n) {
  if (!input_of(g, n, 1).is_constant()) return not_handled(g, n, "the weights are not constant");
  if (has_input(n, 2) && !input_of(g, n, 2).is_constant())
    return not_handled(g, n, "the bias is not constant");
  return Status::ok();
}

template <typename T>
const T* bias_of(const Graph& g, const Node& n) {
  return has_input(n, 2) ? input_of(g, n, 2).constant_as<T>() : nullptr;
}

Result<std::unique_ptr<Kernel>> make_float(const Node& n, const Graph& g, const ConvGeometry& geo,
                                           pthreadpool_t pool) {
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kFloat32)
    return not_handled(g, n, "the bias is not float32");
  OUTPOST_ASSIGN_OR_RETURN(const OutputRange range, float_range(n, g));
  const Window w = window_of(geo);
  const PackedWeights<float> weights = packed_weights<float>(input_of(g, n, 1), geo);
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convolution2d_nhwc_f32(
          w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w, w.stride_h,
          w.stride_w, w.dilation_h, w.dilation_w, w.groups, w.group_in, w.group_out, w.in_stride,
          w.out_stride, weights.data, bias_of<float>(g, n), range.lo,
          range.hi, w.flags, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), conv_setup<float>(geo, xnn_setup_convolution2d_nhwc_f32), pool,
      /*packed=*/true));
}

Result<std::unique_ptr<Kernel>> make_uint8(const Node& n, const Graph& g, const ConvGeometry& geo,
                                           pthreadpool_t pool) {
  const Value& wv = input_of(g, n, 1);
  OUTPOST_ASSIGN_OR_RETURN(const PerTensorOperands q, per_tensor_operands(g, n));
  const quant::TensorQuant &xq = q.x, &wq = q.w, &yq = q.y;
  const quant::ActivationRange& act = q.act;
  const Window w = window_of(geo);
  const PackedWeights<uint8_t> weights = packed_weights<uint8_t>(wv, geo);
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convolution2d_nhwc_qu8(
          w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w, w.stride_h,
          w.stride_w, w.dilation_h, w.dilation_w, w.groups, w.group_in, w.group_out, w.in_stride,
          w.out_stride, static_cast<uint8_t>(xq.zero_point), xq.scale,
          static_cast<uint8_t>(wq.zero_point), wq.scale, weights.data,
          bias_of<int32_t>(g, n), static_cast<uint8_t>(yq.zero_point), yq.scale,
          static_cast<uint8_t>(act.min), static_cast<uint8_t>(act.max), w.flags, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), conv_setup<uint8_t>(geo, xnn_setup_convolution2d_nhwc_qu8), pool,
      /*packed=*/true));
}

// An int8 convolution as XNNPACK's qs8/qc8 operators take it: x and y per tensor, symmetric
// weights per tensor or per output channel, an int32 bias; kUnsupported naming what they refuse.
struct Int8Operands {
  quant::TensorQuant x, y;
  quant::ActivationRange act;
};

Result<Int8Operands> int8_operands(const Graph& g, const Node& n, int64_t out_channels) {
  const Value& wv = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  Int8Operands q;
  OUTPOST_ASSIGN_OR_RETURN(q.x, quant::per_tensor_quant(g, n, input_of(g, n, 0), "input"));
  OUTPOST_ASSIGN_OR_RETURN(q.y, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(q.act, quant::fused_activation_range(g, n, y, q.y));
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kInt32)
    return not_handled(g, n, "the bias is not int32");
  if (q.x.zero_point < -128 || q.x.zero_point > 127 || q.y.zero_point < -128 ||
      q.y.zero_point > 127)
    return not_handled(g, n, "a zero point is outside int8");
  for (int64_t zp : wv.quant.zero_point)
    if (zp != 0) return not_handled(g, n, "XNNPACK takes symmetric int8 weights only");
  const size_t scales = wv.quant.scale.size();
  if (scales != 1 && static_cast<int64_t>(scales) != out_channels)
    return not_handled(g, n, "the weight scales do not match the output channels");
  OUTPOST_RETURN_IF_ERROR(
      check_requantization_scales(g, n, q.x.scale, wv.quant.scale, q.y.scale));
  return q;
}

Result<std::unique_ptr<Kernel>> make_int8(const Node& n, const Graph& g, const ConvGeometry& geo,
                                          pthreadpool_t pool) {
  const Value& wv = input_of(g, n, 1);
  OUTPOST_ASSIGN_OR_RETURN(const Int8Operands q, int8_operands(g, n, geo.out_c));
  const quant::TensorQuant &xq = q.x, &yq = q.y;
  const quant::ActivationRange& act = q.act;
  const size_t scales = wv.quant.scale.size();
  const Window w = window_of(geo);
  const PackedWeights<int8_t> weights = packed_weights<int8_t>(wv, geo);
  xnn_operator_t op = nullptr;
  if (scales == 1) {
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_convolution2d_nhwc_qs8(
            w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w, w.stride_h,
            w.stride_w, w.dilation_h, w.dilation_w, w.groups, w.group_in, w.group_out, w.in_stride,
            w.out_stride, static_cast<int8_t>(xq.zero_point), xq.scale, wv.quant.scale[0],
            weights.data, bias_of<int32_t>(g, n), static_cast<int8_t>(yq.zero_point),
            yq.scale, static_cast<int8_t>(act.min), static_cast<int8_t>(act.max), w.flags, &op),
        g, n));
    return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
        OperatorPtr(op), conv_setup<int8_t>(geo, xnn_setup_convolution2d_nhwc_qs8), pool,
        /*packed=*/true));
  }
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convolution2d_nhwc_qc8(
          w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w, w.stride_h,
          w.stride_w, w.dilation_h, w.dilation_w, w.groups, w.group_in, w.group_out, w.in_stride,
          w.out_stride, static_cast<int8_t>(xq.zero_point), xq.scale, wv.quant.scale.data(),
          weights.data, bias_of<int32_t>(g, n), static_cast<int8_t>(yq.zero_point),
          yq.scale, static_cast<int8_t>(act.min), static_cast<int8_t>(act.max), w.flags, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), conv_setup<int8_t>(geo, xnn_setup_convolution2d_nhwc_qc8), pool,
      /*packed=*/true));
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_conv(const Node& n, const Graph& g, pthreadpool_t pool) {
  if (!is_channels_last(n))
    return not_handled(g, n, "XNNPACK runs convolutions channels-last (the layout pass makes them so)");
  if (n.attrs.has("swish")) return not_handled(g, n, "XNNPACK cannot apply a fused swish");
  OUTPOST_RETURN_IF_ERROR(expect_constant_weights(g, n));
  OUTPOST_ASSIGN_OR_RETURN(const ConvGeometry geo, channels_last_conv_geometry(n, g));
  const DType x = input_of(g, n, 0).dtype;
  if (input_of(g, n, 1).dtype != x || output_of(g, n).dtype != x)
    return not_handled(g, n, "input, weights and output differ in dtype");
  if (x != DType::kFloat32 && n.attrs.has("activation_min"))
    return not_handled(g, n, "a folded float clamp on a quantized convolution");
  switch (x) {
    case DType::kFloat32:
      return make_float(n, g, geo, pool);
    case DType::kUInt8:
      return make_uint8(n, g, geo, pool);
    case DType::kInt8:
      return make_int8(n, g, geo, pool);
    default:
      return not_handled(g, n, "XNNPACK runs float32, uint8 and int8 convolutions");
  }
}

bool takes_quantized_onnx_conv(const Node& n, const Graph& g) {
  const DType x = input_of(g, n, 0).dtype;
  if ((x != DType::kUInt8 && x != DType::kInt8) || input_of(g, n, 1).dtype != x ||
      output_of(g, n).dtype != x || n.attrs.has("swish") || n.attrs.has("activation_min"))
    return false;
  const auto conv = onnx_conv2d(g, n);
  if (!conv.is_ok()) return false;
  // Both check what the operators need of the parameters and the bias, as make_conv does.
  return x == DType::kUInt8 ? per_tensor_operands(g, n).is_ok()
                            : int8_operands(g, n, conv->out_channels).is_ok();
}

}  // namespace outpost::xnn
