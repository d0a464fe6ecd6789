// Conv2D and DepthwiseConv2D (TFLite's NHWC forms) on XNNPACK: float32, uint8 (per-tensor
// weights with a zero point) and int8 (symmetric weights, per tensor or per output channel).
// The weights are constants and are packed here, once. XNNPACK's quantized arithmetic is its
// own (it requantizes in float), so quantized outputs may differ from TFLite's built-in kernels
// by a step or a few, as TFLite's own XNNPACK path does.
#include <cstdint>
#include <vector>

#include "backends/ref/conv_geometry.h"
#include "backends/ref/quantized_common.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

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

uint32_t trailing_pad(int64_t in, int64_t out, int64_t kernel, int64_t stride, int64_t dilation,
                      int64_t pad_before) {
  const int64_t needed = (out - 1) * stride + (kernel - 1) * dilation + 1 - in - pad_before;
  return static_cast<uint32_t>(needed > 0 ? needed : 0);
}

Window window_of(const ConvGeometry& g, bool depthwise) {
  Window w{};
  w.pad_top = static_cast<uint32_t>(g.pad_top);
  w.pad_left = static_cast<uint32_t>(g.pad_left);
  w.pad_bottom = trailing_pad(g.in_h, g.out_h, g.kernel_h, g.stride_h, g.dilation_h, g.pad_top);
  w.pad_right = trailing_pad(g.in_w, g.out_w, g.kernel_w, g.stride_w, g.dilation_w, g.pad_left);
  w.kernel_h = static_cast<uint32_t>(g.kernel_h);
  w.kernel_w = static_cast<uint32_t>(g.kernel_w);
  w.stride_h = static_cast<uint32_t>(g.stride_h);
  w.stride_w = static_cast<uint32_t>(g.stride_w);
  w.dilation_h = static_cast<uint32_t>(g.dilation_h);
  w.dilation_w = static_cast<uint32_t>(g.dilation_w);
  if (depthwise) {
    // Weights [1, H, W, C * M]: XNNPACK's depthwise layout.
    w.groups = static_cast<uint32_t>(g.in_c);
    w.group_in = 1;
    w.group_out = static_cast<size_t>(g.depth_multiplier);
    w.flags = XNN_FLAG_DEPTHWISE_CONVOLUTION;
  } else {
    // Weights OHWI: one group.
    w.groups = 1;
    w.group_in = static_cast<size_t>(g.in_c);
    w.group_out = static_cast<size_t>(g.out_c);
    w.flags = 0;
  }
  w.in_stride = static_cast<size_t>(g.in_c);
  w.out_stride = static_cast<size_t>(g.out_c);
  return w;
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
                                           bool depthwise, pthreadpool_t pool) {
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kFloat32)
    return not_handled(g, n, "the bias is not float32");
  OUTPOST_ASSIGN_OR_RETURN(const OutputRange range, fused_output_range(n, g));
  const float lo = range.lo, hi = range.hi;
  const Window w = window_of(geo, depthwise);
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convolution2d_nhwc_f32(
          w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w, w.stride_h,
          w.stride_w, w.dilation_h, w.dilation_w, w.groups, w.group_in, w.group_out, w.in_stride,
          w.out_stride, input_of(g, n, 1).constant_as<float>(), bias_of<float>(g, n), lo, hi,
          w.flags, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), conv_setup<float>(geo, xnn_setup_convolution2d_nhwc_f32), pool));
}

Result<std::unique_ptr<Kernel>> make_uint8(const Node& n, const Graph& g, const ConvGeometry& geo,
                                           bool depthwise, pthreadpool_t pool) {
  const Value& x = input_of(g, n, 0);
  const Value& wv = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto wq, quant::per_tensor_quant(g, n, wv, "weights"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(auto act, quant::fused_activation_range(g, n, y, yq));
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kInt32)
    return not_handled(g, n, "the bias is not int32");
  if (xq.zero_point < 0 || xq.zero_point > 255 || wq.zero_point < 0 || wq.zero_point > 255 ||
      yq.zero_point < 0 || yq.zero_point > 255)
    return not_handled(g, n, "a zero point is outside uint8");
  OUTPOST_RETURN_IF_ERROR(check_requantization_scales(g, n, xq.scale, {wq.scale}, yq.scale));
  const Window w = window_of(geo, depthwise);
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convolution2d_nhwc_qu8(
          w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w, w.stride_h,
          w.stride_w, w.dilation_h, w.dilation_w, w.groups, w.group_in, w.group_out, w.in_stride,
          w.out_stride, static_cast<uint8_t>(xq.zero_point), xq.scale,
          static_cast<uint8_t>(wq.zero_point), wq.scale, wv.constant_as<uint8_t>(),
          bias_of<int32_t>(g, n), static_cast<uint8_t>(yq.zero_point), yq.scale,
          static_cast<uint8_t>(act.min), static_cast<uint8_t>(act.max), w.flags, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), conv_setup<uint8_t>(geo, xnn_setup_convolution2d_nhwc_qu8), pool));
}

Result<std::unique_ptr<Kernel>> make_int8(const Node& n, const Graph& g, const ConvGeometry& geo,
                                          bool depthwise, pthreadpool_t pool) {
  const Value& x = input_of(g, n, 0);
  const Value& wv = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  OUTPOST_ASSIGN_OR_RETURN(auto act, quant::fused_activation_range(g, n, y, yq));
  if (has_input(n, 2) && input_of(g, n, 2).dtype != DType::kInt32)
    return not_handled(g, n, "the bias is not int32");
  if (xq.zero_point < -128 || xq.zero_point > 127 || yq.zero_point < -128 || yq.zero_point > 127)
    return not_handled(g, n, "a zero point is outside int8");
  for (int64_t zp : wv.quant.zero_point)
    if (zp != 0) return not_handled(g, n, "XNNPACK takes symmetric int8 weights only");
  const int64_t channels = geo.out_c;
  const size_t scales = wv.quant.scale.size();
  if (scales != 1 && static_cast<int64_t>(scales) != channels)
    return not_handled(g, n, "the weight scales do not match the output channels");
  OUTPOST_RETURN_IF_ERROR(check_requantization_scales(g, n, xq.scale, wv.quant.scale, yq.scale));
  const Window w = window_of(geo, depthwise);
  xnn_operator_t op = nullptr;
  if (scales == 1) {
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_convolution2d_nhwc_qs8(
            w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w, w.stride_h,
            w.stride_w, w.dilation_h, w.dilation_w, w.groups, w.group_in, w.group_out, w.in_stride,
            w.out_stride, static_cast<int8_t>(xq.zero_point), xq.scale, wv.quant.scale[0],
            wv.constant_as<int8_t>(), bias_of<int32_t>(g, n), static_cast<int8_t>(yq.zero_point),
            yq.scale, static_cast<int8_t>(act.min), static_cast<int8_t>(act.max), w.flags, &op),
        g, n));
    return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
        OperatorPtr(op), conv_setup<int8_t>(geo, xnn_setup_convolution2d_nhwc_qs8), pool));
  }
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convolution2d_nhwc_qc8(
          w.pad_top, w.pad_right, w.pad_bottom, w.pad_left, w.kernel_h, w.kernel_w, w.stride_h,
          w.stride_w, w.dilation_h, w.dilation_w, w.groups, w.group_in, w.group_out, w.in_stride,
          w.out_stride, static_cast<int8_t>(xq.zero_point), xq.scale, wv.quant.scale.data(),
          wv.constant_as<int8_t>(), bias_of<int32_t>(g, n), static_cast<int8_t>(yq.zero_point),
          yq.scale, static_cast<int8_t>(act.min), static_cast<int8_t>(act.max), w.flags, &op),
      g, n));
  return std::unique_ptr<Kernel>(std::make_unique<OperatorKernel>(
      OperatorPtr(op), conv_setup<int8_t>(geo, xnn_setup_convolution2d_nhwc_qc8), pool));
}

Result<std::unique_ptr<Kernel>> make_any(const Node& n, const Graph& g, bool depthwise,
                                         pthreadpool_t pool) {
  OUTPOST_RETURN_IF_ERROR(expect_constant_weights(g, n));
  OUTPOST_ASSIGN_OR_RETURN(ConvGeometry geo, conv_geometry(n, g, depthwise));
  const DType x = input_of(g, n, 0).dtype;
  if (input_of(g, n, 1).dtype != x || output_of(g, n).dtype != x)
    return not_handled(g, n, "input, weights and output differ in dtype");
  switch (x) {
    case DType::kFloat32:
      return make_float(n, g, geo, depthwise, pool);
    case DType::kUInt8:
      return make_uint8(n, g, geo, depthwise, pool);
    case DType::kInt8:
      return make_int8(n, g, geo, depthwise, pool);
    default:
      return not_handled(g, n, "XNNPACK runs float32, uint8 and int8 convolutions");
  }
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_conv2d(const Node& n, const Graph& g, pthreadpool_t pool) {
  return make_any(n, g, /*depthwise=*/false, pool);
}

Result<std::unique_ptr<Kernel>> make_depthwise_conv2d(const Node& n, const Graph& g,
                                                      pthreadpool_t pool) {
  return make_any(n, g, /*depthwise=*/true, pool);
}

}  // namespace outpost::xnn
