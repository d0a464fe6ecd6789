#include "runtime/constant_folding.h"

#include <vector>

namespace outpost {
namespace {

bool all_inputs_constant(const Graph& g, const Node& n) {
  bool any = false;
  for (int id : n.inputs) {
    if (id == kNoValue) continue;
    if (!g.value(id).is_constant()) return false;
    any = true;
  }
  return any;
}

bool is_graph_output(const Graph& g, int id) {
  for (int o : g.outputs)
    if (o == id) return true;
  return false;
}

}  // namespace

Result<size_t> fold_constants(Graph& graph, const KernelRegistry& kernels) {
  size_t made = 0;
  std::vector<Node> kept;
  for (Node& node : graph.nodes) {
    bool output_is_graph_output = false;
    for (int id : node.outputs) output_is_graph_output |= is_graph_output(graph, id);
    if (!all_inputs_constant(graph, node) || output_is_graph_output) {
      kept.push_back(std::move(node));
      continue;
    }
    OUTPOST_ASSIGN_OR_RETURN(auto kernel, kernels.make(node, graph));
    std::vector<TensorView> in, out;
    for (int id : node.inputs) {
      if (id == kNoValue) {
        in.push_back(TensorView{});
        continue;
      }
      const Value& v = graph.value(id);
      in.push_back({v.dtype, &v.shape, const_cast<uint8_t*>(v.constant.bytes), &v.quant});
    }
    std::vector<std::vector<uint8_t>> storage;
    for (int id : node.outputs) {
      const Value& v = graph.value(id);
      storage.emplace_back(static_cast<size_t>(v.shape.num_elements().value_or(0)) * dtype_size(v.dtype));
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const Value& v = graph.value(node.outputs[k]);
      out.push_back({v.dtype, &v.shape, storage[k].data(), &v.quant});
    }
    kernel->run(in, out);
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      made += storage[k].size();
      set_owned_constant(graph.value(node.outputs[k]), std::move(storage[k]));
    }
  }
  graph.nodes = std::move(kept);
  return made;
}

}  // namespace outpost
