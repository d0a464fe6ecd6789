// Shape inference and constant folding at load, node by node, for ONNX graphs: ONNX computes
// shapes inside the graph (Shape -> Gather -> Concat -> Reshape), so a node's output shape may
// depend on values that earlier nodes compute from constants and static shapes. Each node is
// inferred, given its reference kernel (so an unsupported op or dtype is reported at load), and
// run once here when its inputs are constants (or it reads only shapes).
#pragma once

#include <string>
#include <vector>

#include "ir/graph.h"

namespace outpost {

struct OnnxNodeOrigin {
  std::string op_text;  // "op 'Pad' (domain ai.onnx, opset 11)"
  std::string where;    // "model.onnx: node 3 ('pad0')"
};

// `dtype_known[v]` says whether the model declared value v's element type; undeclared outputs
// take their first input's dtype unless the op's inference sets another. `origins` parallels
// graph.nodes. Removes the folded nodes.
Status fold_onnx_graph(Graph& graph, const std::vector<OnnxNodeOrigin>& origins,
                       std::vector<bool>& dtype_known);

}  // namespace outpost
