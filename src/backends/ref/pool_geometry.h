// The window of a channels-last 2-D MaxPool or AveragePool for the NHWC kernels (float and
// quantized, TFLite's arithmetic): TFLite's pools import so, and an ONNX pool is so once the
// layout pass has made it channels-last. Sizes, strides and pads come from the node's window
// attributes (ir/onnx_window.h), read on the NCHW view.
#pragma once

#include <cstdint>

#include "backends/kernel.h"

namespace outpost {

struct PoolGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, channels = 0;
  int64_t out_h = 0, out_w = 0;
  int64_t filter_h = 0, filter_w = 0, stride_h = 1, stride_w = 1;
  int64_t pad_top = 0, pad_left = 0;
};

// kUnsupported (the registry tries the next factory) for what the NHWC kernels do not compute:
// an NCHW node (the general kernel's), dilation, the Indices output, an average that counts the
// padding, a window the output shape does not match.
Result<PoolGeometry> nhwc_pool_geometry(const Node& n, const Graph& g);

}  // namespace outpost
