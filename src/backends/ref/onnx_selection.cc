// NonZero, Compress, Unique and NonMaxSuppression: ops whose output size the data decides.
// Shape inference ran the same rule on the same data (ir/shape_inference_onnx_selection.cc), so
// the outputs planned for the node hold exactly what the kernel finds; a kernel still stops at
// the planned size rather than trust that.
#include <algorithm>
#include <cstring>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"
#include "ir/element_truth.h"
#include "ir/non_max_suppression.h"
#include "ir/unique_slices.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

Result<std::unique_ptr<Kernel>> make_non_zero(const Node& node, const Graph& graph) {
  const Shape x = input_of(graph, node, 0).shape;
  const DType d = input_of(graph, node, 0).dtype;
  const size_t elem = dtype_size(d);
  return make_kernel([x, d, elem](std::span<const TensorView> in, std::span<const TensorView> out) {
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    int64_t* dst = out[0].as<int64_t>();
    const int64_t total = x.num_elements().value_or(0), nnz = out[0].shape->dims().back();
    const std::vector<int64_t> stride = strides_of(x);
    int64_t j = 0;
    for (int64_t i = 0; i < total && j < nnz; ++i) {
      if (!element_is_nonzero(src + static_cast<size_t>(i) * elem, d)) continue;
      for (size_t k = 0; k < x.rank(); ++k) dst[static_cast<int64_t>(k) * nnz + j] = (i / stride[k]) % x[k];
      ++j;
    }
  });
}

// The input as [outer, extent, inner] around the node's axis (flattened when it has none).
struct AxisView {
  int64_t outer = 1, extent = 1, inner = 1;
};
AxisView axis_view(const Node& node, const Shape& x) {
  AxisView v;
  if (!node.attrs.has("axis")) {
    v.extent = x.num_elements().value_or(0);
    return v;
  }
  int64_t axis = node.attrs.get_int("axis", 0);
  if (axis < 0) axis += static_cast<int64_t>(x.rank());
  for (size_t d = 0; d < x.rank(); ++d) {
    const int64_t k = static_cast<int64_t>(d);
    if (k < axis) v.outer *= x[d];
    if (k == axis) v.extent = x[d];
    if (k > axis) v.inner *= x[d];
  }
  return v;
}

Result<std::unique_ptr<Kernel>> make_compress(const Node& node, const Graph& graph) {
  const AxisView v = axis_view(node, input_of(graph, node, 0).shape);
  const size_t elem = dtype_size(input_of(graph, node, 0).dtype);
  return make_kernel([v, elem](std::span<const TensorView> in, std::span<const TensorView> out) {
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    const auto* keep = static_cast<const uint8_t*>(in[1].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    const int64_t conditions = std::min(in[1].num_elements(), v.extent);
    const size_t slice = static_cast<size_t>(v.inner) * elem;
    size_t written = 0;
    const size_t room = static_cast<size_t>(out[0].num_elements()) * elem;
    for (int64_t o = 0; o < v.outer; ++o)
      for (int64_t j = 0; j < conditions; ++j) {
        if (keep[j] == 0 || written + slice > room) continue;
        std::memcpy(dst + written, src + (static_cast<size_t>(o * v.extent + j)) * slice, slice);
        written += slice;
      }
  });
}

Result<std::unique_ptr<Kernel>> make_unique(const Node& node, const Graph& graph) {
  const Value& x = input_of(graph, node, 0);
  const AxisView v = axis_view(node, x.shape);
  const DType d = x.dtype;
  const bool sorted = node.attrs.get_int("sorted", 1) != 0;
  return make_kernel([v, d, sorted](std::span<const TensorView> in, std::span<const TensorView> out) {
    const UniqueSlices u = unique_slices(d, in[0].data, {v.outer, v.extent, v.inner}, sorted);
    const int64_t distinct = std::min<int64_t>(static_cast<int64_t>(u.first.size()), out[0].num_elements() / std::max<int64_t>(1, v.outer * v.inner));
    const size_t elem = dtype_size(d), slice = static_cast<size_t>(v.inner) * elem;
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    for (int64_t o = 0; o < v.outer; ++o)
      for (int64_t k = 0; k < distinct; ++k)
        std::memcpy(dst + static_cast<size_t>(o * distinct + k) * slice,
                    src + static_cast<size_t>(o * v.extent + u.first[static_cast<size_t>(k)]) * slice, slice);
    const std::vector<int64_t>* lists[] = {&u.first, &u.inverse, &u.counts};
    for (size_t k = 1; k < out.size(); ++k) {
      const std::vector<int64_t>& list = *lists[k - 1];
      const size_t n = std::min(list.size(), static_cast<size_t>(out[k].num_elements()));
      std::copy_n(list.begin(), n, out[k].as<int64_t>());
    }
  });
}

Result<std::unique_ptr<Kernel>> make_non_max_suppression(const Node& node, const Graph& graph) {
  const Shape scores = input_of(graph, node, 1).shape;
  return make_kernel([node, scores](std::span<const TensorView> in, std::span<const TensorView> out) {
    auto scalar = [&](size_t i) { return i < in.size() ? in[i].data : nullptr; };
    const auto selected = select_boxes(box_selection(
        node, scores, in[0].as<const float>(), in[1].as<const float>(), static_cast<const int64_t*>(scalar(2)),
        static_cast<const float*>(scalar(3)), static_cast<const float*>(scalar(4))));
    const size_t rows = std::min(selected.size(), static_cast<size_t>(out[0].num_elements() / 3));
    int64_t* dst = out[0].as<int64_t>();
    for (size_t r = 0; r < rows; ++r) std::copy_n(selected[r].begin(), 3, dst + 3 * r);
  });
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_selection(const Node& node, const Graph& graph) {
  switch (node.op) {
    case OpKind::kNonZero:
      return make_non_zero(node, graph);
    case OpKind::kCompress:
      return make_compress(node, graph);
    case OpKind::kUnique:
      return make_unique(node, graph);
    default:
      return make_non_max_suppression(node, graph);
  }
}

}  // namespace outpost
