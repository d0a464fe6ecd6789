// What both fast backends accept of an ONNX Conv, checked in one place: float32 throughout,
// constant weights (and bias), 2-D (NCHW input, or NHWC once the layout pass made the node
// channels-last; OIHW weights, no TFLite fused activation), a group that divides the channels,
// no negative pads. onnx_conv2d checks all but the dtypes (XNNPACK also takes quantized ones).
// kUnsupported otherwise, naming why (the next backend then tries).
#pragma once

#include <cstdint>

#include "backends/kernel.h"
#include "ir/channels_last.h"
#include "ir/onnx_window.h"

namespace outpost {

struct FloatOnnxConv2D {
  Shape x, y;  // input and output in NCHW order, whatever their memory layout
  OnnxWindow window;
  int64_t group = 1, in_channels = 0, out_channels = 0;
};

inline Result<FloatOnnxConv2D> onnx_conv2d(const Graph& g, const Node& n) {
  const Value& x = input_of(g, n, 0);
  const Value& w = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  const bool bias = has_input(n, 2);
  if (!w.is_constant() || (bias && !input_of(g, n, 2).is_constant()))
    return not_handled(g, n, "the weights are not constant");
  if (n.attrs.get_string("weights_layout", "OIHW") != "OIHW" ||
      n.attrs.get_string("activation", "none") != "none")
    return not_handled(g, n, "OHWI or 1HWO weights or a fused activation (TFLite's form)");
  if (x.shape.rank() != 4 || w.shape.rank() != 4 || y.shape.rank() != 4)
    return not_handled(g, n, "the fast backends run 2-D convolutions only");
  FloatOnnxConv2D c;
  c.x = logical_nchw(x.shape, n);
  c.y = logical_nchw(y.shape, n);
  OUTPOST_ASSIGN_OR_RETURN(c.window, onnx_window(g, n, c.x, &w.shape));
  c.group = n.attrs.get_int("group", 1);
  c.in_channels = c.x[1];
  c.out_channels = w.shape[0];
  if (c.group <= 0 || c.in_channels % c.group != 0 || c.out_channels % c.group != 0 ||
      w.shape[1] != c.in_channels / c.group)
    return not_handled(g, n, "the group does not divide the channels");
  for (size_t d = 0; d < 2; ++d)
    if (c.window.pad_begin[d] < 0 || c.window.pad_end[d] < 0)
      return not_handled(g, n, "negative pads");
  return c;
}

inline Result<FloatOnnxConv2D> float_onnx_conv2d(const Graph& g, const Node& n) {
  const bool bias = has_input(n, 2);
  if (input_of(g, n, 0).dtype != DType::kFloat32 || input_of(g, n, 1).dtype != DType::kFloat32 ||
      output_of(g, n).dtype != DType::kFloat32 ||
      (bias && input_of(g, n, 2).dtype != DType::kFloat32))
    return not_handled(g, n, "the fast backends run float32 ONNX convolutions only");
  return onnx_conv2d(g, n);
}

}  // namespace outpost
