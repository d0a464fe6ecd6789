// SSD anchor boxes as MediaPipe's SsdAnchorsCalculator makes them, for the BlazeFace, palm and
// pose detectors: the models predict offsets relative to these, in this exact order.
#pragma once

#include <vector>

namespace outpost {

struct SsdAnchorOptions {
  int input_width = 0;
  int input_height = 0;
  float min_scale = 0.0f;
  float max_scale = 0.0f;
  float anchor_offset_x = 0.5f;
  float anchor_offset_y = 0.5f;
  std::vector<int> strides;  // one per layer
  std::vector<float> aspect_ratios{1.0f};
  // Adds one anchor per cell at sqrt(scale * next scale) with this aspect ratio; 0 = none.
  float interpolated_scale_aspect_ratio = 1.0f;
  bool reduce_boxes_in_lowest_layer = false;
  // Every anchor 1x1: the model then predicts absolute sizes (BlazeFace does).
  bool fixed_anchor_size = false;
};

// Normalized [0, 1] centre and size.
struct Anchor {
  float x_center = 0.0f;
  float y_center = 0.0f;
  float width = 0.0f;
  float height = 0.0f;
};

// Layers that share a stride share one grid: their anchors are interleaved per cell, as in
// MediaPipe, so anchor i lines up with the model's output row i.
std::vector<Anchor> generate_ssd_anchors(const SsdAnchorOptions& options);

}  // namespace outpost
