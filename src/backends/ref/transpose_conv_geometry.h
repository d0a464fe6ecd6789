// The geometry of TFLite's transpose convolution (a channels-last 2-D ConvTranspose with OHWI
// weights and one group): sizes, strides, dilations and the pads its window gives
// (ir/onnx_window.h). Shared by the float and the int8 kernels.
#pragma once

#include <cstdint>

#include "backends/kernel.h"

namespace outpost {

struct TransposeGeometry {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, out_c;
  int64_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
};

// kUnsupported (not_handled) for a node of another form: ONNX's NCHW one with IOHW weights and
// groups is the general kernel's (onnx_conv_transpose.cc).
Result<TransposeGeometry> transpose_conv_geometry(const Node& node, const Graph& graph);

}  // namespace outpost
