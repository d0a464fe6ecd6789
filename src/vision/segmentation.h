// Segmentation decoding: a model's per-pixel output -> a class mask at the image's size, and a
// coloured overlay of it. One-channel outputs (MediaPipe selfie segmentation: the probability
// of "person") are thresholded; several channels take the argmax per pixel.
#pragma once

#include <cstdint>
#include <vector>

#include "outpost/status.h"
#include "outpost/tensor.h"
#include "vision/draw.h"
#include "vision/image.h"

namespace outpost {

struct SegmentationMask {
  int width = 0, height = 0;
  int classes = 0;              // 2 for a thresholded one-channel output (0 background, 1 fg)
  std::vector<uint8_t> labels;  // class per pixel, row-major
  // The share of pixels of each class, in [0, 1].
  std::vector<double> class_fractions() const;
};

struct SegmentationOptions {
  float threshold = 0.5f;  // one-channel outputs: foreground where the value is >= threshold
  bool logits = false;     // one-channel outputs hold logits: sigmoid first
};

// Whether a model's outputs fit segmentation: output 0 a float32 mask [1, H, W, C], [1, H, W]
// or [H, W] (C <= 255 classes) whose H x W is the input's or a whole fraction of it, the same
// for both sides (a model that predicts at a stride: 1/2, 1/4, 1/8, ... rounded either way).
// `input` is the image input, [1, H, W, C] or [1, C, H, W]. kShapeMismatch naming every output
// otherwise (a detector's [1, 896, 16] boxes are not a mask).
Status check_segmentation_outputs(const Shape& input, const std::vector<const Tensor*>& outputs);

// `output` is float32 NHWC [1, H, W, C] (or [1, H, W] / [H, W] for one channel). The output is
// resized to width x height bilinearly (values, before thresholding or argmax, so edges stay
// smooth), as MediaPipe does. kShapeMismatch for other shapes or dtypes, or more than 255
// classes.
Result<SegmentationMask> decode_segmentation(const Tensor& output, int width, int height,
                                             const SegmentationOptions& options = {});

// Blends `color` over the pixels of class `label` (alpha in [0, 1]); the image keeps its size
// and channels (gray images get the colour's luma).
void overlay_mask(Image& image, const SegmentationMask& mask, uint8_t label, Color color,
                  float alpha = 0.5f);

}  // namespace outpost
