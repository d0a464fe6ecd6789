// Shape inference and constant folding, node by node, in one pass: a node's output shape may
// depend on values earlier nodes compute from constants and static shapes (ONNX computes shapes
// inside the graph: Shape -> Gather -> Concat -> Reshape), so each node is inferred, then run
// once here when its inputs are constants (or it reads only a shape), its outputs becoming
// constants. This is also how float16 weights are dequantized and sparse weights densified
// once, never per inference. Importers do not fold: the session runs this pass.
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

#include "ir/graph.h"

namespace outpost {

// The pass's link to kernels (the session gives it the reference backend's). Called once for
// every node, after its shapes are inferred: checks that the node can run (kUnsupported when
// not) and, when `outputs` is given (one buffer per output, sized), computes the outputs from
// the node's constant inputs.
using NodeEvaluator =
    std::function<Status(const Node& node, const Graph& graph, std::vector<std::vector<uint8_t>>* outputs)>;

struct FoldingStats {
  int nodes = 0;     // nodes folded away
  size_t bytes = 0;  // bytes of the constants they made
  // With FoldScope::whole false: the index in graph.nodes of the first node whose output shape
  // waits for the model's input data (Graph::shape_waits_for names the value); that node and
  // those after it are left as they are, neither inferred nor folded. -1: none waits.
  int waiting_node = -1;
};

// What is folded. kLoad: at session creation, what constants decide (not graph outputs, which
// stay in the arena, nor constants over 64 MiB, which stay computed per run). kWhole: a graph
// whose inputs were bound to data as constants (a model evaluated per run): every node, within
// `max_bytes` of folded data in all (0: no limit; over it, kUnsupported naming the size).
struct FoldScope {
  bool whole = false;
  size_t max_bytes = 0;
};

// Infers and folds every node in order (up to a node that waits for run-time data, see
// FoldingStats::waiting_node); removes the folded nodes from graph.nodes. Nodes the
// evaluator cannot run are all reported at once (op, count, the first one's reason); an
// inference failure downstream of one of them reports them instead of its own consequence.
Result<FoldingStats> infer_and_fold_constants(Graph& graph, const NodeEvaluator& evaluate,
                                              FoldScope scope = {});

}  // namespace outpost
