// Softmax (with `beta`), LogSoftmax, Hardmax on float32/float64 over any axis `axis`, in double;
// with `coerce_2d` = 1 (ONNX's older form) the input is read as 2-D, split at `axis`, and
// normalized over the flattened trailing block. Float32 Softmax over trailing axes runs
// TFLite's float kernel first (softmax.cc).
#include <cmath>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {

Result<std::unique_ptr<Kernel>> make_onnx_softmax(const Node& node, const Graph& graph) {
  using namespace onnx_ref;  // NOLINT: this file's helpers
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t rank = static_cast<int64_t>(x.rank());
  const bool legacy = node.attrs.get_int("coerce_2d", 0) != 0;
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += rank;
  int64_t outer = 1, n = 1, inner = 1;
  for (int64_t k = 0; k < rank; ++k) {
    const int64_t d = x[static_cast<size_t>(k)];
    if (k < axis)
      outer *= d;
    else if (k == axis || legacy)
      n *= d;
    else
      inner *= d;
  }
  const OpKind op = node.op;
  const double beta = op == OpKind::kSoftmax ? node.attrs.get_float("beta", 1.0f) : 1.0;
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const T* src = in[0].as<const T>();
          T* dst = out[0].as<T>();
          for (int64_t o = 0; o < outer; ++o) {
            for (int64_t i = 0; i < inner; ++i) {
              const T* p = src + o * n * inner + i;
              T* q = dst + o * n * inner + i;
              int64_t best = 0;
              for (int64_t k = 1; k < n; ++k)
                if (p[k * inner] > p[best * inner]) best = k;
              if (op == OpKind::kHardmax) {
                for (int64_t k = 0; k < n; ++k) q[k * inner] = k == best ? T(1) : T(0);
                continue;
              }
              const double m = n > 0 ? static_cast<double>(p[best * inner]) : 0.0;
              double sum = 0;
              for (int64_t k = 0; k < n; ++k)
                sum += std::exp((static_cast<double>(p[k * inner]) - m) * beta);
              for (int64_t k = 0; k < n; ++k) {
                const double z = (static_cast<double>(p[k * inner]) - m) * beta;
                q[k * inner] = static_cast<T>(op == OpKind::kLogSoftmax ? z - std::log(sum)
                                                                        : std::exp(z) / sum);
              }
            }
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
