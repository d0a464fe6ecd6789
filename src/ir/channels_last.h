// The channels-last convention of the layout pass (ir/passes/channels_last.h): a layout-sensitive
// node (Conv, MaxPool, GlobalAveragePool; DepthToSpace, which TFLite's importer makes so) with
// the attribute `channels_last` = 1 reads and writes 4-D values whose shapes, and memory, are
// [N, H, W, C]. Its kernels compute its geometry from the NCHW view.
#pragma once

#include "ir/graph.h"

namespace outpost {

inline bool is_channels_last(const Node& node) { return node.attrs.get_int("channels_last", 0) != 0; }

// A 4-D shape in NCHW order: `shape` as it is, or permuted back from NHWC when the node runs
// channels-last.
inline Shape logical_nchw(const Shape& shape, const Node& node) {
  if (!is_channels_last(node) || shape.rank() != 4) return shape;
  return Shape({shape[0], shape[3], shape[1], shape[2]});
}

}  // namespace outpost
