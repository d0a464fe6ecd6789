// CumSum, TopK and Trilu: ops that walk one axis (or the whole tensor) in order.
#include <algorithm>
#include <numeric>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

struct AxisSplit {
  int64_t outer = 1, n = 1, inner = 1;
};
AxisSplit split_at(const Shape& s, int64_t axis) {
  AxisSplit a;
  for (size_t k = 0; k < s.rank(); ++k) {
    if (static_cast<int64_t>(k) < axis)
      a.outer *= s[k];
    else if (static_cast<int64_t>(k) == axis)
      a.n = s[k];
    else
      a.inner *= s[k];
  }
  return a;
}

Result<std::unique_ptr<Kernel>> make_cumsum(const Node& node, const Graph& graph) {
  const Shape x = input_of(graph, node, 0).shape;
  const bool exclusive = node.attrs.get_int("exclusive", 0) != 0,
             reverse = node.attrs.get_int("reverse", 0) != 0;
  RunFn fn;
  if (!visit_numeric(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          // The axis may be a run-time input: out of range is clamped, never read past.
          const int64_t rank = static_cast<int64_t>(x.rank());
          int64_t axis = int_at(in[1].dtype, in[1].data, 0);
          if (axis < 0) axis += rank;
          axis = std::clamp<int64_t>(axis, 0, std::max<int64_t>(rank - 1, 0));
          const AxisSplit a = split_at(x, axis);
          const T* src = in[0].as<const T>();
          T* dst = out[0].as<T>();
          for (int64_t o = 0; o < a.outer; ++o)
            for (int64_t i = 0; i < a.inner; ++i) {
              T sum = T(0);
              for (int64_t j = 0; j < a.n; ++j) {
                const int64_t k = reverse ? a.n - 1 - j : j;
                const int64_t at = (o * a.n + k) * a.inner + i;
                // Integers wrap, as numpy's cumsum does (fuzz_onnx crash 6b04e6cb).
                const T next = wrapping(sum, src[at], [](auto l, auto r) { return l + r; });
                dst[at] = exclusive ? sum : next;
                sum = next;
              }
            }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

Result<std::unique_ptr<Kernel>> make_topk(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(x.rank());
  const AxisSplit a = split_at(x, axis);
  const int64_t k = output_of(graph, node).shape[static_cast<size_t>(axis)];
  const bool largest = node.attrs.get_int("largest", 1) != 0;
  if (node.attrs.get_int("sorted", 1) == 0)
    return not_handled(graph, node, "TopK with sorted=0 (an unspecified order) is not supported");
  RunFn fn;
  if (!visit_numeric(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        // The indices of one line along the axis, made at the first run (and not for an empty
        // tensor): a model may declare an axis far longer than memory, which the session's
        // arena then refuses before any run (fuzz_tflite oom-7659f416: [2, 704643078], whose
        // indices alone were 5.6 GB at creation).
        fn = [=, order = std::vector<int64_t>()](std::span<const TensorView> in,
                                                  std::span<const TensorView> out) mutable {
          if (a.outer > 0 && a.inner > 0 && order.size() != static_cast<size_t>(a.n))
            order.resize(static_cast<size_t>(a.n));
          const T* src = in[0].as<const T>();
          T* values = out[0].as<T>();
          int64_t* indices = out[1].as<int64_t>();
          for (int64_t o = 0; o < a.outer; ++o)
            for (int64_t i = 0; i < a.inner; ++i) {
              const T* p = src + o * a.n * a.inner + i;
              std::iota(order.begin(), order.end(), 0);
              // A total order, so that only the first k need sorting (n log k: a k of 3 over
              // millions of elements was a fuzz_tflite timeout, 83f80e81): ties keep the lower
              // index first, as the ONNX reference does, and a NaN comes after every number.
              const auto before = [&](int64_t l, int64_t r) {
                const T vl = p[l * a.inner], vr = p[r * a.inner];
                const bool nan_l = !(vl == vl), nan_r = !(vr == vr);
                if (nan_l || nan_r) return nan_l != nan_r ? nan_r : l < r;
                if (vl != vr) return largest ? vr < vl : vl < vr;
                return l < r;
              };
              std::partial_sort(order.begin(), order.begin() + std::min(k, a.n), order.end(), before);
              for (int64_t j = 0; j < k; ++j) {
                const int64_t at = (o * k + j) * a.inner + i;
                values[at] = p[order[static_cast<size_t>(j)] * a.inner];
                indices[at] = order[static_cast<size_t>(j)];
              }
            }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

Result<std::unique_ptr<Kernel>> make_trilu(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t rows = x[x.rank() - 2], cols = x[x.rank() - 1];
  const int64_t mats = x.num_elements().value_or(0) / std::max<int64_t>(rows * cols, 1);
  const bool upper = node.attrs.get_int("upper", 1) != 0;
  const size_t elem = dtype_size(input_of(graph, node, 0).dtype);
  if (has_input(node, 1)) {
    const DType kd = input_of(graph, node, 1).dtype;
    if (kd != DType::kInt64 && kd != DType::kInt32)
      return not_handled(graph, node, "k must be int64");
  }
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    const int64_t k = in.size() > 1 && in[1].data ? int_at(in[1].dtype, in[1].data, 0) : 0;
    const auto* src = static_cast<const uint8_t*>(in[0].data);
    auto* dst = static_cast<uint8_t*>(out[0].data);
    const int64_t e = static_cast<int64_t>(elem);
    for (int64_t m = 0; m < mats; ++m)
      for (int64_t r = 0; r < rows; ++r)
        for (int64_t c = 0; c < cols; ++c) {
          const int64_t at = (m * rows + r) * cols + c;
          const bool keep = upper ? c - r >= k : c - r <= k;
          if (keep)
            std::memcpy(dst + at * e, src + at * e, elem);
          else
            std::memset(dst + at * e, 0, elem);
        }
  });
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_scan(const Node& node, const Graph& graph) {
  switch (node.op) {
    case OpKind::kCumSum:
      return make_cumsum(node, graph);
    case OpKind::kTopK:
      return make_topk(node, graph);
    default:
      return make_trilu(node, graph);
  }
}

}  // namespace outpost
