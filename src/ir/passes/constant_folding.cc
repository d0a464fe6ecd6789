#include "ir/passes/constant_folding.h"

#include <algorithm>
#include <string>

#include "ir/control_flow.h"
#include "ir/op_schema.h"
#include "ir/unsupported_nodes.h"

namespace outpost {
namespace {

// Above this, a constant subgraph is left to run with the model rather than be stored twice.
constexpr size_t kMaxFoldedBytes = size_t{64} << 20;

bool is_graph_output(const Graph& g, int id) {
  for (int o : g.outputs)
    if (o == id) return true;
  return false;
}

size_t output_bytes(const Graph& g, const Node& n) {
  size_t bytes = 0;
  for (int id : n.outputs)
    bytes += static_cast<size_t>(g.value(id).shape.num_elements().value_or(0)) * dtype_size(g.value(id).dtype);
  return bytes;
}

// Constant inputs (at least one), or only a shape read; outputs the caller does not read
// directly (a graph output stays a node's, in the arena); not too large to store.
bool foldable(const Graph& g, const Node& n, const FoldScope& scope) {
  if (scope.whole) return true;  // every input is a constant (checked before)
  for (int id : n.outputs)
    if (is_graph_output(g, id)) return false;
  bool constant_inputs = n.op == OpKind::kShape || n.op == OpKind::kSize;
  if (!constant_inputs) {
    for (int id : n.inputs) {
      if (id == kNoValue) continue;
      if (!g.value(id).is_constant()) return false;
      constant_inputs = true;
    }
  }
  return constant_inputs && output_bytes(g, n) <= kMaxFoldedBytes;
}

Status check_budget(const Graph& g, const Node& n, const FoldScope& scope, size_t folded) {
  const size_t bytes = output_bytes(g, n);
  if (scope.max_bytes == 0 || bytes <= scope.max_bytes - std::min(folded, scope.max_bytes))
    return Status::ok();
  return unsupported(g.source + ": " + n.describe() + ": its outputs take " +
                     std::to_string(bytes) + " bytes, beyond the limit of " +
                     std::to_string(scope.max_bytes) + " for the model's data " +
                     "(SessionOptions::max_arena_bytes)");
}

}  // namespace

Result<FoldingStats> infer_and_fold_constants(Graph& graph, const NodeEvaluator& evaluate,
                                              FoldScope scope) {
  FoldingStats stats;
  UnsupportedNodes refusals;
  std::vector<Node> kept;
  graph.shape_waits_for = kNoValue;
  size_t next = 0;
  for (; next < graph.nodes.size(); ++next) {
    if (is_control_flow(graph.nodes[next].op)) {
      // Replaced by the nodes it expands into, which this loop goes on with.
      auto expanded = expand_control_flow(graph, graph.nodes[next]);
      if (!expanded.is_ok() && graph.shape_waits_for != kNoValue && !scope.whole) break;
      if (!expanded.is_ok()) return refusals.empty() ? expanded.status() : refusals.report(graph.source);
      const auto at = graph.nodes.begin() + static_cast<std::ptrdiff_t>(next);
      graph.nodes.insert(graph.nodes.erase(at), std::make_move_iterator(expanded->begin()),
                         std::make_move_iterator(expanded->end()));
      --next;  // SIZE_MAX when next is 0: the loop's increment brings it back
      continue;
    }
    Node& node = graph.nodes[next];
    if (scope.whole)
      for (int id : node.inputs)
        if (id != kNoValue && !graph.value(id).is_constant())
          return internal_error(graph.source + ": " + node.describe() + " reads '" + graph.value(id).name +
                                "', which has no data where every value should");
    const Status inferred = infer_node(node, graph);
    if (!inferred.is_ok() && graph.shape_waits_for != kNoValue && !scope.whole) break;
    if (!inferred.is_ok()) return refusals.empty() ? inferred : refusals.report(graph.source);
    std::vector<std::vector<uint8_t>> outputs;
    const bool fold = foldable(graph, node, scope);
    if (fold) OUTPOST_RETURN_IF_ERROR(with_origin(check_budget(graph, node, scope, stats.bytes), node));
    if (fold)
      for (int id : node.outputs) {
        const Value& v = graph.value(id);
        outputs.emplace_back(static_cast<size_t>(v.shape.num_elements().value_or(0)) * dtype_size(v.dtype));
      }
    const Status evaluated = with_origin(evaluate(node, graph, fold ? &outputs : nullptr), node);
    if (evaluated.code() == StatusCode::kUnsupported) {
      refusals.add(op_name(node.op), evaluated);
      kept.push_back(std::move(node));
      continue;
    }
    OUTPOST_RETURN_IF_ERROR(evaluated);
    if (!fold) {
      kept.push_back(std::move(node));
      continue;
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      stats.bytes += outputs[k].size();
      set_owned_constant(graph.value(node.outputs[k]), std::move(outputs[k]));
    }
    ++stats.nodes;
  }
  if (next < graph.nodes.size()) {
    // The rest waits for run-time data: it is neither inferred nor checked here.
    stats.waiting_node = static_cast<int>(kept.size());
    for (size_t k = next; k < graph.nodes.size(); ++k) kept.push_back(std::move(graph.nodes[k]));
  }
  if (!refusals.empty()) return refusals.report(graph.source);
  graph.nodes = std::move(kept);
  return stats;
}

}  // namespace outpost
