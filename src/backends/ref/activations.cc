// Standalone float32 activations: Logistic, Relu, Tanh, HardSwish (x * relu6(x + 3) / 6).
// TFLite's RELU6 is a Clip (onnx_unary.cc).
// Element by element, so they are safe when the output aliases the input.
#include <algorithm>
#include <cmath>

#include "backends/ref/float_kernel_factories.h"

namespace outpost {
namespace {

template <typename F>
void map(std::span<const TensorView> inputs, std::span<const TensorView> outputs, F f) {
  const float* x = inputs[0].as<const float>();
  float* y = outputs[0].as<float>();
  const int64_t n = outputs[0].num_elements();
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

void logistic(std::span<const TensorView> in, std::span<const TensorView> out) {
  map(in, out, [](float x) { return 1.0f / (1.0f + std::exp(-x)); });
}
void relu(std::span<const TensorView> in, std::span<const TensorView> out) {
  map(in, out, [](float x) { return std::max(x, 0.0f); });
}
void tanh_fn(std::span<const TensorView> in, std::span<const TensorView> out) {
  map(in, out, [](float x) { return std::tanh(x); });
}
void hard_swish(std::span<const TensorView> in, std::span<const TensorView> out) {
  map(in, out, [](float x) { return x * std::min(std::max(x + 3.0f, 0.0f), 6.0f) / 6.0f; });
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_activation_float(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0}));
  KernelFn fn = nullptr;
  switch (node.op) {
    case OpKind::kLogistic:
      fn = logistic;
      break;
    case OpKind::kRelu:
      fn = relu;
      break;
    case OpKind::kTanh:
      fn = tanh_fn;
      break;
    case OpKind::kHardSwish:
      fn = hard_swish;
      break;
    default:
      return not_handled(graph, node, "not an activation op");
  }
  return std::unique_ptr<Kernel>(std::make_unique<FnKernel>(fn));
}

}  // namespace outpost
