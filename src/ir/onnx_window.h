// The sliding-window geometry of ONNX Conv, ConvTranspose and the pools (NCHW, 1 to 3 spatial
// dimensions): kernel, strides, dilations, pads and output extents from the node's attributes.
// Shape inference computes it to check the node; the reference kernels compute it again (the
// same function, so the same answer) to index. Every value it returns is bounded so that index
// arithmetic in int64 cannot overflow.
#pragma once

#include <cstdint>
#include <vector>

#include "ir/graph.h"

namespace outpost {

constexpr size_t kMaxWindowDims = 3;

struct OnnxWindow {
  size_t dims = 0;  // spatial dimensions
  std::vector<int64_t> in, kernel, strides, dilations, pad_begin, pad_end, out;
  int64_t dilated(size_t d) const { return (kernel[d] - 1) * dilations[d] + 1; }
};

// Conv/ConvInteger/QLinearConv (kernel from the weights `w_shape`) and the pools (`w_shape`
// null: kernel_shape is required; ceil_mode applies). `x` is [N, C, spatial...].
Result<OnnxWindow> onnx_window(const Graph& g, const Node& n, const Shape& x, const Shape* w_shape);

// ConvTranspose (w [C, M/group, k...]): output_padding, output_shape and auto_pad decide `out`
// and the pads; an output larger than the natural one is zero (bias) past the contributions.
Result<OnnxWindow> onnx_transpose_window(const Graph& g, const Node& n, const Shape& x,
                                         const Shape& w_shape);

// MaxUnpool's natural output [N, C, (in - 1) * stride + kernel - pads...], which its indices
// address (an output_shape input only pads or crops that at the end of each dimension).
Result<std::vector<int64_t>> onnx_unpool_dims(const Graph& g, const Node& n, const Shape& x);

// Floor and ceiling of a / b for b > 0 and any sign of a.
inline int64_t floor_div(int64_t a, int64_t b) { return a >= 0 ? a / b : -((-a + b - 1) / b); }
inline int64_t ceil_div(int64_t a, int64_t b) { return -floor_div(-a, b); }

// The i in [0, count) with 0 <= i * stride + offset < extent, as [lo, hi) (empty: lo == hi).
struct IndexRange {
  int64_t lo = 0, hi = 0;
};
inline IndexRange valid_range(int64_t extent, int64_t count, int64_t stride, int64_t offset) {
  int64_t lo = ceil_div(-offset, stride);
  int64_t hi = floor_div(extent - 1 - offset, stride) + 1;
  if (lo < 0) lo = 0;
  if (hi > count) hi = count;
  if (hi < lo) hi = lo;
  return {lo, hi};
}

}  // namespace outpost
