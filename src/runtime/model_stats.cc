#include "runtime/model_stats.h"

#include <set>

namespace outpost {
namespace {

int64_t elements(const Value& v) { return v.shape.num_elements().value_or(0); }

int64_t macs_of(const Graph& g, const Node& n) {
  const Value& out = g.value(n.outputs[0]);
  switch (n.op) {
    case OpKind::kConv2D: {
      const Shape& w = g.value(n.inputs[1]).shape;
      return elements(out) * w[1] * w[2] * w[3];
    }
    case OpKind::kDepthwiseConv2D: {
      const Shape& w = g.value(n.inputs[1]).shape;
      return elements(out) * w[1] * w[2];
    }
    case OpKind::kTransposeConv2D: {
      const Shape& w = g.value(n.inputs[1]).shape;
      return elements(g.value(n.inputs[0])) * w[0] * w[1] * w[2];
    }
    case OpKind::kFullyConnected: return elements(out) * g.value(n.inputs[1]).shape[1];
    default: return 0;
  }
}

}  // namespace

void count_graph(const Graph& graph, ModelStats& stats) {
  std::set<int> counted;
  for (const Node& node : graph.nodes) {
    stats.op_counts[op_name(node.op)]++;
    stats.macs += macs_of(graph, node);
    for (int id : node.inputs) {
      if (id == kNoValue || !graph.value(id).is_constant() || !counted.insert(id).second) continue;
      if (node.op == OpKind::kReshape || node.op == OpKind::kPad || node.op == OpKind::kMean ||
          node.op == OpKind::kResizeBilinear)
        continue;  // shape-like operands, not parameters
      stats.parameters += elements(graph.value(id));
    }
  }
}

}  // namespace outpost
