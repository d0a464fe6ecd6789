// The training optimizers Adagrad, Momentum and Adam (ONNX domain ai.onnx.preview.training): one
// step of each over n variables, elementwise, in double, with ONNX's definitions:
//   G' = norm_coefficient * X + G (the gradient of the L2 term added)
//   Adagrad:  r = R / (1 + T * decay_factor); H' = H + G'^2; X' = X - r * G' / (sqrt(H') + eps)
//   Momentum: b = T > 0 ? beta : 1; V' = alpha * V + b * G';
//             standard X' = X - R * V'; nesterov X' = X - R * (G' + alpha * V')
//   Adam:     V' = alpha * V + (1 - alpha) * G'; H' = beta * H + (1 - beta) * G'^2;
//             r = T > 0 ? R * sqrt(1 - beta^T) / (1 - alpha^T) : R;
//             X' = (1 - norm_coefficient_post) * (X - r * V' / (sqrt(H') + eps))
#include <cmath>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"
#include "ir/onnx_optimizer.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

struct OptimizerAttrs {
  OpKind op;
  double alpha, beta, epsilon, decay_factor, norm_coefficient, norm_coefficient_post;
  bool nesterov;
};

// ONNX's defaults: Adagrad epsilon 1e-6; Adam alpha 0.9, beta 0.999, epsilon 1e-6. Momentum
// has none (shape inference requires its attributes).
OptimizerAttrs read_attrs(const Node& node) {
  const bool adam = node.op == OpKind::kAdam;
  return {node.op,
          node.attrs.get_float("alpha", adam ? 0.9f : 0.f),
          node.attrs.get_float("beta", adam ? 0.999f : 0.f),
          node.attrs.get_float("epsilon", 1e-6f),
          node.attrs.get_float("decay_factor", 0.f),
          node.attrs.get_float("norm_coefficient", 0.f),
          node.attrs.get_float("norm_coefficient_post", 0.f),
          node.attrs.get_string("mode", "standard") == "nesterov"};
}

double scalar(const TensorView& v) {
  if (v.dtype == DType::kFloat64) return v.as<const double>()[0];
  if (v.dtype == DType::kInt64) return static_cast<double>(v.as<const int64_t>()[0]);
  return v.as<const float>()[0];
}

// One variable: x, g and the states in, x' and the states' new values out (`count` elements).
template <typename T>
void step(const OptimizerAttrs& a, double r, double t, int64_t count, const T* x, const T* g,
          const T* s0, const T* s1, T* x_new, T* s0_new, T* s1_new) {
  for (int64_t i = 0; i < count; ++i) {
    const double gr = a.norm_coefficient * x[i] + g[i];
    switch (a.op) {
      case OpKind::kAdagrad: {
        const double h = s0[i] + gr * gr;
        s0_new[i] = static_cast<T>(h);
        x_new[i] = static_cast<T>(x[i] - r / (1 + t * a.decay_factor) * gr /
                                             (std::sqrt(h) + a.epsilon));
        break;
      }
      case OpKind::kMomentum: {
        const double v = a.alpha * s0[i] + (t > 0 ? a.beta : 1.0) * gr;
        s0_new[i] = static_cast<T>(v);
        x_new[i] = static_cast<T>(x[i] - r * (a.nesterov ? gr + a.alpha * v : v));
        break;
      }
      default: {  // Adam
        const double v = a.alpha * s0[i] + (1 - a.alpha) * gr;
        const double h = a.beta * s1[i] + (1 - a.beta) * gr * gr;
        const double rate =
            t > 0 ? r * std::sqrt(1 - std::pow(a.beta, t)) / (1 - std::pow(a.alpha, t)) : r;
        s0_new[i] = static_cast<T>(v);
        s1_new[i] = static_cast<T>(h);
        x_new[i] = static_cast<T>((1 - a.norm_coefficient_post) *
                                  (x[i] - rate * v / (std::sqrt(h) + a.epsilon)));
        break;
      }
    }
  }
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_optimizer(const Node& node, const Graph& graph) {
  const size_t vars = optimizer_variables(node);
  const size_t states = optimizer_states(node.op);
  if (vars == 0) return not_handled(graph, node, "operand counts");
  const OptimizerAttrs attrs = read_attrs(node);
  RunFn fn;
  if (!visit_float(input_of(graph, node, 2).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=](std::span<const TensorView> in, std::span<const TensorView> out) {
          const double r = scalar(in[0]), t = scalar(in[1]);
          for (size_t v = 0; v < vars; ++v) {
            const T* s1 = states > 1 ? in[2 + 3 * vars + v].as<const T>() : nullptr;
            T* s1_new = states > 1 ? out[2 * vars + v].as<T>() : nullptr;
            step<T>(attrs, r, t, in[2 + v].num_elements(), in[2 + v].as<const T>(),
                    in[2 + vars + v].as<const T>(), in[2 + 2 * vars + v].as<const T>(), s1,
                    out[v].as<T>(), out[vars + v].as<T>(), s1_new);
          }
        };
      }))
    return unsupported_dtype(graph, node, input_of(graph, node, 2).dtype);
  return make_kernel(std::move(fn));
}

}  // namespace outpost
