// Shape inference functions named by the rows of op_list.inc. Each sets the shape of the
// node's outputs from its inputs and attributes, or fails with kShapeMismatch naming the node.
#pragma once

#include "ir/graph.h"

namespace outpost {

constexpr int kAnyInputs = 1 << 20;  // "or more" in a schema's max_inputs
constexpr int kAnyOutputs = -1;      // a schema's outputs when the node decides (e.g. Split)

// Declares every function the op list names (a function named by several rows is declared
// once per row, which C++ allows).
// For an op whose (first) output dtype is its input's (Reshape, Pad, DepthToSpace, the pools,
// Softmax of floats): an output the model left undeclared already has the input's dtype
// (op_schema.cc); one declared as another dtype is refused (kInvalidModel), since every kernel
// would write the input's dtype into a buffer planned for the declared one.
Status require_input_dtype(const Node& n, const Graph& g);
// The same for an op whose output dtype is fixed (Dequantize: float32).
Status require_output_dtype(const Node& n, const Graph& g, DType dtype);

#define X(name, min_inputs, max_inputs, outputs, infer) Status infer(const Node& n, Graph& g);
#include "ir/op_list.inc"
#undef X

}  // namespace outpost
