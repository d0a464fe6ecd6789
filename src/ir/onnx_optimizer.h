// The operand layout of the training optimizers Adagrad, Momentum and Adam (ONNX domain
// ai.onnx.preview.training): R, T, then n variables X, their gradients G and each optimizer
// state (Adagrad: H; Momentum: V; Adam: V, H), n tensors per group; the outputs are the new X
// and the new states, in the same group order. Shape inference and the kernel read it here.
#pragma once

#include <cstddef>

#include "ir/graph.h"

namespace outpost {

// How many state tensors each variable carries (1 or 2); 0 for any other op.
inline size_t optimizer_states(OpKind op) {
  switch (op) {
    case OpKind::kAdagrad:
    case OpKind::kMomentum:
      return 1;
    case OpKind::kAdam:
      return 2;
    default:
      return 0;
  }
}

// The number of variables n of `node`, or 0 when its operand counts do not fit the layout.
inline size_t optimizer_variables(const Node& node) {
  const size_t states = optimizer_states(node.op);
  if (states == 0 || node.inputs.size() < 2) return 0;
  const size_t per_in = 2 + states, per_out = 1 + states;
  const size_t n = (node.inputs.size() - 2) / per_in;
  if (n == 0 || node.inputs.size() != 2 + n * per_in || node.outputs.size() != n * per_out) return 0;
  return n;
}

}  // namespace outpost
