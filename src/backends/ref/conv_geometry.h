// The geometry of a 2-D channels-last Conv (NHWC input and output): sizes from the input and
// weight shapes, strides, dilations and pads from the node's window attributes (ir/onnx_window.h
// on the NCHW view, so the same answer shape inference gave), and the groups. Shared by the
// reference backend's TFLite kernels (float and quantized) and XNNPACK's convolutions.
#pragma once

#include <cstdint>

#include "backends/kernel.h"
#include "ir/conv_weights.h"

namespace outpost {

struct ConvGeometry {
  int64_t batch = 0, in_h = 0, in_w = 0, in_c = 0;
  int64_t out_h = 0, out_w = 0, out_c = 0;
  int64_t kernel_h = 0, kernel_w = 0;
  int64_t stride_h = 1, stride_w = 1, dilation_h = 1, dilation_w = 1;
  int64_t pad_top = 0, pad_left = 0, pad_bottom = 0, pad_right = 0;
  int64_t groups = 1;
  int64_t depth_multiplier = 1;  // 1HWO: output channel c * M + m reads input channel c
  WeightsLayout weights = WeightsLayout::kOIHW;
};

// kUnsupported (the next factory or backend tries) for any other Conv: NCHW, not 2-D, a fused
// swish, negative pads, an output shape that is not the window's.
Result<ConvGeometry> channels_last_conv_geometry(const Node& n, const Graph& g);

// The forms TFLite's kernels compute: CONV_2D (OHWI weights, one group) and, when `depthwise`,
// DEPTHWISE_CONV_2D (1HWO weights, a group per input channel). kUnsupported otherwise.
Result<ConvGeometry> tflite_conv_geometry(const Node& n, const Graph& g, bool depthwise);

}  // namespace outpost
