// Shape inference functions named by the rows of op_list.inc. Each sets the shape of the
// node's outputs from its inputs and attributes, or fails with kShapeMismatch naming the node.
#pragma once

#include <string>

#include "ir/graph.h"

namespace outpost {

constexpr int kAnyInputs = 1 << 20;  // "or more" in a schema's max_inputs
constexpr int kAnyOutputs = -1;      // a schema's outputs when the node decides (e.g. Split)

// Fails the inference of `n` because its output shape depends on the data of its input i, which
// is not a constant (`what` says what the data decides): kUnsupported, and
// Graph::shape_waits_for names the value, so the session can evaluate the model with each
// run's data instead of planning it.
Status wait_for_value(Graph& g, const Node& n, size_t i, const std::string& what);

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
