// HannWindow, HammingWindow and BlackmanWindow: the generalized cosine window
//   w[i] = a0 - a1 cos(2 pi i / N) + a2 cos(4 pi i / N),  i < size,
// with N = size (periodic, the default: the window of a spectral analysis) or size - 1
// (symmetric: the window of a filter design), computed in double precision.
#include <cmath>
#include <numbers>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

struct CosineTerms {
  double a0 = 0, a1 = 0, a2 = 0;
};

// ONNX's coefficients: Hamming's are 25/46 and 21/46 (the sidelobe-cancelling ones), not the
// rounded 0.54 and 0.46.
CosineTerms terms_of(OpKind op) {
  switch (op) {
    case OpKind::kHammingWindow:
      return {25.0 / 46, 21.0 / 46, 0};
    case OpKind::kBlackmanWindow:
      return {0.42, 0.5, 0.08};
    default:
      return {0.5, 0.5, 0};
  }
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_window_function(const Node& node, const Graph& graph) {
  const CosineTerms c = terms_of(node.op);
  const bool periodic = node.attrs.get_int("periodic", 1) != 0;
  const int64_t planned = output_of(graph, node).shape.num_elements().value_or(0);
  const std::string where = where_of(graph, node);
  CheckedRunFn fn;
  if (!visit_float(output_of(graph, node).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          // A constant size gave the planned length; one read at run time must agree with it.
          const int64_t size = int_at(in[0].dtype, in[0].data, 0);
          if (size != planned) return extent_mismatch(where, "size", size, planned);
          // A symmetric window of one sample has no period (N = 0): its value is the one at
          // angle 0, as every window's first sample is.
          const int64_t n = periodic ? size : size - 1;
          T* w = out[0].as<T>();
          for (int64_t i = 0; i < size; ++i) {
            const double angle = n > 0 ? 2 * std::numbers::pi * static_cast<double>(i) /
                                             static_cast<double>(n)
                                       : 0;
            w[i] = static_cast<T>(c.a0 - c.a1 * std::cos(angle) + c.a2 * std::cos(2 * angle));
          }
          return Status::ok();
        };
      }))
    return unsupported_dtype(graph, node, output_of(graph, node).dtype);
  return make_checked_kernel(std::move(fn));
}

}  // namespace outpost
