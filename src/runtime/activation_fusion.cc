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

// The fused-activation name of TFLite's elementwise ops (`activation`) that clamps to [lo, hi],
// or nullptr when none does.
const char* fused_activation_name(float lo, float hi) {
  if (lo == 0.0f && std::isinf(hi) && hi > 0) return "relu";
  if (lo == 0.0f && hi == 6.0f) return "relu6";
  if (lo == -1.0f && hi == 1.0f) return "relu_n1_to_1";
  return nullptr;
}

// Folds the activation into its producer, when that is a float32 node this pass knows to clamp
// its own output: a Conv (any bounds) or an Add/Sub/Mul (TFLite's three named clamps, which the
// elementwise kernels of every backend apply).
bool fold_into(Node& producer, float lo, float hi) {
  if (producer.op == OpKind::kConv) {
    if (producer.attrs.has("activation_min")) return false;
    producer.attrs.set("activation_min", lo);
    producer.attrs.set("activation_max", hi);
    return true;
  }
  const bool elementwise = producer.op == OpKind::kAdd || producer.op == OpKind::kSub ||
                           producer.op == OpKind::kMul;
  const char* name = fused_activation_name(lo, hi);
  if (!elementwise || name == nullptr || producer.attrs.get_string("activation", "none") != "none")
    return false;
  producer.attrs.set("activation", std::string(name));
  return true;
}

}  // namespace

int fuse_activations(Graph& graph) {
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
    const int clamped = act.inputs[0];
    const int p = producer[static_cast<size_t>(clamped)];
    if (p < 0 || readers[static_cast<size_t>(clamped)] != 1) continue;
    Node& source = graph.nodes[static_cast<size_t>(p)];
    if (source.outputs.size() != 1) continue;
    if (graph.value(clamped).dtype != DType::kFloat32 ||
        graph.value(act.outputs[0]).dtype != DType::kFloat32)
      continue;
    if (!activation_bounds(graph, act, &lo, &hi) || !fold_into(source, lo, hi)) continue;
    source.outputs[0] = act.outputs[0];
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
