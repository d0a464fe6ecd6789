// The Resize nodes TFLite's RESIZE_BILINEAR kernels (float and quantized) compute: linear, 4-D,
// the output size given (not scales: TFLite's scale is in / out, which a given scale need not
// be), only dimensions 1 and 2 resized (NHWC's H and W; bilinear is separable, so an NCHW
// Resize that keeps dimensions 0 and 3 is the same function), and a coordinate transformation
// TFLite has: asymmetric (neither flag), align_corners, half_pixel (half_pixel_centers). ONNX's
// linear Resize clamps the source coordinate to the input, as TFLite's taps do.
#pragma once

#include "backends/kernel.h"

namespace outpost {

struct BilinearResizeForm {
  bool align_corners = false;
  bool half_pixel = false;
};

// kUnsupported (the general kernel's) for any other Resize.
inline Result<BilinearResizeForm> bilinear_resize_form(const Node& n, const Graph& g) {
  const Shape& x = input_of(g, n, 0).shape;
  const Shape& y = output_of(g, n).shape;
  const bool sizes_given =
      n.inputs.size() == 4 && n.inputs[3] != kNoValue &&
      (n.inputs[2] == kNoValue || g.value(n.inputs[2]).shape.num_elements() == 0);
  if (n.op != OpKind::kResize || n.attrs.get_string("mode", "nearest") != "linear" || !sizes_given)
    return not_handled(g, n, "not a linear Resize to given sizes");
  if (x.rank() != 4 || y.rank() != 4 || x[0] != y[0] || x[3] != y[3])
    return not_handled(g, n, "resizes more than dimensions 1 and 2 of a 4-D tensor");
  const std::string coord = n.attrs.get_string("coordinate_transformation_mode", "half_pixel");
  if (coord != "asymmetric" && coord != "align_corners" && coord != "half_pixel")
    return not_handled(g, n,
                       "coordinate_transformation_mode '" + coord + "' is the general kernel's");
  return BilinearResizeForm{coord == "align_corners", coord == "half_pixel"};
}

}  // namespace outpost
