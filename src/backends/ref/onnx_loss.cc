// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss (float32/float64): scores [N, C, d...],
// integer targets [N, d...], optional class weights [C], reduction none|sum|mean, ignore_index.
#include <cmath>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {

Result<std::unique_ptr<Kernel>> make_onnx_loss(const Node& node, const Graph& graph) {
  using namespace onnx_ref;  // NOLINT: this file's helpers
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t n = x[0], c = x[1];
  const int64_t d = c > 0 && n > 0 ? x.num_elements().value_or(0) / (n * c) : 0;
  const std::string reduction = node.attrs.get_string("reduction", "mean");
  const bool has_ignore = node.attrs.has("ignore_index");
  const int64_t ignore = node.attrs.get_int("ignore_index", 0);
  const bool softmax = node.op == OpKind::kSoftmaxCrossEntropyLoss;
  const bool log_prob_out = node.outputs.size() > 1;
  RunFn fn;
  if (!visit_float(input_of(graph, node, 0).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=, logp = std::vector<double>(static_cast<size_t>(softmax ? n * c * d : 0))](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
          const T* scores = in[0].as<const T>();
          const T* weight = in.size() > 2 && in[2].data ? in[2].as<const T>() : nullptr;
          auto score = [&](int64_t b, int64_t k, int64_t j) -> double {
            const int64_t at = (b * c + k) * d + j;
            return softmax ? logp[static_cast<size_t>(at)] : static_cast<double>(scores[at]);
          };
          if (softmax) {
            for (int64_t b = 0; b < n; ++b)
              for (int64_t j = 0; j < d; ++j) {
                double m = -INFINITY, sum = 0;
                for (int64_t k = 0; k < c; ++k)
                  m = std::max(m, static_cast<double>(scores[(b * c + k) * d + j]));
                for (int64_t k = 0; k < c; ++k)
                  sum += std::exp(static_cast<double>(scores[(b * c + k) * d + j]) - m);
                for (int64_t k = 0; k < c; ++k) {
                  const int64_t at = (b * c + k) * d + j;
                  logp[static_cast<size_t>(at)] =
                      static_cast<double>(scores[at]) - m - std::log(sum);
                  if (log_prob_out)
                    out[1].as<T>()[at] = static_cast<T>(logp[static_cast<size_t>(at)]);
                }
              }
          }
          double total = 0, weights = 0;
          T* y = out[0].as<T>();
          for (int64_t b = 0; b < n; ++b)
            for (int64_t j = 0; j < d; ++j) {
              const int64_t t = int_at(in[1].dtype, in[1].data, b * d + j);
              double loss = 0, w = 0;
              if (!(has_ignore && t == ignore) && t >= 0 && t < c) {
                w = weight ? static_cast<double>(weight[t]) : 1.0;
                loss = -score(b, t, j) * w;
              }
              if (reduction == "none") y[b * d + j] = static_cast<T>(loss);
              total += loss;
              weights += w;
            }
          if (reduction == "sum") y[0] = static_cast<T>(total);
          if (reduction == "mean") y[0] = static_cast<T>(weights != 0 ? total / weights : 0.0);
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 0).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
