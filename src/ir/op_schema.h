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

// Checks `node`'s operands against its schema and infers its output shapes and dtypes from its
// inputs (which must be inferred already). A shape declared by the model that disagrees with
// the inferred one is an error naming the node (and its origin, Node::origin).
Status infer_node(const Node& node, Graph& graph);

// infer_node on every node in order: for graphs whose shapes need no constant folding (the
// passes' tests); the session infers and folds together (ir/passes/constant_folding.h).
Status infer_shapes(Graph& graph);

// `status` with the node's origin appended, if it has one.
Status with_origin(const Status& status, const Node& node);

}  // namespace outpost
