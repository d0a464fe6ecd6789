// Softmax (and its family) normalizes over `axis`, or with `coerce_2d` over every axis from
// `axis` on. TFLite's kernels, float and quantized, walk contiguous rows: they take a node only
// when the normalized axes are the trailing ones, read as [rows, depth].
#pragma once

#include <cstdint>
#include <optional>

#include "backends/kernel.h"

namespace outpost {

struct SoftmaxRows {
  int64_t rows = 0;
  int64_t depth = 0;
};

// The rows when the node normalizes over trailing axes; nullopt when it does not (or when the
// axis is out of range, which shape inference has refused already).
inline std::optional<SoftmaxRows> softmax_rows(const Node& node, const Shape& shape) {
  const int64_t rank = static_cast<int64_t>(shape.rank());
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += rank;
  if (axis < 0 || axis >= rank) return std::nullopt;
  const bool coerce_2d = node.attrs.get_int("coerce_2d", 0) != 0;
  if (!coerce_2d && axis != rank - 1) return std::nullopt;
  int64_t depth = 1;
  for (int64_t k = axis; k < rank; ++k) depth *= shape[static_cast<size_t>(k)];
  const int64_t total = shape.num_elements().value_or(0);
  return SoftmaxRows{depth > 0 ? total / depth : 0, depth};
}

}  // namespace outpost
