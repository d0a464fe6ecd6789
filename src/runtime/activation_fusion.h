// Folds an ONNX Conv's activation into the convolution: a Relu, or a Clip with constant bounds
// (ReLU6), that is the only reader of a float32 Conv's output. The Conv gets the attributes
// `activation_min` / `activation_max` and writes the activation's output itself; the activation
// node goes. Every Conv kernel (reference, XNNPACK, oneDNN) clamps to those bounds, so a fused
// graph computes what the unfused one did in one pass over the output instead of two.
#pragma once

#include "ir/graph.h"

namespace outpost {

// Returns the number of activations folded.
int fuse_conv_activations(Graph& graph);

}  // namespace outpost
