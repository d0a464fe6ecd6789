// Det: the determinant of each square matrix of x [..., M, M], by Gaussian elimination with
// partial pivoting in double precision (the product of the pivots, its sign flipped per row
// swap). The determinant of a 0 x 0 matrix is 1, the empty product.
#include <cmath>
#include <utility>
#include <vector>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// The determinant of the m x m matrix in `a`, which elimination overwrites.
double eliminate(std::vector<double>& a, int64_t m) {
  double det = 1;
  const auto at = [&](int64_t r, int64_t c) -> double& {
    return a[static_cast<size_t>(r * m + c)];
  };
  for (int64_t k = 0; k < m; ++k) {
    int64_t pivot = k;
    for (int64_t r = k + 1; r < m; ++r)
      if (std::fabs(at(r, k)) > std::fabs(at(pivot, k))) pivot = r;
    if (at(pivot, k) == 0) return 0;  // singular (a NaN pivot carries on, and gives NaN)
    if (pivot != k) {
      for (int64_t c = k; c < m; ++c) std::swap(at(k, c), at(pivot, c));
      det = -det;
    }
    det *= at(k, k);
    for (int64_t r = k + 1; r < m; ++r) {
      const double f = at(r, k) / at(k, k);
      for (int64_t c = k + 1; c < m; ++c) at(r, c) -= f * at(k, c);
    }
  }
  return det;
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_det(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t m = x[x.rank() - 1];
  const int64_t count = output_of(graph, node).shape.num_elements().value_or(0);
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=, a = std::vector<double>(static_cast<size_t>(m * m))](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
          const T* src = in[0].as<const T>();
          T* dst = out[0].as<T>();
          for (int64_t i = 0; i < count; ++i) {
            for (int64_t e = 0; e < m * m; ++e)
              a[static_cast<size_t>(e)] = static_cast<double>(src[i * m * m + e]);
            dst[i] = static_cast<T>(eliminate(a, m));
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
