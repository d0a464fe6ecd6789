// The geometry of a TFLite-style NHWC convolution (Conv2D, DepthwiseConv2D), shared by the float
// and the quantized kernels: sizes from the input and weight shapes, strides, dilations and
// SAME/VALID padding (TFLite's rules, ir/padding.h) from the node's attributes.
#pragma once

#include <cstdint>

#include "backends/kernel.h"

namespace outpost {

struct ConvGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int64_t out_h = 0, out_w = 0, out_c = 0;
  int64_t kernel_h = 0, kernel_w = 0;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0;
  int64_t depth_multiplier = 1;  // depthwise: output channel c * M + m reads input channel c
};

// Conv2D weights are OHWI; depthwise weights [1, H, W, C * M]. kUnsupported (the registry tries
// the next factory) when the weights do not fit the input or the output shape is not the window's.
Result<ConvGeometry> conv_geometry(const Node& n, const Graph& g, bool depthwise);

}  // namespace outpost
