// Shape inference functions named by the rows of op_list.inc. Each sets the shape of the
// node's outputs from its inputs and attributes, or fails with kShapeMismatch naming the node.
#pragma once

#include "ir/graph.h"

namespace outpost {

constexpr int kAnyInputs = 1 << 20;  // "or more" in a schema's max_inputs
constexpr int kAnyOutputs = -1;      // a schema's outputs when the node decides (e.g. Split)

// Declares every function the op list names (a function named by several rows is declared
// once per row, which C++ allows).
#define X(name, min_inputs, max_inputs, outputs, infer) Status infer(const Node& n, Graph& g);
#include "ir/op_list.inc"
#undef X

}  // namespace outpost
