#include "ir/passes/activation_fusion.h"

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
  if (n.attrs.has("min") || n.attrs.has("max")) {
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
    if (producer.attrs.has("activation_min") || producer.attrs.has("swish") ||
        producer.attrs.get_string("activation", "none") != "none")
      return false;
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

// Readers of each value (a graph output counts as one) and the node producing it.
struct Uses {
  std::vector<int> readers, producer;
  explicit Uses(const Graph& g) : readers(g.values.size(), 0), producer(g.values.size(), -1) {
    for (const Node& n : g.nodes)
      for (int id : n.inputs)
        if (id != kNoValue) ++readers[static_cast<size_t>(id)];
    for (int id : g.outputs) ++readers[static_cast<size_t>(id)];
    for (size_t i = 0; i < g.nodes.size(); ++i)
      for (int id : g.nodes[i].outputs) producer[static_cast<size_t>(id)] = static_cast<int>(i);
  }
};

void drop_nodes(Graph& graph, const std::vector<bool>& drop) {
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (!drop[i]) kept.push_back(std::move(graph.nodes[i]));
  graph.nodes = std::move(kept);
}

// HardSigmoid(x) with alpha 1/6 and beta 1/2, as exported for PyTorch's hardswish.
bool is_hard_swish_gate(const Graph& g, const Node& n) {
  return n.inputs.size() == 1 && n.outputs.size() == 1 &&
         g.value(n.inputs[0]).dtype == DType::kFloat32 &&
         std::fabs(n.attrs.get_float("alpha", 0.2f) - 1.0f / 6.0f) < 1e-6f &&
         n.attrs.get_float("beta", 0.5f) == 0.5f;
}

// x * gate(x): a Mul (either operand order, no fused activation) one of whose operands is the
// output of a `gate_op` node that reads the other operand, x, and that only this Mul reads.
struct GatedMul {
  int gate = -1;  // index of the gate node; -1 when the Mul is not such a product
  int x = kNoValue;
};

GatedMul gated_mul(const Graph& g, const Uses& uses, const Node& mul, OpKind gate_op,
                   const std::vector<bool>& drop) {
  if (mul.op != OpKind::kMul || mul.inputs.size() != 2 || mul.attrs.has("activation")) return {};
  for (size_t k = 0; k < 2; ++k) {
    const int gate = mul.inputs[k], x = mul.inputs[1 - k];
    const int p = uses.producer[static_cast<size_t>(gate)];
    if (p < 0 || uses.readers[static_cast<size_t>(gate)] != 1 || drop[static_cast<size_t>(p)]) continue;
    const Node& n = g.nodes[static_cast<size_t>(p)];
    if (n.op == gate_op && !n.inputs.empty() && n.inputs[0] == x) return {p, x};
  }
  return {};
}

// x * HardSigmoid(x) (MobileNetV3's activation, decomposed by ONNX export before opset 14)
// becomes HardSwish(x), one pass over x instead of two, on XNNPACK's kernel.
int fuse_hard_swish(Graph& graph) {
  const Uses uses(graph);
  std::vector<bool> drop(graph.nodes.size(), false);
  int fused = 0;
  for (Node& mul : graph.nodes) {
    const GatedMul m = gated_mul(graph, uses, mul, OpKind::kHardSigmoid, drop);
    if (m.gate < 0 || !is_hard_swish_gate(graph, graph.nodes[static_cast<size_t>(m.gate)])) continue;
    drop[static_cast<size_t>(m.gate)] = true;
    mul.op = OpKind::kHardSwish;
    mul.inputs = {m.x};
    ++fused;
  }
  if (fused > 0) drop_nodes(graph, drop);
  return fused;
}

// x * Sigmoid(x) with x a Conv's output that only those two read: the Conv takes `swish` and
// writes the Mul's output.
int fuse_conv_swish(Graph& graph, const ConvTakesSwish& conv_takes_swish) {
  const Uses uses(graph);
  std::vector<bool> drop(graph.nodes.size(), false);
  int fused = 0;
  for (Node& mul : graph.nodes) {
    const GatedMul m = gated_mul(graph, uses, mul, OpKind::kLogistic, drop);
    if (m.gate < 0 || uses.readers[static_cast<size_t>(m.x)] != 2) continue;
    const int c = uses.producer[static_cast<size_t>(m.x)];
    if (c < 0) continue;
    Node& conv = graph.nodes[static_cast<size_t>(c)];
    if (conv.op != OpKind::kConv || conv.outputs.size() != 1 || conv.attrs.has("activation_min") ||
        conv.attrs.has("swish") || graph.value(m.x).dtype != DType::kFloat32 ||
        !conv_takes_swish(conv, graph))
      continue;
    conv.attrs.set("swish", int64_t{1});
    conv.outputs[0] = mul.outputs[0];
    drop[static_cast<size_t>(m.gate)] = true;
    drop[static_cast<size_t>(&mul - graph.nodes.data())] = true;
    fused += 2;
  }
  if (fused > 0) drop_nodes(graph, drop);
  return fused;
}

}  // namespace

int fuse_activations(Graph& graph, const ConvTakesSwish& conv_takes_swish) {
  const int hard_swishes = fuse_hard_swish(graph);
  const int swishes = conv_takes_swish ? fuse_conv_swish(graph, conv_takes_swish) : 0;
  const Uses uses(graph);
  const std::vector<int>& readers = uses.readers;
  const std::vector<int>& producer = uses.producer;

  std::vector<bool> drop(graph.nodes.size(), false);
  int fused = 0;
  for (Node& act : graph.nodes) {
    float lo, hi;
    if (act.inputs.empty() || act.inputs[0] == kNoValue || act.outputs.size() != 1) continue;
    const int clamped = act.inputs[0];
    const int p = producer[static_cast<size_t>(clamped)];
    // (A producer dropped here already, an activation folded before, takes no second one.)
    if (p < 0 || readers[static_cast<size_t>(clamped)] != 1 || drop[static_cast<size_t>(p)]) continue;
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
  if (fused > 0) drop_nodes(graph, drop);
  return hard_swishes + swishes + fused;
}

}  // namespace outpost
