// Folds an activation into the node that produces its input: a Relu, or a Clip with constant
// bounds (ReLU6), that is the only reader of a float32 node's output. A Conv gets the attributes
// `activation_min` / `activation_max`; an Add, Sub or Mul (a residual add and its Relu) gets
// TFLite's fused `activation` (relu, relu6, relu_n1_to_1; other bounds stay unfused). The
// producer then writes the activation's output itself and the activation node goes. Every
// kernel of those ops (reference, XNNPACK, oneDNN) clamps as told, so a fused graph computes
// what the unfused one did in one pass over the output instead of two. First, x * HardSigmoid(x)
// with PyTorch's constants (alpha 1/6, beta 1/2) becomes one HardSwish(x).
#pragma once

#include <functional>

#include "ir/graph.h"

namespace outpost {

// SiLU after a convolution, x * Sigmoid(x) with x a Conv's output read by nothing else, folds
// into the Conv as the attribute `swish` = 1 where `conv_takes_swish` says its backend applies
// it (oneDNN's swish post-op; XNNPACK has none, and a separate Sigmoid and Mul stay faster there
// than the reference convolution).
using ConvTakesSwish = std::function<bool(const Node& conv, const Graph& graph)>;

// Returns the number of nodes folded away.
int fuse_activations(Graph& graph, const ConvTakesSwish& conv_takes_swish = {});

}  // namespace outpost
