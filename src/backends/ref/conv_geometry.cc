#include "backends/ref/conv_geometry.h"

#include <string>

#include "ir/channels_last.h"
#include "ir/onnx_window.h"

namespace outpost {

Result<ConvGeometry> channels_last_conv_geometry(const Node& n, const Graph& g) {
  if (n.op != OpKind::kConv || !is_channels_last(n))
    return not_handled(g, n, "not a channels-last Conv (NCHW is the general kernel's)");
  if (n.attrs.has("swish")) return not_handled(g, n, "a fused swish");
  const std::optional<WeightsLayout> layout = weights_layout(n);
  const Shape& x = input_of(g, n, 0).shape;
  const Shape& w = input_of(g, n, 1).shape;
  const Shape& y = output_of(g, n).shape;
  if (!layout || x.rank() != 4 || w.rank() != 4 || y.rank() != 4)
    return not_handled(g, n, "input, weights and output must be 4-D");
  const Shape w_oihw = logical_oihw(w, *layout);
  OUTPOST_ASSIGN_OR_RETURN(OnnxWindow win, onnx_window(g, n, logical_nchw(x, n), &w_oihw));
  ConvGeometry geo;
  geo.weights = *layout;
  geo.batch = x[0];
  geo.in_h = x[1];
  geo.in_w = x[2];
  geo.in_c = x[3];
  geo.out_c = w_oihw[0];
  geo.kernel_h = win.kernel[0];
  geo.kernel_w = win.kernel[1];
  geo.groups = n.attrs.get_int("group", 1);
  if (geo.groups <= 0 || geo.in_c % geo.groups != 0 || geo.out_c % geo.groups != 0 ||
      w_oihw[1] * geo.groups != geo.in_c)
    return not_handled(g, n, "weights " + w.to_string() + " do not match the input");
  if (geo.groups == geo.in_c) geo.depth_multiplier = geo.out_c / geo.in_c;
  geo.stride_h = win.strides[0];
  geo.stride_w = win.strides[1];
  geo.dilation_h = win.dilations[0];
  geo.dilation_w = win.dilations[1];
  geo.pad_top = win.pad_begin[0];
  geo.pad_left = win.pad_begin[1];
  geo.pad_bottom = win.pad_end[0];
  geo.pad_right = win.pad_end[1];
  if (geo.pad_top < 0 || geo.pad_left < 0 || geo.pad_bottom < 0 || geo.pad_right < 0)
    return not_handled(g, n, "negative pads");
  geo.out_h = win.out[0];
  geo.out_w = win.out[1];
  if (y != Shape{geo.batch, geo.out_h, geo.out_w, geo.out_c})
    return not_handled(g, n, "output shape " + y.to_string() + " does not match the window");
  return geo;
}

Result<ConvGeometry> tflite_conv_geometry(const Node& n, const Graph& g, bool depthwise) {
  OUTPOST_ASSIGN_OR_RETURN(ConvGeometry geo, channels_last_conv_geometry(n, g));
  if (depthwise ? geo.weights != WeightsLayout::k1HWO || geo.groups != geo.in_c
                : geo.weights != WeightsLayout::kOHWI || geo.groups != 1)
    return not_handled(g, n,
                       depthwise ? "not DEPTHWISE_CONV_2D's form (1HWO weights, group = C)"
                                 : "not CONV_2D's form (OHWI weights, one group)");
  return geo;
}

}  // namespace outpost
