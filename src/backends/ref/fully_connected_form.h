// The Gemm nodes TFLite's FULLY_CONNECTED kernels (float and quantized) compute: y = x · wᵀ +
// bias over a matrix x [rows, depth] and weights [units, depth] (transB 1, no transA, alpha and
// beta 1), the bias absent or [units], then the fused `activation`. The TFLite importer makes
// every FULLY_CONNECTED such a Gemm (formats/tflite/tflite_fully_connected.h); an ONNX Gemm of
// this form is the same function.
#pragma once

#include "backends/kernel.h"

namespace outpost {

struct FullyConnectedForm {
  int64_t rows = 0, depth = 0, units = 0;
};

// kUnsupported (the general kernel's) for any other Gemm.
inline Result<FullyConnectedForm> fully_connected_form(const Node& n, const Graph& g) {
  if (n.op != OpKind::kGemm || n.attrs.get_int("transA", 0) != 0 ||
      n.attrs.get_int("transB", 0) != 1 || n.attrs.get_float("alpha", 1.0f) != 1.0f ||
      n.attrs.get_float("beta", 1.0f) != 1.0f)
    return not_handled(g, n, "not x · wᵀ + bias (transB 1, no transA, alpha and beta 1)");
  const Shape& x = input_of(g, n, 0).shape;
  const Shape& w = input_of(g, n, 1).shape;
  if (x.rank() != 2 || w.rank() != 2 || x[1] != w[1])
    return not_handled(g, n, "the operands are not [rows, depth] and [units, depth]");
  if (has_input(n, 2) && input_of(g, n, 2).shape != Shape{w[0]})
    return not_handled(g, n, "the bias is not [units]");
  return FullyConnectedForm{x[0], x[1], w[0]};
}

}  // namespace outpost
