#include "backends/ref/pool_geometry.h"

#include "ir/channels_last.h"
#include "ir/onnx_window.h"

namespace outpost {

Result<PoolGeometry> nhwc_pool_geometry(const Node& n, const Graph& g) {
  if (!is_channels_last(n)) return not_handled(g, n, "NCHW (the general kernel's)");
  if (n.outputs.size() != 1) return not_handled(g, n, "the Indices output is the general kernel's");
  if (n.op == OpKind::kAveragePool && n.attrs.get_int("count_include_pad", 0) != 0)
    return not_handled(g, n, "an average that counts the padding is the general kernel's");
  const Shape& x = input_of(g, n, 0).shape;
  const Shape& y = output_of(g, n).shape;
  if (x.rank() != 4 || y.rank() != 4) return not_handled(g, n, "2-D pools only");
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_window(g, n, logical_nchw(x, n), nullptr));
  if (win.dilations[0] != 1 || win.dilations[1] != 1)
    return not_handled(g, n, "dilated pools are the general kernel's");
  if (y[1] != win.out[0] || y[2] != win.out[1] || y[3] != x[3] || y[0] != x[0])
    return not_handled(g, n, "the output shape is not the window's");
  PoolGeometry p;
  p.batch = x[0];
  p.in_h = x[1];
  p.in_w = x[2];
  p.channels = x[3];
  p.out_h = y[1];
  p.out_w = y[2];
  p.filter_h = win.kernel[0];
  p.filter_w = win.kernel[1];
  p.stride_h = win.strides[0];
  p.stride_w = win.strides[1];
  p.pad_top = win.pad_begin[0];
  p.pad_left = win.pad_begin[1];
  return p;
}

}  // namespace outpost
