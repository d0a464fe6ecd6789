#include "ir/passes/channels_last.h"

#include <array>
#include <cstring>
#include <map>
#include <set>
#include <utility>
#include <vector>

#include "ir/channels_last.h"
#include "ir/constant_ints.h"
#include "ir/elementwise_ops.h"
#include "ir/int64_constant.h"
#include "ir/per_tensor_conversion.h"

namespace outpost {
namespace {

constexpr std::array<int64_t, 4> kToNhwc = {0, 2, 3, 1};
constexpr std::array<int64_t, 4> kToNchw = {0, 3, 1, 2};

Shape permuted(const Shape& s, const std::array<int64_t, 4>& perm) {
  return Shape({s[static_cast<size_t>(perm[0])], s[static_cast<size_t>(perm[1])],
                s[static_cast<size_t>(perm[2])], s[static_cast<size_t>(perm[3])]});
}

bool is_float_4d(const Value& v) { return v.dtype == DType::kFloat32 && v.shape.rank() == 4; }

// A uint8/int8 value with QuantParams: a Conv of such values (a lowered QLinearConv) may go
// channels-last too; the transposes around it copy the parameters with the value.
bool is_quantized_4d(const Value& v) {
  return (v.dtype == DType::kUInt8 || v.dtype == DType::kInt8) && !v.quant.empty() &&
         v.shape.rank() == 4;
}

// Layout-sensitive ops a backend may run channels-last: the node says so with its attribute.
bool is_layout_sensitive(OpKind op) {
  return op == OpKind::kConv || op == OpKind::kMaxPool || op == OpKind::kGlobalAveragePool;
}

class ChannelsLastPass {
 public:
  ChannelsLastPass(Graph& g, const RunsChannelsLast& runs) : g_(g), runs_(runs) {
    channels_last_.assign(g.values.size(), false);
    is_graph_output_.insert(g.outputs.begin(), g.outputs.end());
  }

  ChannelsLastStats run() {
    // The backends judge each node as imported, before any shape here changes.
    std::vector<bool> backend_takes(g_.nodes.size());
    for (size_t i = 0; i < g_.nodes.size(); ++i)
      backend_takes[i] = is_layout_sensitive(g_.nodes[i].op) && runs_(g_.nodes[i], g_);
    std::vector<Node> nodes = std::move(g_.nodes);
    g_.nodes.clear();
    count_readers(nodes);
    std::vector<bool> done(nodes.size(), false);  // rewritten ahead of their turn
    for (size_t i = 0; i < nodes.size(); ++i) {
      if (done[i]) continue;
      Node& node = nodes[i];
      if (rewrite_channel_shuffle(nodes, i, done)) continue;
      if (wants_channels_last(node, backend_takes[i]))
        convert(node);
      else if (is_transpose(node, kToNhwc) && channels_last(node.inputs[0]))
        node.op = OpKind::kIdentity;  // the model's own NCHW -> NHWC: the memory already is
      else if (is_spatial_mean(node) && channels_last(node.inputs[0]))
        node.attrs.set("axes", std::vector<int64_t>{1, 2});  // [N, H, W, C] -> [N, C] likewise
      else
        for (int& id : node.inputs)
          if (id != kNoValue && channels_last(id)) id = in_layout(id, false);
      for (int id : node.outputs) producer_[id] = g_.nodes.size();
      g_.nodes.push_back(std::move(node));
      restore_graph_outputs();
    }
    drop_unread_transposes();
    return stats_;
  }

 private:
  bool channels_last(int id) const {
    return static_cast<size_t>(id) < channels_last_.size() && channels_last_[static_cast<size_t>(id)];
  }

  // Whether a non-constant input is, or can cheaply be made, channels-last.
  bool any_input_channels_last(const Node& n) const {
    for (int id : n.inputs)
      if (id != kNoValue && channels_last(id)) return true;
    return false;
  }

  bool wants_channels_last(const Node& n, bool backend_takes) const {
    if (n.outputs.size() != 1 || n.inputs.empty() || n.inputs[0] == kNoValue) return false;
    if (is_channels_last(n)) return false;  // NHWC as imported (TFLite's): nothing to convert
    if (per_tensor_conversion(g_, n)) {
      // One scale and zero point for the whole tensor: elementwise, like a unary op (a QDQ
      // model's Quantize and Dequantize between its convolutions stay in their layout).
      return g_.value(n.inputs[0]).shape.rank() == 4 && channels_last(n.inputs[0]);
    }
    const bool quantized_conv = n.op == OpKind::kConv && is_quantized_4d(g_.value(n.inputs[0])) &&
                                is_quantized_4d(g_.value(n.outputs[0]));
    if (quantized_conv) return backend_takes;
    if (!is_float_4d(g_.value(n.outputs[0]))) return false;
    if (is_layout_sensitive(n.op)) {
      if (!is_float_4d(g_.value(n.inputs[0])) || !backend_takes) return false;
      // A convolution starts a channels-last region; a pool joins one (alone, its two
      // transposes would cost more than it saves).
      return n.op == OpKind::kConv || channels_last(n.inputs[0]);
    }
    if (is_elementwise_unary(n.op)) {
      // Clip's bounds and the like are scalars; only the data input has a layout.
      return channels_last(n.inputs[0]);
    }
    if (n.op == OpKind::kSlice) return slice_with_constant_operands(n) && channels_last(n.inputs[0]);
    if (is_elementwise_binary(n.op) || n.op == OpKind::kConcat) {
      for (int id : n.inputs) {
        if (id == kNoValue) return false;
        const Value& v = g_.value(id);
        if (v.dtype != DType::kFloat32) return false;
        if (v.is_constant() ? v.shape.rank() > 4 : v.shape.rank() != 4) return false;
        if (n.op == OpKind::kConcat && v.shape.rank() != 4) return false;
      }
      return any_input_channels_last(n);
    }
    return false;
  }

  void convert(Node& n) {
    ++stats_.nodes;
    if (is_layout_sensitive(n.op)) {
      n.attrs.set("channels_last", int64_t{1});
      n.inputs[0] = in_layout(n.inputs[0], true);  // weights and bias keep their layout
    } else if (is_elementwise_unary(n.op) || n.op == OpKind::kQuantize || n.op == OpKind::kDequantize) {
      n.inputs[0] = in_layout(n.inputs[0], true);  // a scale and zero point have no layout
    } else if (n.op == OpKind::kSlice) {
      remap_slice_axes(n);
    } else {
      for (int& id : n.inputs)
        id = g_.value(id).is_constant() ? permuted_constant(id) : in_layout(id, true);
      if (n.op == OpKind::kConcat) {
        int64_t axis = n.attrs.get_int("axis", 0);
        if (axis < 0) axis += 4;
        n.attrs.set("axis", kToNchw[static_cast<size_t>(axis)]);  // NCHW axis a is NHWC axis kToNchw[a]
      }
    }
    const int out = n.outputs[0];
    Value& v = g_.value(out);
    v.shape = permuted(v.shape, kToNhwc);
    set_channels_last(out);
  }

  // ONNX Slice (opset 10+) with constant starts, ends, axes and steps: only its axes name
  // dimensions, and those map to the NHWC ones.
  bool slice_with_constant_operands(const Node& n) const {
    if (n.inputs.size() < 3) return false;
    for (size_t k = 1; k < n.inputs.size(); ++k) {
      if (n.inputs[k] == kNoValue) continue;
      const Value& v = g_.value(n.inputs[k]);
      if (!v.is_constant() || (v.dtype != DType::kInt64 && v.dtype != DType::kInt32)) return false;
    }
    return n.inputs[1] != kNoValue && n.inputs[2] != kNoValue;
  }

  void remap_slice_axes(Node& n) {
    std::vector<int64_t> axes;
    if (n.inputs.size() > 3 && n.inputs[3] != kNoValue) {
      axes = constant_ints(g_.value(n.inputs[3]));
    } else {
      const size_t count = constant_ints(g_.value(n.inputs[1])).size();
      for (size_t a = 0; a < count; ++a) axes.push_back(static_cast<int64_t>(a));
    }
    for (int64_t& a : axes) a = kToNchw[static_cast<size_t>(a < 0 ? a + 4 : a)];
    if (n.inputs.size() < 4) n.inputs.resize(4, kNoValue);
    n.inputs[3] = add_int64_constant(g_.value(n.inputs[1]).name + "/nhwc_axes", axes);
  }

  int add_int64_constant(const std::string& name, const std::vector<int64_t>& ints) {
    return outpost::add_int64_constant(g_, name, ints);
  }

  void count_readers(const std::vector<Node>& nodes) {
    for (size_t i = 0; i < nodes.size(); ++i)
      for (int id : nodes[i].inputs)
        if (id != kNoValue) readers_[id].push_back(i);
    for (int id : g_.outputs) readers_[id].push_back(nodes.size());  // the graph's own read
  }

  // The only node that reads `id`, if one does (and the graph does not).
  const Node* sole_reader(const std::vector<Node>& nodes, int id) const {
    auto it = readers_.find(id);
    if (it == readers_.end() || it->second.size() != 1 || it->second[0] >= nodes.size()) return nullptr;
    return &nodes[it->second[0]];
  }

  // ShuffleNet's channel shuffle, Reshape [N, C, H, W] -> [N, g, C/g, H, W], Transpose
  // (0, 2, 1, 3, 4), Reshape back to [N, C, H, W], on a channels-last input: the same
  // permutation of channels is Reshape [N, H, W, C] -> [N, H, W, g, C/g], Transpose
  // (0, 1, 2, 4, 3), Reshape [N, H, W, C], and the result stays channels-last. The three nodes
  // are rewritten when the first one's turn comes.
  bool rewrite_channel_shuffle(std::vector<Node>& nodes, size_t i, std::vector<bool>& done) {
    Node& split = nodes[i];
    if (split.op != OpKind::kReshape || split.inputs.size() < 2 || !channels_last(split.inputs[0]))
      return false;
    // Copies: adding constants below may move the values.
    const Shape x = g_.value(split.inputs[0]).shape;  // [N, H, W, C]
    const Shape s = g_.value(split.outputs[0]).shape;
    if (s.rank() != 5 || s[0] != x[0] || s[1] * s[2] != x[3] || s[3] != x[1] || s[4] != x[2])
      return false;
    const Node* t = sole_reader(nodes, split.outputs[0]);
    if (t == nullptr || t->op != OpKind::kTranspose ||
        t->attrs.get_ints("perm") != std::vector<int64_t>{0, 2, 1, 3, 4})
      return false;
    const Node* merge = sole_reader(nodes, t->outputs[0]);
    if (merge == nullptr || merge->op != OpKind::kReshape || merge->inputs.size() < 2 ||
        stored_channels_last(g_.value(merge->outputs[0]).shape) != x)
      return false;
    if (is_graph_output_.count(merge->outputs[0])) return false;
    const int64_t n = x[0], h = x[1], w = x[2], groups = s[1], per_group = s[2];
    Node first = split, swap = *t, back = *merge;
    done[static_cast<size_t>(t - nodes.data())] = done[static_cast<size_t>(merge - nodes.data())] = true;
    first.inputs[1] = add_int64_constant(first.name + "/nhwc_shape", {n, h, w, groups, per_group});
    g_.value(first.outputs[0]).shape = Shape({n, h, w, groups, per_group});
    swap.attrs.set("perm", std::vector<int64_t>{0, 1, 2, 4, 3});
    g_.value(swap.outputs[0]).shape = Shape({n, h, w, per_group, groups});
    back.inputs[1] = add_int64_constant(back.name + "/nhwc_shape", {n, h, w, groups * per_group});
    g_.value(back.outputs[0]).shape = x;
    set_channels_last(back.outputs[0]);
    for (Node* r : {&first, &swap, &back}) {
      for (int id : r->outputs) producer_[id] = g_.nodes.size();
      g_.nodes.push_back(std::move(*r));
    }
    stats_.nodes += 3;
    return true;
  }

  // A 4-D NCHW shape as it would be stored channels-last.
  static Shape stored_channels_last(const Shape& nchw) {
    return nchw.rank() == 4 ? permuted(nchw, kToNhwc) : nchw;
  }

  void set_channels_last(int id) {
    if (static_cast<size_t>(id) >= channels_last_.size()) channels_last_.resize(static_cast<size_t>(id) + 1, false);
    channels_last_[static_cast<size_t>(id)] = true;
  }

  // ReduceMean over H and W to [N, C] (keepdims 0, axes as an attribute): ShuffleNet's pool.
  static bool is_spatial_mean(const Node& n) {
    if (n.op != OpKind::kReduceMean || n.inputs.size() != 1 || n.attrs.get_int("keepdims", 1) != 0)
      return false;
    std::vector<int64_t> axes = n.attrs.get_ints("axes");
    for (int64_t& a : axes) a = a < 0 ? a + 4 : a;
    return axes == std::vector<int64_t>{2, 3} || axes == std::vector<int64_t>{3, 2};
  }

  static bool is_transpose(const Node& n, const std::array<int64_t, 4>& perm) {
    return n.op == OpKind::kTranspose && n.inputs.size() == 1 &&
           n.attrs.get_ints("perm") == std::vector<int64_t>(perm.begin(), perm.end());
  }

  // `id` in the wanted layout: itself, the NHWC tensor the model itself transposed it from, or
  // the output of a Transpose made here once per direction.
  int in_layout(int id, bool want_channels_last) {
    if (channels_last(id) == want_channels_last) return id;
    auto& cache = want_channels_last ? to_nhwc_ : to_nchw_;
    if (auto it = cache.find(id); it != cache.end()) return it->second;
    if (want_channels_last) {
      // A model converted from TensorFlow starts with its own NHWC -> NCHW Transpose.
      auto p = producer_.find(id);
      if (p != producer_.end()) {
        const Node& t = g_.nodes[p->second];
        if (is_transpose(t, kToNchw) && !channels_last(t.inputs[0])) return cache[id] = t.inputs[0];
      }
    }
    const int converted = add_transpose(id, want_channels_last);
    cache[id] = converted;
    return converted;
  }

  int add_transpose(int id, bool to_channels_last) {
    Value v = g_.value(id);
    v.id = 0;
    v.producer = -1;
    v.name += to_channels_last ? "/nhwc" : "/nchw";
    v.shape = permuted(v.shape, to_channels_last ? kToNhwc : kToNchw);
    const int out = g_.add_value(std::move(v));
    if (to_channels_last) set_channels_last(out);
    push_transpose(id, out, to_channels_last ? kToNhwc : kToNchw);
    return out;
  }

  void push_transpose(int in, int out, const std::array<int64_t, 4>& perm) {
    Node t;
    t.op = OpKind::kTranspose;
    t.name = g_.value(out).name;
    t.inputs = {in};
    t.outputs = {out};
    t.attrs.set("perm", std::vector<int64_t>(perm.begin(), perm.end()));
    g_.nodes.push_back(std::move(t));
    ++stats_.transposes;
  }

  // A graph output must stay NCHW: its producer writes a channels-last twin, and a Transpose
  // writes the output itself.
  void restore_graph_outputs() {
    Node& last = g_.nodes.back();
    for (int& out : last.outputs) {
      if (!channels_last(out) || !is_graph_output_.count(out)) continue;
      const int graph_output = out;
      Value twin = g_.value(graph_output);
      twin.id = 0;
      twin.name += "/nhwc";
      const int nhwc = g_.add_value(std::move(twin));
      set_channels_last(nhwc);
      channels_last_[static_cast<size_t>(graph_output)] = false;
      Value& original = g_.value(graph_output);
      original.shape = permuted(original.shape, kToNchw);
      out = nhwc;
      to_nhwc_[graph_output] = nhwc;
      push_transpose(nhwc, graph_output, kToNchw);
      return;  // the nodes converted have one output
    }
  }

  // A constant operand of an elementwise node, broadcast against 4-D NCHW, as the same
  // broadcast against NHWC: right-aligned to rank 4, then permuted (data included).
  int permuted_constant(int id) {
    const Value& c = g_.value(id);
    if (c.shape.num_elements().value_or(0) <= 1) return id;
    if (auto it = permuted_constants_.find(id); it != permuted_constants_.end()) return it->second;
    std::vector<int64_t> dims(4 - c.shape.rank(), 1);
    for (int64_t d : c.shape.dims()) dims.push_back(d);
    const Shape nchw{std::vector<int64_t>(dims)};
    const Shape nhwc = permuted(nchw, kToNhwc);
    const size_t elem = dtype_size(c.dtype);
    std::vector<uint8_t> bytes(static_cast<size_t>(nchw.num_elements().value_or(0)) * elem);
    const uint8_t* src = c.constant.bytes;
    size_t o = 0;
    for (int64_t n = 0; n < nchw[0]; ++n)
      for (int64_t h = 0; h < nchw[2]; ++h)
        for (int64_t w = 0; w < nchw[3]; ++w)
          for (int64_t ch = 0; ch < nchw[1]; ++ch, o += elem) {
            const int64_t i = ((n * nchw[1] + ch) * nchw[2] + h) * nchw[3] + w;
            std::memcpy(bytes.data() + o, src + static_cast<size_t>(i) * elem, elem);
          }
    Value v;
    v.name = c.name + "/nhwc";
    v.dtype = c.dtype;
    v.shape = nhwc;
    v.quant = c.quant;
    set_owned_constant(v, std::move(bytes));
    const int out = g_.add_value(std::move(v));
    permuted_constants_[id] = out;
    return out;
  }

  // Transposes nothing reads any more (a model's own, made redundant above).
  void drop_unread_transposes() {
    std::set<int> read(g_.outputs.begin(), g_.outputs.end());
    for (const Node& n : g_.nodes) read.insert(n.inputs.begin(), n.inputs.end());
    std::vector<Node> kept;
    for (Node& n : g_.nodes) {
      if (n.op == OpKind::kTranspose && !read.count(n.outputs[0])) continue;
      kept.push_back(std::move(n));
    }
    g_.nodes = std::move(kept);
  }

  Graph& g_;
  const RunsChannelsLast& runs_;
  std::vector<bool> channels_last_;
  std::set<int> is_graph_output_;
  std::map<int, int> to_nhwc_, to_nchw_, permuted_constants_;
  std::map<int, size_t> producer_;  // value id -> index of its node in the rewritten list
  std::map<int, std::vector<size_t>> readers_;  // value id -> indices of the nodes reading it
  ChannelsLastStats stats_;
};

}  // namespace

ChannelsLastStats convert_to_channels_last(Graph& graph, const RunsChannelsLast& runs_channels_last) {
  return ChannelsLastPass(graph, runs_channels_last).run();
}

}  // namespace outpost
