#include "formats/onnx/onnx_quantized_lowering.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "ir/channels_last.h"

namespace outpost {
namespace {

// QLinearConv's operands: x, x_scale, x_zero_point, w, w_scale, w_zero_point, y_scale,
// y_zero_point, [bias].
constexpr size_t kX = 0, kXScale = 1, kXZp = 2, kW = 3, kWScale = 4, kWZp = 5, kYScale = 6,
                 kYZp = 7, kBias = 8;
constexpr size_t kNone = std::numeric_limits<size_t>::max();

bool present(const Node& n, size_t i) { return i < n.inputs.size() && n.inputs[i] != kNoValue; }
int input_or_none(const Node& n, size_t i) { return present(n, i) ? n.inputs[i] : kNoValue; }

bool is_8bit(DType d) { return d == DType::kUInt8 || d == DType::kInt8; }

bool same(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point && a.axis == b.axis;
}

// A QuantizeLinear or DequantizeLinear with its parameters as operands: it ignores the
// QuantParams of the values it reads and writes.
bool with_operands(const Node& n) {
  return (n.op == OpKind::kQuantize || n.op == OpKind::kDequantize) && n.inputs.size() > 1;
}

// The constant scale (and zero point, 0 of `dtype` when absent) as QuantParams of one entry, or
// of `channels` along axis 0 when that is more; nullopt when they are not such constants.
std::optional<QuantParams> constant_params(const Graph& g, int scale_id, int zp_id, DType dtype,
                                           int64_t channels) {
  if (scale_id == kNoValue) return std::nullopt;
  const Value& s = g.value(scale_id);
  const std::optional<int64_t> count = s.shape.num_elements();
  if (!s.is_constant() || s.dtype != DType::kFloat32 || !count ||
      (*count != 1 && *count != channels))
    return std::nullopt;
  const size_t entries = static_cast<size_t>(*count);
  if (s.constant.size != 4 * entries) return std::nullopt;
  const Value* z = zp_id == kNoValue ? nullptr : &g.value(zp_id);
  if (z != nullptr && (!z->is_constant() || z->dtype != dtype || z->shape.num_elements() != count ||
                       z->constant.size != entries))
    return std::nullopt;
  QuantParams q;
  for (size_t k = 0; k < entries; ++k) {
    float f;
    std::memcpy(&f, s.constant.bytes + 4 * k, 4);
    if (!(f > 0) || !std::isfinite(f)) return std::nullopt;
    q.scale.push_back(f);
    const uint8_t b = z == nullptr ? 0 : z->constant.bytes[k];
    q.zero_point.push_back(dtype == DType::kUInt8 ? int64_t{b}
                                                  : int64_t{static_cast<int8_t>(b)});
  }
  return q;
}

// One convolution to lower: the node that becomes the Conv, the quantized values it will read
// and write with their parameters, and (QDQ) the nodes around it that go.
struct Lowering {
  size_t node = 0;
  bool qlinear = false;
  int x = kNoValue, w = kNoValue, y = kNoValue;
  int bias = kNoValue;                  // an int32 constant, or
  std::vector<int32_t> quantized_bias;  // QDQ's float bias quantized here
  QuantParams xq, wq, yq;
  size_t quantize_node = kNone;          // QDQ: the QuantizeLinear that wrote y
  std::vector<size_t> dequantize_nodes;  // QDQ: the DequantizeLinears it reads past
};

struct GraphIndex {
  std::map<int, size_t> producer;                                // value -> node
  std::map<int, std::vector<std::pair<size_t, size_t>>> readers;  // value -> (node, input)
  std::set<int> outputs;                                          // the graph's outputs

  explicit GraphIndex(const Graph& g) : outputs(g.outputs.begin(), g.outputs.end()) {
    for (size_t k = 0; k < g.nodes.size(); ++k) {
      const Node& n = g.nodes[k];
      for (size_t i = 0; i < n.inputs.size(); ++i)
        if (n.inputs[i] != kNoValue) readers[n.inputs[i]].push_back({k, i});
      for (int out : n.outputs) producer[out] = k;
    }
  }
  const std::vector<std::pair<size_t, size_t>>& read_by(int v) const {
    static const std::vector<std::pair<size_t, size_t>> kNobody;
    const auto it = readers.find(v);
    return it == readers.end() ? kNobody : it->second;
  }
  size_t producer_of(int v) const {
    const auto it = producer.find(v);
    return it == producer.end() ? kNone : it->second;
  }
};

std::optional<Lowering> qlinear_lowering(const Graph& g, size_t k) {
  const Node& n = g.nodes[k];
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
  Lowering l;
  if (present(n, kBias)) {
    const Value& b = g.value(n.inputs[kBias]);
    if (!b.is_constant() || b.dtype != DType::kInt32) return std::nullopt;
    l.bias = n.inputs[kBias];
  }
  auto xq = constant_params(g, n.inputs[kXScale], n.inputs[kXZp], xt, 1);
  auto wq = constant_params(g, n.inputs[kWScale], n.inputs[kWZp], xt, w.shape[0]);
  auto yq = constant_params(g, n.inputs[kYScale], n.inputs[kYZp], xt, 1);  // y of x's dtype
  if (!xq || !wq || !yq) return std::nullopt;
  l.node = k;
  l.qlinear = true;
  l.x = n.inputs[kX];
  l.w = n.inputs[kW];
  l.y = n.outputs[0];
  l.xq = *xq;
  l.wq = *wq;
  l.yq = *yq;
  return l;
}

// The DequantizeLinear with operands that writes `v`, if one does.
const Node* dequantized_by(const Graph& g, const GraphIndex& index, int v, size_t* at) {
  *at = index.producer_of(v);
  if (*at == kNone) return nullptr;
  const Node& d = g.nodes[*at];
  return d.op == OpKind::kDequantize && with_operands(d) && d.outputs.size() == 1 ? &d : nullptr;
}

// QDQ's bias: a float constant, quantized at x_scale * w_scale; or DequantizeLinear of an int32
// constant at that scale (ONNX Runtime's quantizer writes it so, its zero point 0).
bool qdq_bias(const Graph& g, const GraphIndex& index, int b_id, int64_t channels, Lowering& l) {
  auto product_scale = [&](int64_t c) {
    return static_cast<double>(l.xq.scale[0]) *
           l.wq.scale[l.wq.scale.size() > 1 ? static_cast<size_t>(c) : 0];
  };
  const Value& b = g.value(b_id);
  if (b.is_constant()) {
    if (b.dtype != DType::kFloat32 || b.shape.num_elements() != channels ||
        b.constant.size != 4 * static_cast<size_t>(channels))
      return false;
    for (int64_t c = 0; c < channels; ++c) {
      float f;
      std::memcpy(&f, b.constant.bytes + 4 * c, 4);
      const double q = std::nearbyint(f / product_scale(c));
      if (!std::isfinite(q) || std::fabs(q) > 2147483647.0) return false;
      l.quantized_bias.push_back(static_cast<int32_t>(q));
    }
    return true;
  }
  size_t at;
  const Node* d = dequantized_by(g, index, b_id, &at);
  if (d == nullptr) return false;
  const Value& bq = g.value(d->inputs[0]);
  if (!bq.is_constant() || bq.dtype != DType::kInt32 || bq.shape.num_elements() != channels)
    return false;
  const Value& s = g.value(d->inputs[1]);
  const std::optional<int64_t> scales = s.shape.num_elements();
  if (!scales || (*scales != 1 && *scales != channels) || !s.is_constant() ||
      s.dtype != DType::kFloat32 || s.constant.size != 4 * static_cast<size_t>(*scales))
    return false;
  if (present(*d, 2)) {  // an int32 zero point, which must be 0 everywhere
    const Value& z = g.value(d->inputs[2]);
    if (!z.is_constant() || z.dtype != DType::kInt32) return false;
    for (size_t i = 0; i < z.constant.size; ++i)
      if (z.constant.bytes[i] != 0) return false;
  }
  for (int64_t c = 0; c < channels; ++c) {
    float f;
    std::memcpy(&f, s.constant.bytes + 4 * (*scales > 1 ? c : 0), 4);
    if (std::fabs(f - product_scale(c)) > 1e-5 * product_scale(c)) return false;
  }
  l.bias = d->inputs[0];
  l.dequantize_nodes.push_back(at);
  return true;
}

// DequantizeLinear(x_q), DequantizeLinear(w_q) -> float Conv -> QuantizeLinear, the Conv's
// output read by nothing else.
std::optional<Lowering> qdq_lowering(const Graph& g, const GraphIndex& index, size_t k) {
  const Node& n = g.nodes[k];
  if (n.op != OpKind::kConv || n.outputs.size() != 1 || !present(n, 0) || !present(n, 1) ||
      is_channels_last(n) || n.attrs.get_string("weights_layout", "OIHW") != "OIHW" ||
      n.attrs.get_string("activation", "none") != "none")
    return std::nullopt;
  Lowering l;
  size_t dx_at, dw_at;
  const Node* dx = dequantized_by(g, index, n.inputs[0], &dx_at);
  const Node* dw = dequantized_by(g, index, n.inputs[1], &dw_at);
  if (dx == nullptr || dw == nullptr) return std::nullopt;
  const Value& xq = g.value(dx->inputs[0]);
  const Value& wq = g.value(dw->inputs[0]);
  // An intermediate x_q the model left untyped (a QuantizeLinear's output) has its zero point's
  // dtype; without one, its dtype is unknown here.
  const DType xt = xq.dtype_known ? xq.dtype
                   : present(*dx, 2) ? g.value(dx->inputs[2]).dtype
                                     : DType::kFloat32;
  if (!is_8bit(xt) || wq.dtype != xt || xq.is_constant() || !wq.is_constant() ||
      wq.shape.rank() < 3 || wq.shape[0] < 1)
    return std::nullopt;
  const int64_t channels = wq.shape[0];
  // Per-channel weight scales run along the output channels (axis 0).
  if (g.value(dw->inputs[1]).shape.num_elements().value_or(1) > 1) {
    int64_t axis = dw->attrs.get_int("axis", 1);
    if (axis < 0) axis += static_cast<int64_t>(wq.shape.rank());
    if (axis != 0 || dw->attrs.get_int("per_axis", 1) == 0) return std::nullopt;
  }
  const int y_float = n.outputs[0];
  const auto& y_readers = index.read_by(y_float);
  if (y_readers.size() != 1 || y_readers[0].second != 0 || index.outputs.count(y_float) != 0)
    return std::nullopt;
  const Node& q = g.nodes[y_readers[0].first];
  if (q.op != OpKind::kQuantize || !with_operands(q) || q.outputs.size() != 1 ||
      q.attrs.get_string("rounding", "half_to_even") != "half_to_even")
    return std::nullopt;
  const DType yt = present(q, 2) ? g.value(q.inputs[2]).dtype : DType::kUInt8;
  if (yt != xt) return std::nullopt;
  auto x_params = constant_params(g, dx->inputs[1], input_or_none(*dx, 2), xt, 1);
  auto w_params = constant_params(g, dw->inputs[1], input_or_none(*dw, 2), wq.dtype, channels);
  auto y_params = constant_params(g, q.inputs[1], input_or_none(q, 2), yt, 1);
  if (!x_params || !w_params || !y_params) return std::nullopt;
  l.xq = *x_params;
  l.wq = *w_params;
  l.yq = *y_params;
  if (present(n, 2) && !qdq_bias(g, index, n.inputs[2], channels, l)) return std::nullopt;
  l.node = k;
  l.x = dx->inputs[0];
  l.w = dw->inputs[0];
  l.y = q.outputs[0];
  l.quantize_node = y_readers[0].first;
  l.dequantize_nodes.push_back(dx_at);
  l.dequantize_nodes.push_back(dw_at);
  return l;
}

// Whether every lowering that will read or write `v` agrees on its parameters `p`.
bool claims_agree(const std::vector<Lowering>& all, int v, const QuantParams& p) {
  for (const Lowering& m : all)
    if ((m.x == v && !same(m.xq, p)) || (m.w == v && !same(m.wq, p)) || (m.y == v && !same(m.yq, p)))
      return false;
  return true;
}

// Whether every node that reads `v` now reads it with its lowering's parameters (a QLinearConv
// being lowered, at its x or w) or ignores them (Q/DQ with operands).
bool read_plainly(const Graph& g, const GraphIndex& index, const std::map<size_t, size_t>& by_node,
                  const std::vector<Lowering>& all, int v) {
  for (const auto& [k, i] : index.read_by(v)) {
    const auto it = by_node.find(k);
    if (it != by_node.end()) {
      const Lowering& m = all[it->second];
      if (!(m.qlinear && ((i == kX && m.x == v) || (i == kW && m.w == v)))) return false;
      continue;
    }
    if (!with_operands(g.nodes[k]) || i != 0) return false;
  }
  return true;
}

// Whether x's producer ignores the QuantParams its output gets: none (a graph input), a lowered
// node, or a QuantizeLinear with operands.
bool produced_plainly(const Graph& g, const GraphIndex& index,
                      const std::map<size_t, size_t>& by_node, int v) {
  const size_t p = index.producer_of(v);
  return p == kNone || by_node.count(p) != 0 ||
         (g.nodes[p].op == OpKind::kQuantize && with_operands(g.nodes[p]));
}

// Drops the lowerings whose values others read otherwise, until the rest agree.
std::vector<Lowering> safe_lowerings(const Graph& g, const GraphIndex& index,
                                     std::vector<Lowering> all) {
  for (bool changed = true; changed;) {
    changed = false;
    std::map<size_t, size_t> by_node;  // node -> lowering (its Conv or its QuantizeLinear)
    for (size_t i = 0; i < all.size(); ++i) {
      by_node[all[i].node] = i;
      if (all[i].quantize_node != kNone) by_node[all[i].quantize_node] = i;
    }
    std::vector<Lowering> kept;
    for (const Lowering& l : all) {
      const bool safe = claims_agree(all, l.x, l.xq) && claims_agree(all, l.w, l.wq) &&
                        claims_agree(all, l.y, l.yq) && read_plainly(g, index, by_node, all, l.x) &&
                        read_plainly(g, index, by_node, all, l.w) &&
                        read_plainly(g, index, by_node, all, l.y) &&
                        produced_plainly(g, index, by_node, l.x);
      if (safe)
        kept.push_back(l);
      else
        changed = true;
    }
    all = std::move(kept);
  }
  return all;
}

void rewrite(Graph& g, const Lowering& l) {
  const DType dtype = g.value(l.w).dtype;  // x's and y's too
  g.value(l.w).quant = l.wq;
  for (const auto& [id, q] : {std::pair<int, const QuantParams*>{l.x, &l.xq}, {l.y, &l.yq}}) {
    Value& v = g.value(id);
    v.quant = *q;
    v.dtype = dtype;
    v.dtype_known = true;
  }
  int bias = l.bias;
  if (!l.quantized_bias.empty()) {
    Value b;
    b.name = g.nodes[l.node].name + "/quantized_bias";
    b.dtype = DType::kInt32;
    b.shape = Shape({static_cast<int64_t>(l.quantized_bias.size())});
    std::vector<uint8_t> bytes(4 * l.quantized_bias.size());
    std::memcpy(bytes.data(), l.quantized_bias.data(), bytes.size());
    set_owned_constant(b, std::move(bytes));
    bias = g.add_value(std::move(b));
  }
  Node& n = g.nodes[l.node];
  n.inputs = {l.x, l.w};
  if (bias != kNoValue) n.inputs.push_back(bias);
  n.outputs = {l.y};
  n.op = OpKind::kConv;
  n.attrs.set("requantize", std::string("real"));
}

}  // namespace

int lower_quantized_convs(Graph& graph) {
  const GraphIndex index(graph);
  std::vector<Lowering> candidates;
  for (size_t k = 0; k < graph.nodes.size(); ++k) {
    std::optional<Lowering> l = qlinear_lowering(graph, k);
    if (!l) l = qdq_lowering(graph, index, k);
    if (l) candidates.push_back(std::move(*l));
  }
  const std::vector<Lowering> lowered = safe_lowerings(graph, index, std::move(candidates));
  if (lowered.empty()) return 0;
  std::set<size_t> gone;
  for (const Lowering& l : lowered) {
    rewrite(graph, l);
    if (l.quantize_node != kNone) gone.insert(l.quantize_node);
  }
  // The DequantizeLinears read past go when nothing else reads what they write.
  const GraphIndex after(graph);
  for (const Lowering& l : lowered)
    for (size_t d : l.dequantize_nodes) {
      const int out = graph.nodes[d].outputs[0];
      bool read = after.outputs.count(out) != 0;
      for (const auto& [k, i] : after.read_by(out)) read = read || gone.count(k) == 0;
      if (!read) gone.insert(d);
    }
  for (auto it = gone.rbegin(); it != gone.rend(); ++it)
    graph.nodes.erase(graph.nodes.begin() + static_cast<std::ptrdiff_t>(*it));
  return static_cast<int>(lowered.size());
}

}  // namespace outpost
