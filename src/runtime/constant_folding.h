// Constant folding: runs every node whose inputs are all constants once, at session creation,
// with the reference kernels, and turns its outputs into constants. This is how float16
// weights are dequantized and sparse weights densified once, never per inference.
#pragma once

#include "backends/ref/registry.h"
#include "ir/graph.h"

namespace outpost {

// Removes folded nodes from graph.nodes; returns the bytes of constants it made.
Result<size_t> fold_constants(Graph& graph, const KernelRegistry& kernels);

}  // namespace outpost
