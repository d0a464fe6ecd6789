// The selection rule of ONNX NonMaxSuppression, written once: shape inference runs it to learn
// how many boxes are selected (the data decides the output's shape), and the reference kernel
// runs it again to write them.
#pragma once

#include <array>
#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace outpost {

struct BoxSelection {
  const float* boxes = nullptr;   // [batches, spatial, 4]
  const float* scores = nullptr;  // [batches, classes, spatial]
  int64_t batches = 0, classes = 0, spatial = 0;
  int64_t max_per_class = 0;      // 0 (or less) selects nothing
  float iou_threshold = 0;        // a box whose IoU with a selected one exceeds it is dropped
  float score_threshold = 0;      // only scores above it are candidates
  bool has_score_threshold = false;
  bool center_point_box = false;  // [x_center, y_center, width, height], else two corners [y1, x1, y2, x2]
};

// The selection a NonMaxSuppression node asks for: its attribute and its operands' data
// (scores [batches, classes, boxes]; each optional scalar nullptr when absent).
BoxSelection box_selection(const Node& n, const Shape& scores_shape, const float* boxes, const float* scores,
                           const int64_t* max_per_class, const float* iou_threshold,
                           const float* score_threshold);

// [batch, class, box] triples: per batch and class in turn, the selected boxes by descending
// score (ties: the lower box index first), each kept only if its IoU with every box selected
// before it in its class is at most the threshold.
std::vector<std::array<int64_t, 3>> select_boxes(const BoxSelection& s);

}  // namespace outpost
