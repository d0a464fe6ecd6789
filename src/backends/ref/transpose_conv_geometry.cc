#include "backends/ref/transpose_conv_geometry.h"

#include "ir/channels_last.h"
#include "ir/conv_weights.h"
#include "ir/onnx_window.h"

namespace outpost {

Result<TransposeGeometry> transpose_conv_geometry(const Node& node, const Graph& graph) {
  if (!is_channels_last(node) || transpose_weights_layout(node) != TransposeWeightsLayout::kOHWI ||
      node.attrs.get_int("group", 1) != 1)
    return not_handled(
        graph, node, "not TFLite's transpose convolution (channels-last, OHWI weights, one group)");
  const Shape& x = input_of(graph, node, 0).shape;
  const Shape& w = input_of(graph, node, 1).shape;
  const Shape& y = output_of(graph, node).shape;
  OUTPOST_ASSIGN_OR_RETURN(
      OnnxWindow win,
      onnx_transpose_window(graph, node, logical_nchw(x, node),
                            logical_iohw(w, TransposeWeightsLayout::kOHWI)));
  TransposeGeometry g{};
  g.batch = x[0];
  g.in_h = x[1];
  g.in_w = x[2];
  g.in_c = x[3];
  g.out_h = y[1];
  g.out_w = y[2];
  g.out_c = y[3];
  g.kernel_h = w[1];
  g.kernel_w = w[2];
  g.stride_h = win.strides[0];
  g.stride_w = win.strides[1];
  g.dilation_h = win.dilations[0];
  g.dilation_w = win.dilations[1];
  g.pad_top = win.pad_begin[0];
  g.pad_left = win.pad_begin[1];
  if (g.out_h != win.out[0] || g.out_w != win.out[1] || g.out_c != w[0])
    return not_handled(graph, node, "output shape " + y.to_string() + " does not match the window");
  return g;
}

}  // namespace outpost
