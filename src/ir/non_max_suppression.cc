#include "ir/non_max_suppression.h"

#include <algorithm>
#include <cmath>

namespace outpost {
namespace {

struct Corners {
  float y1, x1, y2, x2;
  float area() const { return (y2 - y1) * (x2 - x1); }
};

// Either format, as ordered corners: ONNX lets [y1, x1, y2, x2] name any diagonal pair.
Corners corners(const float* b, bool center_point_box) {
  if (center_point_box) {
    const float hw = b[2] / 2, hh = b[3] / 2;
    return {b[1] - hh, b[0] - hw, b[1] + hh, b[0] + hw};
  }
  return {std::min(b[0], b[2]), std::min(b[1], b[3]), std::max(b[0], b[2]), std::max(b[1], b[3])};
}

float iou(const Corners& a, const Corners& b) {
  const float h = std::min(a.y2, b.y2) - std::max(a.y1, b.y1);
  const float w = std::min(a.x2, b.x2) - std::max(a.x1, b.x1);
  if (h <= 0 || w <= 0) return 0;
  const float inter = h * w;
  const float uni = a.area() + b.area() - inter;
  return uni > 0 ? inter / uni : 0;
}

}  // namespace

BoxSelection box_selection(const Node& n, const Shape& scores_shape, const float* boxes, const float* scores,
                           const int64_t* max_per_class, const float* iou_threshold,
                           const float* score_threshold) {
  BoxSelection s;
  s.boxes = boxes;
  s.scores = scores;
  s.batches = scores_shape[0];
  s.classes = scores_shape[1];
  s.spatial = scores_shape[2];
  s.max_per_class = max_per_class != nullptr ? *max_per_class : 0;
  s.iou_threshold = iou_threshold != nullptr ? *iou_threshold : 0.0f;
  s.has_score_threshold = score_threshold != nullptr;
  s.score_threshold = score_threshold != nullptr ? *score_threshold : 0.0f;
  s.center_point_box = n.attrs.get_int("center_point_box", 0) != 0;
  return s;
}

std::vector<std::array<int64_t, 3>> select_boxes(const BoxSelection& s) {
  std::vector<std::array<int64_t, 3>> selected;
  if (s.max_per_class <= 0) return selected;
  std::vector<int64_t> order;
  std::vector<Corners> kept;
  for (int64_t b = 0; b < s.batches; ++b) {
    const float* boxes = s.boxes + b * s.spatial * 4;
    for (int64_t c = 0; c < s.classes; ++c) {
      const float* scores = s.scores + (b * s.classes + c) * s.spatial;
      order.clear();
      for (int64_t i = 0; i < s.spatial; ++i) {
        if (std::isnan(scores[i])) continue;  // no order among NaNs: never a candidate
        if (!s.has_score_threshold || scores[i] > s.score_threshold) order.push_back(i);
      }
      std::stable_sort(order.begin(), order.end(),
                       [&](int64_t x, int64_t y) { return scores[x] > scores[y]; });
      kept.clear();
      for (int64_t i : order) {
        if (static_cast<int64_t>(kept.size()) >= s.max_per_class) break;
        const Corners box = corners(boxes + i * 4, s.center_point_box);
        const bool overlaps = std::any_of(kept.begin(), kept.end(), [&](const Corners& k) {
          return iou(k, box) > s.iou_threshold;
        });
        if (overlaps) continue;
        kept.push_back(box);
        selected.push_back({b, c, i});
      }
    }
  }
  return selected;
}

}  // namespace outpost
