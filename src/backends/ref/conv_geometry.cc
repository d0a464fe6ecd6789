#include "backends/ref/conv_geometry.h"

#include <string>

#include "ir/padding.h"

namespace outpost {

Result<ConvGeometry> conv_geometry(const Node& n, const Graph& g, bool depthwise) {
  const Shape& x = input_of(g, n, 0).shape;
  const Shape& w = input_of(g, n, 1).shape;
  const Shape& y = output_of(g, n).shape;
  if (x.rank() != 4 || w.rank() != 4 || y.rank() != 4)
    return not_handled(g, n, "input, weights and output must be 4-D");
  ConvGeometry geo;
  geo.batch = x[0];
  geo.in_h = x[1];
  geo.in_w = x[2];
  geo.in_c = x[3];
  geo.kernel_h = w[1];
  geo.kernel_w = w[2];
  if (depthwise) {
    // M follows from the shapes, which also covers models that leave depth_multiplier unset.
    geo.out_c = w[3];
    if (geo.in_c <= 0 || geo.out_c % geo.in_c != 0)
      return not_handled(g, n, "weights " + w.to_string() + " do not match the input");
    geo.depth_multiplier = geo.out_c / geo.in_c;
  } else {
    geo.out_c = w[0];
    if (w[3] != geo.in_c)
      return not_handled(g, n, "weights " + w.to_string() + " do not match the input");
  }
  geo.stride_h = n.attrs.get_int("stride_h", 1);
  geo.stride_w = n.attrs.get_int("stride_w", 1);
  geo.dilation_h = n.attrs.get_int("dilation_h", 1);
  geo.dilation_w = n.attrs.get_int("dilation_w", 1);
  const std::string padding = n.attrs.get_string("padding", "valid");
  const auto gh = window_geometry(padding, geo.in_h, geo.kernel_h, geo.stride_h, geo.dilation_h);
  const auto gw = window_geometry(padding, geo.in_w, geo.kernel_w, geo.stride_w, geo.dilation_w);
  geo.out_h = gh.out;
  geo.out_w = gw.out;
  geo.pad_top = gh.pad_before;
  geo.pad_left = gw.pad_before;
  if (y != Shape{geo.batch, geo.out_h, geo.out_w, geo.out_c})
    return not_handled(g, n, "output shape " + y.to_string() + " does not match the window");
  return geo;
}

}  // namespace outpost
