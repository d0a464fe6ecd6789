// Image -> model input tensor: resize to the input's height x width and convert to its dtype
// (uint8 as is; int8 and other quantized inputs through their quantization; float32 with
// (x - mean) / std per channel), in the input's layout: NHWC (TFLite) or NCHW (ONNX models
// exported from PyTorch). The one-pass Preprocess spec of the pipeline layer will generalise
// this.
#pragma once

#include <array>

#include "outpost/tensor.h"
#include "vision/image.h"

namespace outpost {

enum class ImageLayout {
  kAuto,  // NHWC when the last dimension is 3 or 1 (channels), else NCHW when dimension 1 is
  kNhwc,
  kNchw,
};

struct ImageToTensorOptions {
  bool antialias = true;  // PIL-style bilinear, as most reference preprocessing does
  ImageLayout layout = ImageLayout::kAuto;
  // Float inputs: (x - mean[c]) / std[c] for R, G, B, in pixel units (0..255); [-1, 1] by
  // default. Torchvision's ImageNet models: mean 123.675, 116.28, 103.53, std 58.395, 57.12,
  // 57.375. A one-channel input uses the first values.
  std::array<float, 3> mean{127.5f, 127.5f, 127.5f};
  std::array<float, 3> std{127.5f, 127.5f, 127.5f};
};

// `input` must be [1, H, W, 3] (NHWC) or [1, 3, H, W] (NCHW), or 1 channel; its data is
// overwritten.
Status image_to_tensor(const Image& image, Tensor& input, const ImageToTensorOptions& options = {});

}  // namespace outpost
