// Image -> model input tensor: resize to the input's height x width and convert to its dtype
// (uint8 as is; int8 and other quantized inputs through their quantization; float32 with
// (x - mean) / std). The one-pass Preprocess spec of the pipeline layer will generalise this.
#pragma once

#include "outpost/tensor.h"
#include "vision/image.h"

namespace outpost {

struct ImageToTensorOptions {
  bool antialias = true;  // PIL-style bilinear, as most reference preprocessing does
  float mean = 127.5f;    // float inputs: (x - mean) / std, i.e. [-1, 1] by default
  float std = 127.5f;
};

// `input` must be NHWC [1, H, W, 3] (or 1 channel); its data is overwritten.
Status image_to_tensor(const Image& image, Tensor& input, const ImageToTensorOptions& options = {});

}  // namespace outpost
