// The Preprocess spec: how a frame becomes a model's input, done in one pass over the input
// tensor. Each input element is computed straight from the frame's pixels (fit, resize filter,
// channel order, mean/std, quantization and layout folded together), so no intermediate
// resized image or float buffer is made. A pipeline file, a bundle's metadata or a task's
// defaults carry it; docs/pipelines.md documents its JSON form.
#pragma once

#include <array>
#include <nlohmann/json.hpp>
#include <string>

#include "outpost/status.h"
#include "outpost/tensor.h"
#include "vision/image.h"
#include "vision/image_tensor.h"

namespace outpost {

enum class ResizeFilter {
  kBilinear,  // 2x2 blend around the sample point, half-pixel centres (OpenCV INTER_LINEAR)
  kArea,      // the mean over the input pixels each output pixel covers (OpenCV INTER_AREA)
  kNearest,   // the input pixel under the output pixel's centre
};

enum class FitMode {
  kStretch,     // the whole frame onto the input; the aspect ratio may change
  kCenterCrop,  // the largest centred region of the input's aspect ratio
  kLetterbox,   // the whole frame, aspect ratio kept, the rest filled with `pad`
};

struct Preprocess {
  FitMode fit = FitMode::kStretch;
  ResizeFilter filter = ResizeFilter::kBilinear;
  std::array<uint8_t, 3> pad{0, 0, 0};  // letterbox fill, RGB
  bool bgr = false;                     // the model wants blue first
  ImageLayout layout = ImageLayout::kAuto;
  // value = (pixel - mean[c]) / std[c] in the model's channel order, pixels 0..255; [0, 1] by
  // default. A quantized (uint8/int8) input receives round(value / scale) + zero_point,
  // saturated: set mean/std to the range the model was trained on, and the input's own
  // quantization does the rest.
  std::array<float, 3> mean{0.0f, 0.0f, 0.0f};
  std::array<float, 3> std{255.0f, 255.0f, 255.0f};
};

// Where the model's input came from in the frame: frame_x = offset_x + input_x * scale_x (and
// the same for y), in pixels, for continuous coordinates (0 is the left edge). Decoders use
// it to put boxes and landmarks back onto the frame.
struct FrameMapping {
  double scale_x = 1.0, scale_y = 1.0;
  double offset_x = 0.0, offset_y = 0.0;

  double to_frame_x(double input_x) const { return offset_x + input_x * scale_x; }
  double to_frame_y(double input_y) const { return offset_y + input_y * scale_y; }
};

// The mapping `spec.fit` gives between a frame and an input of the given size.
FrameMapping frame_mapping(int frame_width, int frame_height, int input_width, int input_height,
                           FitMode fit);

// Fills `input` ([1, H, W, C] or [1, C, H, W] with C = 1 or 3; float32, uint8 or int8) from
// `image` (gray, gray+alpha, RGB or RGBA; alpha is ignored; a 1-channel input gets luma).
// kShapeMismatch for another input shape, kUnsupported for another dtype.
Result<FrameMapping> preprocess_image(const Image& image, const Preprocess& spec, Tensor& input);

// The JSON form: {"fit": "stretch"|"crop"|"letterbox", "resize": "bilinear"|"area"|"nearest",
// "pad": [r, g, b], "channels": "rgb"|"bgr", "layout": "auto"|"nhwc"|"nchw", "mean": x or
// [r, g, b], "std": x or [r, g, b]}; every key optional, starting from `base`. kUsage naming
// `what` and the key for anything else.
Result<Preprocess> parse_preprocess(const nlohmann::json& object, const std::string& what,
                                    Preprocess base = {});

}  // namespace outpost
