#include "formats/onnx/onnx_qlinear_lowering.h"

#include <cmath>
#include <cstring>
#include <map>
#include <optional>
#include <utility>
#include <vector>

namespace outpost {
namespace {

// QLinearConv's operands: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
// y_zero_point, [bias].
constexpr size_t kX = 0, kXScale = 1, kXZp = 2, kW = 3, kWScale = 4, kWZp = 5, kYScale = 6,
                 kYZp = 7, kBias = 8;

bool present(const Node& n, size_t i) { return i < n.inputs.size() && n.inputs[i] != kNoValue; }

bool is_8bit(DType d) { return d == DType::kUInt8 || d == DType::kInt8; }

// The constant scale and zero point at (scale_i, zp_i) as QuantParams: one entry, or
// `channels` (along axis 0) when that is more than one; nullopt when they are not such constants.
std::optional<QuantParams> constant_params(const Graph& g, const Node& n, size_t scale_i,
                                           size_t zp_i, DType dtype, int64_t channels) {
  if (!present(n, scale_i) || !present(n, zp_i)) return std::nullopt;
  const Value& s = g.value(n.inputs[scale_i]);
  const Value& z = g.value(n.inputs[zp_i]);
  if (!s.is_constant() || !z.is_constant() || s.dtype != DType::kFloat32 || z.dtype != dtype)
    return std::nullopt;
  const std::optional<int64_t> count = s.shape.num_elements();
  if (!count || z.shape.num_elements() != count || (*count != 1 && *count != channels))
    return std::nullopt;
  const size_t n_entries = static_cast<size_t>(*count);
  if (s.constant.size != 4 * n_entries || z.constant.size != n_entries) return std::nullopt;
  QuantParams q;
  for (size_t k = 0; k < n_entries; ++k) {
    float f;
    std::memcpy(&f, s.constant.bytes + 4 * k, 4);
    if (!(f > 0) || !std::isfinite(f)) return std::nullopt;
    q.scale.push_back(f);
    const uint8_t b = z.constant.bytes[k];
    q.zero_point.push_back(dtype == DType::kUInt8 ? int64_t{b}
                                                  : int64_t{static_cast<int8_t>(b)});
  }
  return q;
}

bool same(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point && a.axis == b.axis;
}

struct Lowering {
  QuantParams x, w, y;
};

// The parameters a QLinearConv would lower with, when its operands allow it.
std::optional<Lowering> lowering_of(const Graph& g, const Node& n) {
  if (n.op != OpKind::kQLinearConv || n.outputs.size() != 1) return std::nullopt;
  for (size_t i = 0; i <= kYZp; ++i)
    if (!present(n, i)) return std::nullopt;
  const Value& x = g.value(n.inputs[kX]);
  const Value& w = g.value(n.inputs[kW]);
  // An intermediate x the model left untyped (shape inference would type it later) has its zero
  // point's dtype, which QLinearConv requires of it.
  const DType xt = x.dtype_known ? x.dtype : g.value(n.inputs[kXZp]).dtype;
  if (!is_8bit(xt) || w.dtype != xt || x.is_constant() || !w.is_constant() ||
      w.shape.rank() < 3 || w.shape[0] < 1)
    return std::nullopt;
  if (present(n, kBias)) {
    const Value& b = g.value(n.inputs[kBias]);
    if (!b.is_constant() || b.dtype != DType::kInt32) return std::nullopt;
  }
  auto xq = constant_params(g, n, kXScale, kXZp, xt, 1);
  auto wq = constant_params(g, n, kWScale, kWZp, xt, w.shape[0]);
  auto yq = constant_params(g, n, kYScale, kYZp, xt, 1);  // y of x's dtype
  if (!xq || !wq || !yq) return std::nullopt;
  return Lowering{*xq, *wq, *yq};
}

using Readers = std::map<int, std::vector<std::pair<size_t, size_t>>>;  // value -> (node, input)

// Whether every reader of value `v` reads it with the parameters `q`: a lowered node taking it as
// x or w with those, or a QuantizeLinear/DequantizeLinear with operands (which ignore them).
bool read_only_as(const Graph& g, const Readers& readers, const std::map<size_t, Lowering>& lowered,
                  int v, const QuantParams& q) {
  const auto it = readers.find(v);
  if (it == readers.end()) return true;
  for (const auto& [k, i] : it->second) {
    const auto l = lowered.find(k);
    if (l != lowered.end()) {
      if (!((i == kX && same(l->second.x, q)) || (i == kW && same(l->second.w, q)))) return false;
      continue;
    }
    const Node& reader = g.nodes[k];
    const bool with_operands = (reader.op == OpKind::kQuantize ||
                                reader.op == OpKind::kDequantize) && reader.inputs.size() > 1;
    if (!with_operands || i != 0) return false;
  }
  return true;
}

// Whether x's producer ignores the QuantParams its output gets: none (a graph input), a lowered
// node, or a QuantizeLinear with operands.
bool produced_plainly(const Graph& g, const std::map<int, size_t>& producers,
                      const std::map<size_t, Lowering>& lowered, int v) {
  const auto p = producers.find(v);
  if (p == producers.end()) return true;
  if (lowered.count(p->second) != 0) return true;
  const Node& n = g.nodes[p->second];
  return n.op == OpKind::kQuantize && n.inputs.size() > 1;
}

}  // namespace

int lower_qlinear_conv(Graph& graph) {
  std::map<size_t, Lowering> lowered;
  for (size_t k = 0; k < graph.nodes.size(); ++k)
    if (auto l = lowering_of(graph, graph.nodes[k])) lowered.emplace(k, std::move(*l));
  if (lowered.empty()) return 0;
  Readers readers;
  std::map<int, size_t> producers;
  for (size_t k = 0; k < graph.nodes.size(); ++k) {
    const Node& n = graph.nodes[k];
    for (size_t i = 0; i < n.inputs.size(); ++i)
      if (n.inputs[i] != kNoValue) readers[n.inputs[i]].push_back({k, i});
    for (int out : n.outputs) producers[out] = k;
  }
  // Dropping one node can make a neighbour's value unsafe, so repeat until nothing changes.
  for (bool changed = true; changed;) {
    changed = false;
    for (auto it = lowered.begin(); it != lowered.end();) {
      const Node& n = graph.nodes[it->first];
      const Lowering& l = it->second;
      const bool safe = read_only_as(graph, readers, lowered, n.inputs[kX], l.x) &&
                        produced_plainly(graph, producers, lowered, n.inputs[kX]) &&
                        read_only_as(graph, readers, lowered, n.inputs[kW], l.w) &&
                        read_only_as(graph, readers, lowered, n.outputs[0], l.y);
      if (safe) {
        ++it;
      } else {
        it = lowered.erase(it);
        changed = true;
      }
    }
  }
  for (auto& [k, l] : lowered) {
    Node& n = graph.nodes[k];
    Value& x = graph.value(n.inputs[kX]);
    const DType dtype = graph.value(n.inputs[kW]).dtype;  // x's and y's too
    graph.value(n.inputs[kW]).quant = l.w;
    x.quant = l.x;
    x.dtype = dtype;
    x.dtype_known = true;
    Value& y = graph.value(n.outputs[0]);
    y.quant = l.y;
    y.dtype = dtype;
    y.dtype_known = true;
    std::vector<int> inputs = {n.inputs[kX], n.inputs[kW]};
    if (present(n, kBias)) inputs.push_back(n.inputs[kBias]);
    n.inputs = std::move(inputs);
    n.op = OpKind::kConv;
    n.attrs.set("requantize", std::string("real"));
  }
  return static_cast<int>(lowered.size());
}

}  // namespace outpost
