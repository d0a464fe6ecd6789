#include "runtime/activation_fusion.h"

#include <cmath>
#include <limits>
#include <utility>
#include <vector>

namespace outpost {
namespace {

// The clamp an activation node applies, if it is one this pass folds.
bool activation_bounds(const Graph& g, const Node& n, float* lo, float* hi) {
  *lo = -std::numeric_limits<float>::infinity();
  *hi = std::numeric_limits<float>::infinity();
  if (n.op == OpKind::kRelu) {
    *lo = 0.0f;
    return true;
  }
  if (n.op != OpKind::kClip) return false;
  if (n.attrs.get_int("opset", 17) < 11) {
    *lo = n.attrs.get_float("min", *lo);
    *hi = n.attrs.get_float("max", *hi);
  } else {
    for (size_t i = 1; i < 3 && i < n.inputs.size(); ++i) {
      if (n.inputs[i] == kNoValue) continue;
      const Value& v = g.value(n.inputs[i]);
      if (!v.is_constant() || v.dtype != DType::kFloat32 || v.shape.num_elements().value_or(0) != 1)
        return false;
      (i == 1 ? *lo : *hi) = *v.constant_as<float>();
    }
  }
  return !std::isnan(*lo) && !std::isnan(*hi) && *lo <= *hi;
}

}  // namespace

int fuse_conv_activations(Graph& graph) {
  // Readers of each value, and whether it leaves the graph.
  std::vector<int> readers(graph.values.size(), 0);
  for (const Node& n : graph.nodes)
    for (int id : n.inputs)
      if (id != kNoValue) ++readers[static_cast<size_t>(id)];
  for (int id : graph.outputs) ++readers[static_cast<size_t>(id)];
  std::vector<int> producer(graph.values.size(), -1);
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (int id : graph.nodes[i].outputs) producer[static_cast<size_t>(id)] = static_cast<int>(i);

  std::vector<bool> drop(graph.nodes.size(), false);
  int fused = 0;
  for (Node& act : graph.nodes) {
    float lo, hi;
    if (act.inputs.empty() || act.inputs[0] == kNoValue || act.outputs.size() != 1) continue;
    const int conv_out = act.inputs[0];
    const int p = producer[static_cast<size_t>(conv_out)];
    if (p < 0 || readers[static_cast<size_t>(conv_out)] != 1) continue;
    Node& conv = graph.nodes[static_cast<size_t>(p)];
    if (conv.op != OpKind::kConv || conv.outputs.size() != 1 || conv.attrs.has("activation_min"))
      continue;
    if (graph.value(conv_out).dtype != DType::kFloat32 ||
        graph.value(act.outputs[0]).dtype != DType::kFloat32)
      continue;
    if (!activation_bounds(graph, act, &lo, &hi)) continue;
    conv.attrs.set("activation_min", lo);
    conv.attrs.set("activation_max", hi);
    conv.outputs[0] = act.outputs[0];
    drop[static_cast<size_t>(&act - graph.nodes.data())] = true;
    ++fused;
  }
  if (fused == 0) return 0;
  std::vector<Node> kept;
  kept.reserve(graph.nodes.size() - static_cast<size_t>(fused));
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
  return fused;
}

}  // namespace outpost
