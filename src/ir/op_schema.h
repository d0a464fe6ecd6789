// Op schemas: per-op input-count checks and shape inference, indexed by OpKind.
#pragma once

#include "ir/graph.h"

namespace outpost {

struct OpSchema {
  int min_inputs;
  int max_inputs;
  int num_outputs;  // kAnyOutputs: one or more, as the node says
  // Sets the shape (and checks the dtypes) of the node's outputs from its inputs.
  Status (*infer)(const Node& node, Graph& graph);
};

const OpSchema& op_schema(OpKind op);

// Infers every node's output shapes in order. A shape declared by the model that disagrees
// with the inferred one is an error naming the node.
Status infer_shapes(Graph& graph);

}  // namespace outpost
