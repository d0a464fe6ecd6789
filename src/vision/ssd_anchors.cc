#include "vision/ssd_anchors.h"

#include <cmath>

namespace outpost {
namespace {

// Scales grow linearly from min to max across layers; a single layer takes the midpoint.
float layer_scale(const SsdAnchorOptions& o, int layer, int num_layers) {
  if (num_layers == 1) return (o.min_scale + o.max_scale) * 0.5f;
  return o.min_scale + (o.max_scale - o.min_scale) * 1.0f * layer / (num_layers - 1.0f);
}

}  // namespace

std::vector<Anchor> generate_ssd_anchors(const SsdAnchorOptions& o) {
  std::vector<Anchor> anchors;
  const int num_layers = static_cast<int>(o.strides.size());
  int layer = 0;
  while (layer < num_layers) {
    std::vector<float> scales, ratios;
    int next = layer;
    for (; next < num_layers && o.strides[next] == o.strides[layer]; ++next) {
      const float scale = layer_scale(o, next, num_layers);
      if (next == 0 && o.reduce_boxes_in_lowest_layer) {
        // The lowest layer's three predefined boxes (the original SSD recipe).
        scales.insert(scales.end(), {0.1f, scale, scale});
        ratios.insert(ratios.end(), {1.0f, 2.0f, 0.5f});
        continue;
      }
      for (float ratio : o.aspect_ratios) {
        scales.push_back(scale);
        ratios.push_back(ratio);
      }
      if (o.interpolated_scale_aspect_ratio > 0.0f) {
        const float scale_next =
            next == num_layers - 1 ? 1.0f : layer_scale(o, next + 1, num_layers);
        scales.push_back(std::sqrt(scale * scale_next));
        ratios.push_back(o.interpolated_scale_aspect_ratio);
      }
    }
    const int stride = o.strides[layer];
    if (stride <= 0) return {};  // nonsense options make no anchors, never a division by zero
    const int grid_h = static_cast<int>(std::ceil(1.0f * o.input_height / stride));
    const int grid_w = static_cast<int>(std::ceil(1.0f * o.input_width / stride));
    for (int y = 0; y < grid_h; ++y) {
      for (int x = 0; x < grid_w; ++x) {
        for (size_t i = 0; i < scales.size(); ++i) {
          Anchor a;
          a.x_center = (x + o.anchor_offset_x) * 1.0f / grid_w;
          a.y_center = (y + o.anchor_offset_y) * 1.0f / grid_h;
          if (o.fixed_anchor_size) {
            a.width = a.height = 1.0f;
          } else {
            const float ratio_sqrt = std::sqrt(ratios[i]);
            a.width = scales[i] * ratio_sqrt;
            a.height = scales[i] / ratio_sqrt;
          }
          anchors.push_back(a);
        }
      }
    }
    layer = next;
  }
  return anchors;
}

}  // namespace outpost
