// The axes a ReduceMean node reduces, for the kernels that follow TFLite's MEAN (mean.cc,
// mean_quantized.cc), which take them only as the attribute `axes` (docs/ops.md): an empty list
// reduces every axis, or none when `noop_with_empty_axes` is 1 (how TFLite's importer sets it).
#pragma once

#include <vector>

#include "backends/kernel.h"

namespace outpost {

// A mask over the input's dimensions, or kUnsupported when the axes are an input (the general
// kernel's). Shape inference has checked the entries: in range, none repeated.
inline Result<std::vector<bool>> reduced_axes_mask(const Node& node, const Graph& graph) {
  if (has_input(node, 1)) return not_handled(graph, node, "axes given as an input");
  const int64_t rank = static_cast<int64_t>(input_of(graph, node, 0).shape.rank());
  const std::vector<int64_t> axes = node.attrs.get_ints("axes");
  const bool noop = node.attrs.get_int("noop_with_empty_axes", 0) != 0;
  std::vector<bool> mask(static_cast<size_t>(rank), axes.empty() && !noop);
  for (int64_t a : axes) {
    if (a < 0) a += rank;
    if (a < 0 || a >= rank) return not_handled(graph, node, "axis out of range");
    mask[static_cast<size_t>(a)] = true;
  }
  return mask;
}

}  // namespace outpost
