// ONNX Conv (2-D, float32, constant weights) on XNNPACK, which computes NHWC: the layout pass
// (ir/passes/channels_last.h) makes the node channels-last, so the convolution reads and writes
// the planned buffers as they are. The weights are reordered OIHW -> OHWI and packed once.
#include <cmath>
#include <cstdint>
#include <vector>

#include "backends/float_onnx_conv.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

namespace outpost::xnn {

Result<std::unique_ptr<Kernel>> make_onnx_conv(const Node& n, const Graph& g, pthreadpool_t pool) {
  if (!is_channels_last(n))
    return not_handled(g, n, "XNNPACK runs convolutions channels-last (the layout pass makes them so)");
  if (n.attrs.has("swish")) return not_handled(g, n, "XNNPACK cannot apply a fused swish");
  OUTPOST_ASSIGN_OR_RETURN(const FloatOnnxConv2D conv, float_onnx_conv2d(g, n));
  const Value& w = input_of(g, n, 1);
  const OnnxWindow& win = conv.window;
  const int64_t group = conv.group, in_c = conv.in_channels, out_c = conv.out_channels;

  // OIHW -> OHWI: within each group, XNNPACK's [group_out, KH, KW, group_in].
  const int64_t kh = w.shape[2], kw = w.shape[3], gi = w.shape[1];
  std::vector<float> ohwi(static_cast<size_t>(out_c * kh * kw * gi));
  const float* oihw = w.constant_as<float>();
  for (int64_t o = 0; o < out_c; ++o)
    for (int64_t i = 0; i < gi; ++i)
      for (int64_t p = 0; p < kh * kw; ++p)
        ohwi[static_cast<size_t>((o * kh * kw + p) * gi + i)] = oihw[(o * gi + i) * kh * kw + p];

  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convolution2d_nhwc_f32(
          static_cast<uint32_t>(win.pad_begin[0]), static_cast<uint32_t>(win.pad_end[1]),
          static_cast<uint32_t>(win.pad_end[0]), static_cast<uint32_t>(win.pad_begin[1]),
          static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
          static_cast<uint32_t>(win.strides[0]), static_cast<uint32_t>(win.strides[1]),
          static_cast<uint32_t>(win.dilations[0]), static_cast<uint32_t>(win.dilations[1]),
          static_cast<uint32_t>(group), static_cast<size_t>(gi), static_cast<size_t>(out_c / group),
          static_cast<size_t>(in_c), static_cast<size_t>(out_c), ohwi.data(),
          has_input(n, 2) ? input_of(g, n, 2).constant_as<float>() : nullptr,
          // A Relu or Clip folded in by ir/passes/activation_fusion.
          n.attrs.get_float("activation_min", -INFINITY),
          n.attrs.get_float("activation_max", INFINITY), 0, &op),
      g, n));
  const size_t batch = static_cast<size_t>(conv.x[0]), height = static_cast<size_t>(conv.x[2]),
               width = static_cast<size_t>(conv.x[3]);
  SetupFn setup = [batch, height, width](xnn_operator_t o, std::span<const TensorView> in,
                                         std::span<const TensorView> out, pthreadpool_t p) {
    return xnn_setup_convolution2d_nhwc_f32(o, batch, height, width, in[0].as<const float>(),
                                            out[0].as<float>(), p);
  };
  return operator_kernel(op, std::move(setup), pool);
}

}  // namespace outpost::xnn
