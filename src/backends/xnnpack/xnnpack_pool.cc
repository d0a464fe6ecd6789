// Pools on XNNPACK, float32: GlobalAveragePool on NCHW (XNNPACK's NCW operator) or
// channels-last (its NWC one), and MaxPool and AveragePool channels-last (as TFLite's imports,
// or once the layout pass has made an ONNX one so); MaxPool also on int8 and uint8 whose input
// and output share their quantization (as TFLite's int8 models have it: a max needs no
// requantizing then).
#include <array>
#include <cmath>
#include <cstdint>
#include <memory>
#include <utility>

#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"
#include "ir/channels_last.h"
#include "ir/onnx_window.h"

namespace outpost::xnn {

Result<std::unique_ptr<Kernel>> make_global_average_pool(const Node& n, const Graph& g,
                                                         pthreadpool_t pool) {
  const Value& x = input_of(g, n, 0);
  if (x.dtype != DType::kFloat32 || x.shape.rank() < 3)
    return not_handled(g, n, "float32 [N, C, spatial...] only");
  const Shape nchw = logical_nchw(x.shape, n);
  const size_t batch = static_cast<size_t>(nchw[0]), channels = static_cast<size_t>(nchw[1]);
  size_t width = 1;
  for (size_t i = 2; i < nchw.rank(); ++i) width *= static_cast<size_t>(nchw[i]);
  if (batch == 0 || channels == 0 || width == 0) return not_handled(g, n, "empty tensor");
  xnn_operator_t op = nullptr;
  if (is_channels_last(n)) {
    // [N, H*W, C] averaged over the middle dimension.
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_global_average_pooling_nwc_f32(channels, channels, channels, -INFINITY,
                                                  INFINITY, 0, &op),
        g, n));
    return operator_kernel(
        op,
        [=](xnn_operator_t o, std::span<const TensorView> in, std::span<const TensorView> out,
            pthreadpool_t p) {
          return xnn_setup_global_average_pooling_nwc_f32(o, batch, width, in[0].as<const float>(),
                                                          out[0].as<float>(), p);
        },
        pool);
  }
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_global_average_pooling_ncw_f32(channels, -INFINITY, INFINITY, 0, &op), g, n));
  return operator_kernel(
      op,
      [=](xnn_operator_t o, std::span<const TensorView> in, std::span<const TensorView> out,
          pthreadpool_t p) {
        return xnn_setup_global_average_pooling_ncw_f32(o, batch, width, in[0].as<const float>(),
                                                        out[0].as<float>(), p);
      },
      pool);
}

namespace {

// Whether a quantized pool's input and output have the one per-tensor quantization.
bool same_quantization(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = g.value(n.outputs[0]);
  return x.dtype == y.dtype && !x.quant.per_channel() && x.quant.scale.size() == 1 && x.quant.scale == y.quant.scale &&
         x.quant.zero_point == y.quant.zero_point;
}

// The window of a 2-D pool XNNPACK takes: float32 (or, `quantized`, int8 or uint8 with one
// quantization on both sides), one output, no dilation, no negative pads; kUnsupported otherwise.
Result<OnnxWindow> pool_window(const Node& n, const Graph& g, bool quantized = false) {
  const Value& x = input_of(g, n, 0);
  const bool integer = quantized && (x.dtype == DType::kInt8 || x.dtype == DType::kUInt8);
  if (n.outputs.size() != 1 || (x.dtype != DType::kFloat32 && !integer) || x.shape.rank() != 4)
    return not_handled(g, n, "XNNPACK takes 2-D float32 pools with one output (MaxPool also int8 and uint8)");
  if (integer && !same_quantization(n, g))
    return not_handled(g, n, "XNNPACK's quantized MaxPool keeps its input's quantization");
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_window(g, n, logical_nchw(x.shape, n), nullptr));
  for (size_t d = 0; d < 2; ++d) {
    if (win.dilations[d] != 1 || win.pad_begin[d] < 0 || win.pad_end[d] < 0)
      return not_handled(g, n, "XNNPACK's pools take no dilation and no negative pads");
  }
  return win;
}

// A MaxPool's window: no fused activation either (TFLite's, which the reference kernel
// applies). XNNPACK reads a padded position as the nearest input pixel, which is inside an
// undilated window and so cannot change its maximum.
Result<OnnxWindow> max_pool_window(const Node& n, const Graph& g) {
  if (n.attrs.get_string("activation", "none") != "none")
    return not_handled(g, n, "XNNPACK's MaxPool takes no fused activation");
  return pool_window(n, g, /*quantized=*/true);
}

// An AveragePool's window. XNNPACK divides each window's sum by the input pixels inside it (as
// TFLite does, and ONNX with count_include_pad 0), so a pool that counts the pads is left to
// the reference backend when it has any.
Result<OnnxWindow> average_pool_window(const Node& n, const Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, pool_window(n, g));
  if (n.attrs.get_int("count_include_pad", 0) != 0) {
    for (size_t d = 0; d < 2; ++d)
      if (win.pad_begin[d] != 0 || win.pad_end[d] != 0 ||
          (win.out[d] - 1) * win.strides[d] + win.kernel[d] > win.in[d])
        return not_handled(g, n, "XNNPACK's AveragePool does not count pads (count_include_pad 1)");
  }
  OUTPOST_RETURN_IF_ERROR(fused_output_range(n, g).status());
  return win;
}

// XNNPACK's output extent is floor((padded - kernel) / stride) + 1; ceil_mode's extra window,
// when ONNX keeps one, gets the padding at the end it needs.
std::array<int64_t, 2> end_pads(const OnnxWindow& win) {
  std::array<int64_t, 2> pad_end{};
  for (size_t d = 0; d < 2; ++d) {
    const int64_t needed = (win.out[d] - 1) * win.strides[d] + win.kernel[d] - win.in[d] - win.pad_begin[d];
    pad_end[d] = needed > win.pad_end[d] ? needed : win.pad_end[d];
  }
  return pad_end;
}

// XNNPACK's max and average pools are set up alike: the planned NHWC input and output.
using PoolSetup = xnn_status (*)(xnn_operator_t, size_t, size_t, size_t, const float*, float*,
                                 pthreadpool_t);

std::unique_ptr<Kernel> pool_kernel(xnn_operator_t op, const Shape& nchw, PoolSetup setup,
                                    pthreadpool_t pool) {
  const size_t batch = static_cast<size_t>(nchw[0]), height = static_cast<size_t>(nchw[2]),
               width = static_cast<size_t>(nchw[3]);
  return operator_kernel(
      op,
      [=](xnn_operator_t o, std::span<const TensorView> in, std::span<const TensorView> out,
          pthreadpool_t p) {
        return setup(o, batch, height, width, in[0].as<const float>(), out[0].as<float>(), p);
      },
      pool);
}

// int8 and uint8 MaxPool: the maximum of quantized values under one quantization is the
// quantized maximum, so XNNPACK's integer pools compute what the reference does.
Result<std::unique_ptr<Kernel>> make_quantized_max_pool(const Node& n, const Graph& g, const OnnxWindow& win,
                                                        const std::array<int64_t, 2>& pad_end, const Shape& nchw,
                                                        DType dtype, pthreadpool_t pool) {
  const size_t channels = static_cast<size_t>(nchw[1]);
  const auto u = [](int64_t v) { return static_cast<uint32_t>(v); };
  xnn_operator_t op = nullptr;
  if (dtype == DType::kInt8) {
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_max_pooling2d_nhwc_s8(u(win.pad_begin[0]), u(pad_end[1]), u(pad_end[0]), u(win.pad_begin[1]),
                                         u(win.kernel[0]), u(win.kernel[1]), u(win.strides[0]), u(win.strides[1]), 1, 1,
                                         channels, channels, channels, INT8_MIN, INT8_MAX, 0, &op),
        g, n));
  } else {
    OUTPOST_RETURN_IF_ERROR(check_create(
        xnn_create_max_pooling2d_nhwc_u8(u(win.pad_begin[0]), u(pad_end[1]), u(pad_end[0]), u(win.pad_begin[1]),
                                         u(win.kernel[0]), u(win.kernel[1]), u(win.strides[0]), u(win.strides[1]), 1, 1,
                                         channels, channels, channels, 0, UINT8_MAX, 0, &op),
        g, n));
  }
  const size_t batch = static_cast<size_t>(nchw[0]), height = static_cast<size_t>(nchw[2]),
               width = static_cast<size_t>(nchw[3]);
  return operator_kernel(
      op,
      [=](xnn_operator_t o, std::span<const TensorView> in, std::span<const TensorView> out, pthreadpool_t p) {
        if (dtype == DType::kInt8)
          return xnn_setup_max_pooling2d_nhwc_s8(o, batch, height, width, in[0].as<const int8_t>(),
                                                 out[0].as<int8_t>(), p);
        return xnn_setup_max_pooling2d_nhwc_u8(o, batch, height, width, in[0].as<const uint8_t>(),
                                               out[0].as<uint8_t>(), p);
      },
      pool);
}

}  // namespace

bool takes_onnx_max_pool(const Node& n, const Graph& g) { return max_pool_window(n, g).is_ok(); }

Result<std::unique_ptr<Kernel>> make_onnx_max_pool(const Node& n, const Graph& g, pthreadpool_t pool) {
  if (!is_channels_last(n))
    return not_handled(g, n, "XNNPACK runs MaxPool channels-last (the layout pass makes it so)");
  OUTPOST_ASSIGN_OR_RETURN(const OnnxWindow win, max_pool_window(n, g));
  const Shape x = logical_nchw(input_of(g, n, 0).shape, n);
  const std::array<int64_t, 2> pad_end = end_pads(win);
  const size_t channels = static_cast<size_t>(x[1]);
  const DType dtype = input_of(g, n, 0).dtype;
  if (dtype != DType::kFloat32) return make_quantized_max_pool(n, g, win, pad_end, x, dtype, pool);
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_max_pooling2d_nhwc_f32(
          static_cast<uint32_t>(win.pad_begin[0]), static_cast<uint32_t>(pad_end[1]),
          static_cast<uint32_t>(pad_end[0]), static_cast<uint32_t>(win.pad_begin[1]),
          static_cast<uint32_t>(win.kernel[0]), static_cast<uint32_t>(win.kernel[1]),
          static_cast<uint32_t>(win.strides[0]), static_cast<uint32_t>(win.strides[1]), 1, 1,
          channels, channels, channels, -INFINITY, INFINITY, 0, &op),
      g, n));
  return pool_kernel(op, x, xnn_setup_max_pooling2d_nhwc_f32, pool);
}

bool takes_average_pool(const Node& n, const Graph& g) { return average_pool_window(n, g).is_ok(); }

Result<std::unique_ptr<Kernel>> make_average_pool(const Node& n, const Graph& g, pthreadpool_t pool) {
  if (!is_channels_last(n))
    return not_handled(g, n, "XNNPACK runs AveragePool channels-last (the layout pass makes it so)");
  OUTPOST_ASSIGN_OR_RETURN(const OnnxWindow win, average_pool_window(n, g));
  OUTPOST_ASSIGN_OR_RETURN(const OutputRange range, fused_output_range(n, g));
  const Shape x = logical_nchw(input_of(g, n, 0).shape, n);
  const std::array<int64_t, 2> pad_end = end_pads(win);
  const size_t channels = static_cast<size_t>(x[1]);
  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_average_pooling2d_nhwc_f32(
          static_cast<uint32_t>(win.pad_begin[0]), static_cast<uint32_t>(pad_end[1]),
          static_cast<uint32_t>(pad_end[0]), static_cast<uint32_t>(win.pad_begin[1]),
          static_cast<uint32_t>(win.kernel[0]), static_cast<uint32_t>(win.kernel[1]),
          static_cast<uint32_t>(win.strides[0]), static_cast<uint32_t>(win.strides[1]), channels,
          channels, channels, range.lo, range.hi, 0, &op),
      g, n));
  return pool_kernel(op, x, xnn_setup_average_pooling2d_nhwc_f32, pool);
}

}  // namespace outpost::xnn
