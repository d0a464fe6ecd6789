// Non-maximum suppression over detections with a normalized box (xmin, ymin, width, height),
// a score and keypoints (a range of (x, y) pairs). Templates, so face, palm and object
// detections share one implementation.
#pragma once

#include <algorithm>
#include <numeric>
#include <vector>

namespace outpost {

// Intersection over union of two boxes; 0 when they do not overlap or both are empty.
template <typename D>
float box_iou(const D& a, const D& b) {
  const float ix0 = std::max(a.xmin, b.xmin), iy0 = std::max(a.ymin, b.ymin);
  const float ix1 = std::min(a.xmin + a.width, b.xmin + b.width);
  const float iy1 = std::min(a.ymin + a.height, b.ymin + b.height);
  if (ix1 <= ix0 || iy1 <= iy0) return 0.0f;
  const float intersection = (ix1 - ix0) * (iy1 - iy0);
  const float uni = a.width * a.height + b.width * b.height - intersection;
  return uni > 0.0f ? intersection / uni : 0.0f;
}

// MediaPipe's WEIGHTED algorithm (NonMaxSuppressionCalculator): take the best remaining
// detection, gather every remaining one whose IoU with it exceeds `iou_threshold` (itself
// included), and output their score-weighted average box and keypoints with the best one's
// score. Averaging steadies boxes from frame to frame compared with plain suppression.
// max_detections < 0 means no limit.
template <typename D>
std::vector<D> weighted_non_max_suppression(const std::vector<D>& detections, float iou_threshold,
                                            int max_detections = -1) {
  std::vector<size_t> remaining(detections.size());
  std::iota(remaining.begin(), remaining.end(), size_t{0});
  // Stable, so equal scores keep their input order and results are reproducible.
  std::stable_sort(remaining.begin(), remaining.end(),
                   [&](size_t a, size_t b) { return detections[a].score > detections[b].score; });
  std::vector<D> out;
  std::vector<size_t> rest;
  while (!remaining.empty()) {
    if (max_detections >= 0 && out.size() >= static_cast<size_t>(max_detections)) break;
    const D& best = detections[remaining.front()];
    D merged = best;
    float total = 0.0f, xmin = 0.0f, ymin = 0.0f, xmax = 0.0f, ymax = 0.0f;
    std::vector<float> keypoints(2 * std::size(best.keypoints), 0.0f);
    rest.clear();
    for (size_t index : remaining) {
      const D& d = detections[index];
      if (box_iou(d, best) <= iou_threshold) {
        rest.push_back(index);
        continue;
      }
      total += d.score;
      xmin += d.xmin * d.score;
      ymin += d.ymin * d.score;
      xmax += (d.xmin + d.width) * d.score;
      ymax += (d.ymin + d.height) * d.score;
      size_t k = 0;
      for (const auto& [x, y] : d.keypoints) {
        if (k + 2 > keypoints.size()) break;  // a detection with more keypoints than the best
        keypoints[k++] += x * d.score;
        keypoints[k++] += y * d.score;
      }
    }
    // total is 0 only if the best box is empty (IoU with itself 0) or scores are all 0; then
    // the best detection goes out unchanged, as in MediaPipe when there are no candidates.
    if (total > 0.0f) {
      merged.xmin = xmin / total;
      merged.ymin = ymin / total;
      merged.width = xmax / total - merged.xmin;
      merged.height = ymax / total - merged.ymin;
      size_t k = 0;
      for (auto& [x, y] : merged.keypoints) {
        x = keypoints[k++] / total;
        y = keypoints[k++] / total;
      }
    }
    out.push_back(merged);
    // The best detection always leaves `remaining` unless its box is empty; stop rather than
    // loop forever on it.
    if (rest.size() == remaining.size()) break;
    remaining.swap(rest);
  }
  return out;
}

}  // namespace outpost
