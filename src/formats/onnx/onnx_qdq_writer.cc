#include "formats/onnx/onnx_qdq_writer.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstring>
#include <exception>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include "formats/int8_weights.h"
#include "formats/onnx/onnx_graph_index.h"
#include "formats/onnx/onnx_tensor.h"

namespace outpost {
namespace {

constexpr int kFloat = onnx::TensorProto::FLOAT;

bool is_quantized_op(const std::string& op) {
  static const std::unordered_set<std::string> ops = {
      "QuantizeLinear", "DequantizeLinear", "DynamicQuantizeLinear", "QLinearConv", "QLinearMatMul",
      "ConvInteger",    "MatMulInteger"};
  return ops.count(op) > 0;
}

using GraphIndex = OnnxGraphIndex;

// The float value of a scalar constant input (an initializer or a Constant node's), if it is one.
std::optional<float> scalar_constant(const onnx::GraphProto& g, const GraphIndex& index, const std::string& name) {
  const onnx::TensorProto* t = index.initializer(name);
  if (!t) {
    auto p = index.producer.find(name);
    if (p == index.producer.end()) return std::nullopt;
    const auto& n = g.node(static_cast<int>(p->second));
    if (n.op_type() != "Constant") return std::nullopt;
    for (const auto& a : n.attribute())
      if (a.name() == "value" && a.has_t()) t = &a.t();
    if (!t) return std::nullopt;
  }
  auto tensor = onnx_tensor_to_tensor(*t, name);
  if (!tensor.is_ok() || tensor->dtype() != DType::kFloat32 || tensor->num_elements() != 1) return std::nullopt;
  return tensor->data_as<float>()[0];
}

float float_attribute(const onnx::NodeProto& n, const std::string& name, float fallback) {
  for (const auto& a : n.attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::FLOAT) return a.f();
  return fallback;
}

int64_t int_attribute(const onnx::NodeProto& n, const std::string& name, int64_t fallback) {
  for (const auto& a : n.attribute())
    if (a.name() == name && a.type() == onnx::AttributeProto::INT) return a.i();
  return fallback;
}

// A Relu, or a Clip that never clips below 0, as the only reader of `output`: the quantized node
// can write its result, the QuantizeLinear's clamp doing what it did.
const onnx::NodeProto* absorbable_activation(const onnx::GraphProto& g, const GraphIndex& index,
                                             const std::string& output, int64_t opset) {
  if (index.graph_outputs.count(output)) return nullptr;
  const auto& readers = index.readers(output);
  if (readers.size() != 1) return nullptr;
  const auto& n = g.node(static_cast<int>(readers[0]));
  if (!onnx_default_domain(n.domain()) || n.output_size() != 1 || n.input(0) != output) return nullptr;
  if (n.op_type() == "Relu") return &n;
  if (n.op_type() != "Clip") return nullptr;
  std::optional<float> low;
  if (opset < 11) {
    low = float_attribute(n, "min", -INFINITY);
  } else if (n.input_size() < 2 || n.input(1).empty()) {
    low = -INFINITY;
  } else {
    low = scalar_constant(g, index, n.input(1));
  }
  return low && *low <= 0 ? &n : nullptr;
}

// Why a Conv, Gemm or MatMul cannot have int8 weights ("" when it can), filling `q`.
std::string quantizable(const onnx::GraphProto& g, const GraphIndex& index, const onnx::NodeProto& n,
                        OnnxQdqNode& q) {
  if (n.input_size() < 2 || n.output_size() < 1) return "it has too few inputs or outputs";
  if (index.initializer(n.input(0))) return "its input is a constant";
  const onnx::TensorProto* w = index.initializer(n.input(1));
  if (!w) return "its weights are not a constant of the model (an initializer)";
  if (w->data_type() != kFloat) return "its weights are not float32";
  if (w->data_location() == onnx::TensorProto::EXTERNAL) return "its weights are in an external data file";
  q.input = n.input(0);
  q.weight = n.input(1);
  q.output = n.output(0);
  q.own_output = n.output(0);
  const int rank = w->dims_size();
  if (n.op_type() == "Conv") {
    if (rank < 3) return "its weights have rank " + std::to_string(rank);
    q.weight_axis = 0;
    if (n.input_size() > 2 && !n.input(2).empty()) {
      const onnx::TensorProto* b = index.initializer(n.input(2));
      if (b && b->data_type() == kFloat && b->dims_size() == 1 && b->dims(0) == w->dims(0)) q.bias = n.input(2);
    }
  } else if (n.op_type() == "Gemm") {
    if (rank != 2) return "its weights have rank " + std::to_string(rank);
    q.weight_axis = int_attribute(n, "transB", 0) ? 0 : 1;
    const bool plain = float_attribute(n, "alpha", 1) == 1 && float_attribute(n, "beta", 1) == 1;
    if (plain && n.input_size() > 2 && !n.input(2).empty()) {
      const onnx::TensorProto* c = index.initializer(n.input(2));
      if (c && c->data_type() == kFloat && c->dims_size() == 1 && c->dims(0) == w->dims(q.weight_axis))
        q.bias = n.input(2);
    }
  } else {  // MatMul: B [K, N] has N output channels; a batched B is quantized per tensor
    q.weight_axis = rank == 2 ? 1 : -1;
  }
  (void)g;
  return "";
}

void add_activation(OnnxQdqAnalysis& a, std::unordered_set<std::string>& seen, const std::string& name) {
  if (seen.insert(name).second) a.activations.push_back(name);
}

// Names of every tensor the graph (and its subgraphs) mentions, so new names never collide.
void collect_names(const onnx::GraphProto& g, std::unordered_set<std::string>& names) {
  for (const auto& t : g.initializer()) names.insert(t.name());
  for (const auto& i : g.input()) names.insert(i.name());
  for (const auto& o : g.output()) names.insert(o.name());
  for (const auto& v : g.value_info()) names.insert(v.name());
  for (const auto& n : g.node()) {
    for (const auto& s : n.input()) names.insert(s);
    for (const auto& s : n.output()) names.insert(s);
    for (const auto& a : n.attribute()) {
      if (a.has_g()) collect_names(a.g(), names);
      for (const auto& sub : a.graphs()) collect_names(sub, names);
    }
  }
}

// Whether any node of `g` or of its subgraphs reads `name`.
bool reads(const onnx::GraphProto& g, const std::string& name) {
  for (const auto& n : g.node()) {
    for (const auto& s : n.input())
      if (s == name) return true;
    for (const auto& a : n.attribute()) {
      if (a.has_g() && reads(a.g(), name)) return true;
      for (const auto& sub : a.graphs())
        if (reads(sub, name)) return true;
    }
  }
  return false;
}

class QdqRewrite {
 public:
  QdqRewrite(const onnx::ModelProto& model, const OnnxQdqAnalysis& analysis,
             const std::map<std::string, QuantParams>& params, const OnnxQdqOptions& options)
      : model_(model), analysis_(analysis), params_(params) {
    per_channel_ = options.per_channel && analysis.opset >= 13;
    collect_names(model.graph(), names_);
  }

  Result<std::string> run(OnnxQdqWriteSummary* summary) {
    const onnx::GraphProto& in = model_.graph();
    const GraphIndex index(in);
    for (const auto& name : analysis_.activations)
      if (!params_.count(name)) return internal_error("no quantization parameters for activation '" + name + "'");
    onnx::ModelProto out = model_;
    onnx::GraphProto& g = *out.mutable_graph();
    g.clear_node();

    // Which node each quantized node's changes apply to, and the activations absorbed.
    std::unordered_map<size_t, const OnnxQdqNode*> quantized;
    std::unordered_set<size_t> removed;
    for (const auto& q : analysis_.nodes) {
      quantized[q.index] = &q;
      if (!q.absorbed.empty()) removed.insert(index.readers(in.node(static_cast<int>(q.index)).output(0))[0]);
    }
    // Activations that are graph inputs: quantized first, and read through their DequantizeLinear.
    std::unordered_map<std::string, std::string> input_renames;
    for (const auto& name : analysis_.activations) {
      if (!analysis_.graph_inputs.count(name)) continue;
      const std::string dq = fresh(name + "_dequantized");
      add_qdq(g, name, name, dq);
      input_renames[name] = dq;
    }
    std::unordered_set<std::string> quantized_activations(analysis_.activations.begin(), analysis_.activations.end());
    for (int k = 0; k < in.node_size(); ++k) {
      const size_t idx = static_cast<size_t>(k);
      if (removed.count(idx)) continue;
      onnx::NodeProto node = in.node(k);
      for (auto& s : *node.mutable_input()) {
        auto r = input_renames.find(s);
        if (r != input_renames.end()) s = r->second;
      }
      auto q = quantized.find(idx);
      if (q != quantized.end()) OUTPOST_RETURN_IF_ERROR(rewrite_node(g, index, *q->second, node));
      // Each quantized activation this node writes: written under a new name that only the
      // QuantizeLinear reads, its DequantizeLinear writing the old one for every reader.
      std::vector<std::pair<std::string, std::string>> pairs;
      for (auto& s : *node.mutable_output()) {
        if (s.empty() || !quantized_activations.count(s)) continue;
        const std::string real = fresh(s + "_float");
        pairs.emplace_back(real, s);
        s = real;
      }
      *g.add_node() = node;
      for (const auto& [real, name] : pairs) add_qdq(g, real, name, name);
    }
    drop_unread(g, in, removed);
    if (summary) {
      summary->quantized_nodes = static_cast<int>(analysis_.nodes.size());
      summary->absorbed_activations = static_cast<int>(removed.size());
      summary->quantize_nodes = quantize_nodes_;
      summary->dequantize_nodes = dequantize_nodes_;
      summary->weights_per_channel = per_channel_;
    }
    std::string bytes;
    if (!out.SerializeToString(&bytes)) return internal_error("the quantized ONNX model could not be serialized");
    return bytes;
  }

 private:
  std::string fresh(const std::string& base) {
    std::string name = base;
    for (int n = 1; names_.count(name); ++n) name = base + "_" + std::to_string(n);
    names_.insert(name);
    return name;
  }

  onnx::TensorProto* add_initializer(onnx::GraphProto& g, const std::string& name, int type,
                                     const std::vector<int64_t>& dims, const void* data, size_t bytes) {
    onnx::TensorProto* t = g.add_initializer();
    t->set_name(name);
    t->set_data_type(type);
    for (int64_t d : dims) t->add_dims(d);
    t->set_raw_data(data, bytes);
    return t;
  }

  // QuantizeLinear(x) -> DequantizeLinear -> `dq_out`, int8 with the activation `param_name`'s
  // parameters. The Q/DQ nodes go first in the list for graph inputs, else right after `x`'s
  // producer (appended now, in order).
  void add_qdq(onnx::GraphProto& g, const std::string& x, const std::string& param_name, const std::string& dq_out) {
    const QuantParams& p = params_.at(param_name);
    const float scale = p.scale[0];
    const int8_t zero = static_cast<int8_t>(p.zero_point[0]);
    const std::string s = fresh(param_name + "_scale");
    const std::string z = fresh(param_name + "_zero_point");
    add_initializer(g, s, kFloat, {}, &scale, sizeof scale);
    add_initializer(g, z, onnx::TensorProto::INT8, {}, &zero, 1);
    const std::string quantized = fresh(param_name + "_quantized");
    add_node(g, "QuantizeLinear", {x, s, z}, quantized, -1);
    add_node(g, "DequantizeLinear", {quantized, s, z}, dq_out, -1);
    ++quantize_nodes_;
    ++dequantize_nodes_;
  }

  void add_node(onnx::GraphProto& g, const std::string& op, const std::vector<std::string>& inputs,
                const std::string& output, int axis) {
    onnx::NodeProto* n = g.add_node();
    n->set_op_type(op);
    n->set_name(fresh(output + "_" + op));
    for (const auto& i : inputs) n->add_input(i);
    n->add_output(output);
    if (axis >= 0) {
      onnx::AttributeProto* a = n->add_attribute();
      a->set_name("axis");
      a->set_type(onnx::AttributeProto::INT);
      a->set_i(axis);
    }
  }

  Status rewrite_node(onnx::GraphProto& g, const GraphIndex& index, const OnnxQdqNode& q, onnx::NodeProto& node) {
    OUTPOST_ASSIGN_OR_RETURN(const Weights* w, int8_weights(g, index, q));
    node.set_input(1, w->dequantized);
    if (!q.bias.empty()) {
      OUTPOST_ASSIGN_OR_RETURN(std::string bias, int32_bias(g, index, q, *w));
      node.set_input(2, bias);
    }
    if (!q.absorbed.empty()) node.set_output(0, q.output);
    return Status::ok();
  }

  struct Weights {
    std::string dequantized;
    std::vector<float> scales;  // per channel along axis, or one
    int axis = -1;
  };

  Result<const Weights*> int8_weights(onnx::GraphProto& g, const GraphIndex& index, const OnnxQdqNode& q) {
    auto done = weights_.find(q.weight);
    if (done != weights_.end()) return &done->second;
    OUTPOST_ASSIGN_OR_RETURN(Tensor w, onnx_tensor_to_tensor(*index.initializer(q.weight), q.weight));
    const int axis = per_channel_ ? q.weight_axis : -1;
    Int8Weights int8 = quantize_int8_weights(w.data_as<float>(), w.shape().dims(), axis);
    Weights out;
    out.axis = axis;
    out.scales = int8.scales;
    const std::string values = fresh(q.weight + "_quantized");
    const std::string scale = fresh(q.weight + "_scale");
    const std::string zero = fresh(q.weight + "_zero_point");
    add_initializer(g, values, onnx::TensorProto::INT8, w.shape().dims(), int8.values.data(), int8.values.size());
    const std::vector<int64_t> channel_dims =
        axis >= 0 ? std::vector<int64_t>{static_cast<int64_t>(int8.scales.size())} : std::vector<int64_t>{};
    add_initializer(g, scale, kFloat, channel_dims, int8.scales.data(), int8.scales.size() * sizeof(float));
    const std::vector<int8_t> zeros(int8.scales.size(), 0);
    add_initializer(g, zero, onnx::TensorProto::INT8, channel_dims, zeros.data(), zeros.size());
    out.dequantized = fresh(q.weight + "_dequantized");
    add_node(g, "DequantizeLinear", {values, scale, zero}, out.dequantized, axis >= 0 ? axis : -1);
    ++dequantize_nodes_;
    return &weights_.emplace(q.weight, std::move(out)).first->second;
  }

  // The bias as int32 at input scale x weight scale (zero point 0), which is how a quantized
  // convolution adds it, read through a DequantizeLinear.
  Result<std::string> int32_bias(onnx::GraphProto& g, const GraphIndex& index, const OnnxQdqNode& q, const Weights& w) {
    OUTPOST_ASSIGN_OR_RETURN(Tensor b, onnx_tensor_to_tensor(*index.initializer(q.bias), q.bias));
    const double input_scale = params_.at(q.input).scale[0];
    const size_t n = static_cast<size_t>(b.num_elements());
    std::vector<float> scales(w.scales.size() == 1 ? 1 : n);
    for (size_t c = 0; c < scales.size(); ++c) scales[c] = static_cast<float>(input_scale * w.scales[c]);
    std::vector<int32_t> values(n);
    for (size_t c = 0; c < n; ++c) {
      const double scaled = std::nearbyint(b.data_as<float>()[c] / static_cast<double>(scales[scales.size() == 1 ? 0 : c]));
      values[c] = std::isfinite(scaled) ? static_cast<int32_t>(std::clamp<double>(scaled, INT32_MIN, INT32_MAX)) : 0;
    }
    const std::string name = fresh(q.bias + "_quantized");
    const std::string scale = fresh(q.bias + "_quantized_scale");
    const std::string zero = fresh(q.bias + "_quantized_zero_point");
    add_initializer(g, name, onnx::TensorProto::INT32, {static_cast<int64_t>(n)}, values.data(), n * 4);
    const std::vector<int64_t> channel_dims =
        scales.size() > 1 ? std::vector<int64_t>{static_cast<int64_t>(n)} : std::vector<int64_t>{};
    add_initializer(g, scale, kFloat, channel_dims, scales.data(), scales.size() * sizeof(float));
    const std::vector<int32_t> zeros(scales.size(), 0);
    add_initializer(g, zero, onnx::TensorProto::INT32, channel_dims, zeros.data(), zeros.size() * 4);
    const std::string dq = fresh(q.bias + "_dequantized");
    add_node(g, "DequantizeLinear", {name, scale, zero}, dq, scales.size() > 1 ? 0 : -1);
    ++dequantize_nodes_;
    return dq;
  }

  // The float weights and biases now only the int8 copies stand for, and the bounds of the
  // activations absorbed (initializers, their graph-input entries, which models before IR
  // version 4 keep for every initializer, and Constant nodes), where nothing reads them any more.
  void drop_unread(onnx::GraphProto& g, const onnx::GraphProto& in, const std::unordered_set<size_t>& removed) {
    std::unordered_set<std::string> replaced;
    for (const auto& [name, w] : weights_) replaced.insert(name);
    for (const auto& q : analysis_.nodes)
      if (!q.bias.empty()) replaced.insert(q.bias);
    for (size_t k : removed)
      for (int i = 1; i < in.node(static_cast<int>(k)).input_size(); ++i) replaced.insert(in.node(static_cast<int>(k)).input(i));
    std::unordered_set<std::string> outputs;
    for (const auto& o : g.output()) outputs.insert(o.name());
    std::unordered_set<std::string> dropped;
    for (const auto& name : replaced)
      if (!name.empty() && !reads(g, name) && !outputs.count(name)) dropped.insert(name);
    auto gone = [&](const std::string& name) { return dropped.count(name) > 0; };
    auto* inits = g.mutable_initializer();
    inits->erase(std::remove_if(inits->begin(), inits->end(), [&](const onnx::TensorProto& t) { return gone(t.name()); }),
                 inits->end());
    auto* inputs = g.mutable_input();
    inputs->erase(std::remove_if(inputs->begin(), inputs->end(), [&](const onnx::ValueInfoProto& v) { return gone(v.name()); }),
                  inputs->end());
    auto* nodes = g.mutable_node();
    nodes->erase(std::remove_if(nodes->begin(), nodes->end(),
                                [&](const onnx::NodeProto& n) {
                                  return n.op_type() == "Constant" && n.output_size() == 1 && gone(n.output(0));
                                }),
                 nodes->end());
  }

  const onnx::ModelProto& model_;
  const OnnxQdqAnalysis& analysis_;
  const std::map<std::string, QuantParams>& params_;
  bool per_channel_ = false;
  std::unordered_set<std::string> names_;
  std::unordered_map<std::string, Weights> weights_;
  int quantize_nodes_ = 0;
  int dequantize_nodes_ = 0;
};

}  // namespace

Status parse_onnx_model(const std::string& bytes, const std::string& source, onnx::ModelProto& model) {
  try {
    if (bytes.size() > static_cast<size_t>(INT_MAX))
      return invalid_model(source + ": file is larger than 2 GiB, which a protobuf ModelProto cannot hold");
    if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())))
      return invalid_model(source + ": not a valid ONNX model: the protobuf is truncated or corrupt");
  } catch (const std::exception& e) {
    return invalid_model(source + ": reading the ONNX model failed: " + e.what());
  }
  return Status::ok();
}

Result<OnnxQdqAnalysis> analyse_onnx_for_qdq(const onnx::ModelProto& model, const std::set<std::string>& keep_float,
                                             const std::string& source) {
  OnnxQdqAnalysis a;
  a.opset = onnx_default_opset(model);
  if (a.opset < 10)
    return unsupported(source + ": opset " + std::to_string(a.opset) +
                       " has no QuantizeLinear (opset 10 and later have); convert the model to a newer opset first");
  const onnx::GraphProto& g = model.graph();
  const GraphIndex index(g);
  std::set<std::string> unmatched = keep_float;
  for (int k = 0; k < g.node_size(); ++k) {
    const auto& n = g.node(k);
    unmatched.erase(n.name());
    unmatched.erase(n.op_type());
    if (onnx_default_domain(n.domain()) && is_quantized_op(n.op_type()))
      return unsupported(source + ": the model is quantized already (" + onnx_node_text(n, static_cast<size_t>(k)) +
                         "); optimize it from its float original");
  }
  if (!unmatched.empty())
    return usage_error("--keep-float: " + source + " has no node or op type named '" + *unmatched.begin() + "'");
  std::unordered_set<std::string> seen;
  for (int k = 0; k < g.node_size(); ++k) {
    const auto& n = g.node(k);
    const std::string& op = n.op_type();
    if (!onnx_default_domain(n.domain()) || (op != "Conv" && op != "Gemm" && op != "MatMul")) continue;
    const std::string where = onnx_node_text(n, static_cast<size_t>(k));
    if (keep_float.count(n.name()) || keep_float.count(op)) {
      a.kept_float.push_back({where, "--keep-float"});
      continue;
    }
    OnnxQdqNode q;
    q.node = where;
    q.name = n.name();
    q.op = op;
    q.index = static_cast<size_t>(k);
    const std::string why = quantizable(g, index, n, q);
    if (!why.empty()) {
      a.kept_float.push_back({where, why});
      continue;
    }
    if (const onnx::NodeProto* act = absorbable_activation(g, index, q.output, a.opset)) {
      const size_t act_index = index.readers(q.output)[0];
      q.absorbed = onnx_node_text(*act, act_index);
      q.output = act->output(0);
    }
    add_activation(a, seen, q.input);
    add_activation(a, seen, q.output);
    if (index.graph_inputs.count(q.input)) a.graph_inputs.insert(q.input);
    a.nodes.push_back(std::move(q));
  }
  return a;
}

OnnxQdqAnalysis weights_only(OnnxQdqAnalysis analysis) {
  for (auto& q : analysis.nodes) {
    q.absorbed.clear();
    q.output = q.own_output;
    q.bias.clear();
  }
  analysis.activations.clear();
  analysis.graph_inputs.clear();
  return analysis;
}

Result<std::string> onnx_with_extra_outputs(const onnx::ModelProto& model, const std::vector<std::string>& names) {
  onnx::ModelProto out = model;
  onnx::GraphProto& g = *out.mutable_graph();
  const GraphIndex index(model.graph());
  for (const auto& name : names) {
    if (index.graph_outputs.count(name) || index.graph_inputs.count(name)) continue;
    onnx::ValueInfoProto* v = g.add_output();
    v->set_name(name);
    v->mutable_type()->mutable_tensor_type()->set_elem_type(kFloat);
  }
  std::string bytes;
  if (!out.SerializeToString(&bytes)) return internal_error("the calibration model could not be serialized");
  return bytes;
}

Result<std::string> write_onnx_qdq(const onnx::ModelProto& model, const OnnxQdqAnalysis& analysis,
                                   const std::map<std::string, QuantParams>& activation_params,
                                   const OnnxQdqOptions& options, OnnxQdqWriteSummary* summary) {
  try {
    QdqRewrite rewrite(model, analysis, activation_params, options);
    return rewrite.run(summary);
  } catch (const std::exception& e) {
    return internal_error(std::string("writing the quantized ONNX model failed: ") + e.what());
  }
}

}  // namespace outpost
