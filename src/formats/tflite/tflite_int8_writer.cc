#include "formats/tflite/tflite_int8_writer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <numeric>
#include <set>
#include <unordered_map>

#include "core/float16.h"
#include "formats/int8_weights.h"
#include "formats/tflite/tflite_ops.h"
#include "formats/tflite/tflite_schema.h"

namespace outpost::tflite {
namespace {

enum Code : int32_t {
  kAdd = 0, kAveragePool = 1, kConcatenation = 2, kConv = 3, kDepthwise = 4, kDequantize = 6, kLogistic = 14,
  kMaxPool = 17, kMul = 18, kRelu = 19, kRelu6 = 21, kReshape = 22, kResizeBilinear = 23, kPad = 34,
  kQuantize = 114, kHardSwish = 117,
};

// The operator versions whose kernels take int8 (TFLite registers each builtin for a range of
// versions; the converter writes these for int8 models).
int32_t int8_version(int32_t code) {
  switch (code) {
    case kConv:
    case kDepthwise: return 3;
    case kAdd:
    case kConcatenation:
    case kMaxPool:
    case kAveragePool:
    case kPad:
    case kRelu:
    case kRelu6:
    case kMul:
    case kResizeBilinear:
    case kLogistic:
    case kDequantize: return 2;
    default: return 1;
  }
}

// Operators whose int8 kernels need the same parameters on their (first) input and output.
bool ties_input_and_output(int32_t code) {
  return code == kMaxPool || code == kAveragePool || code == kReshape || code == kPad || code == kResizeBilinear;
}

bool supported(int32_t code) {
  static const std::set<int32_t> codes = {kAdd,  kAveragePool, kConcatenation, kConv, kDepthwise, kDequantize,
                                          kLogistic, kMaxPool, kMul, kRelu, kRelu6, kReshape, kResizeBilinear, kPad,
                                          kHardSwish};
  return codes.count(code) > 0;
}

bool is_constant(const ModelData& m, const TensorData& t) { return t.buffer > 0 && !m.buffers[t.buffer].empty(); }

struct UnionFind {
  std::unordered_map<int32_t, int32_t> parent;
  int32_t find(int32_t x) {
    auto it = parent.find(x);
    if (it == parent.end()) return parent[x] = x;
    if (it->second == x) return x;
    return it->second = find(it->second);
  }
  void tie(int32_t a, int32_t b) { parent[find(a)] = find(b); }
};

// Where each tensor comes from: the operator that writes it.
std::unordered_map<int32_t, size_t> producers(const SubgraphData& g) {
  std::unordered_map<int32_t, size_t> p;
  for (size_t k = 0; k < g.operators.size(); ++k)
    for (int32_t o : g.operators[k].outputs)
      if (o >= 0) p[o] = k;
  return p;
}

std::string op_text(const ModelData& m, const OperatorData& op, size_t k) {
  return builtin_name(m.codes[op.opcode_index].builtin) + " (operator " + std::to_string(k) + ")";
}

// The DEQUANTIZE operators of constant float16 tensors (MediaPipe's weights).
std::set<size_t> weight_dequantizes(const ModelData& m) {
  const SubgraphData& g = m.subgraphs[0];
  std::set<size_t> found;
  for (size_t k = 0; k < g.operators.size(); ++k) {
    const OperatorData& op = g.operators[k];
    if (m.codes[op.opcode_index].builtin != kDequantize || op.inputs.size() != 1 || op.inputs[0] < 0 ||
        op.outputs.size() != 1)
      continue;
    const TensorData& in = g.tensors[static_cast<size_t>(op.inputs[0])];
    if (in.type == kTfFloat16 && is_constant(m, in)) found.insert(k);
  }
  return found;
}

// The float values of a weight operand: a float32 constant, or a float16 one behind a folded
// DEQUANTIZE (`p`: producers(), made once for every operand).
Result<std::vector<float>> weight_values(const ModelData& m, const std::unordered_map<int32_t, size_t>& p,
                                         int32_t tensor, const std::string& where) {
  const SubgraphData& g = m.subgraphs[0];
  const TensorData* t = &g.tensors[static_cast<size_t>(tensor)];
  auto it = p.find(tensor);
  if (it != p.end()) {
    const OperatorData& op = g.operators[it->second];
    if (m.codes[op.opcode_index].builtin != kDequantize || op.inputs.empty() || op.inputs[0] < 0)
      return unsupported(where + ": its weights are computed");
    t = &g.tensors[static_cast<size_t>(op.inputs[0])];
  }
  if (!is_constant(m, *t)) return unsupported(where + ": its weights are not a constant");
  const std::vector<uint8_t>& bytes = m.buffers[t->buffer];
  const size_t element = t->type == kTfFloat32 ? 4 : t->type == kTfFloat16 ? 2 : 0;
  if (element == 0) return unsupported(where + ": its weights are neither float32 nor float16");
  // The shape's element count, checked against the buffer before anything is allocated (a
  // hostile file's shape may claim billions of elements, or negative ones).
  size_t count = 1;
  for (int32_t d : t->shape) {
    if (d <= 0 || count > bytes.size()) return invalid_model(where + ": its weights' shape does not match their data");
    count *= static_cast<size_t>(d);
  }
  if (count * element != bytes.size()) return invalid_model(where + ": its weights' shape does not match their data");
  std::vector<float> values(count);
  if (element == 4) {
    std::memcpy(values.data(), bytes.data(), bytes.size());
  } else {
    for (size_t i = 0; i < values.size(); ++i) {
      uint16_t h;
      std::memcpy(&h, bytes.data() + 2 * i, 2);
      values[i] = half_to_float(h);
    }
  }
  return values;
}

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& v) {
  std::vector<uint8_t> b(v.size() * sizeof(T));
  if (!b.empty()) std::memcpy(b.data(), v.data(), b.size());
  return b;
}

void set_params(TensorData& t, const QuantParams& p) {
  t.type = kTfInt8;
  t.scale = {p.scale[0]};
  t.zero_point = {p.zero_point[0]};
  t.quantized_dimension = 0;
}

// Drops the tensors and buffers nothing refers to any more (the float weights the int8 ones
// replace), renumbering the rest.
void compact(ModelData& m) {
  SubgraphData& g = m.subgraphs[0];
  std::vector<bool> used(g.tensors.size(), false);
  auto mark = [&](int32_t t) {
    if (t >= 0) used[static_cast<size_t>(t)] = true;
  };
  for (const auto& op : g.operators) {
    for (int32_t t : op.inputs) mark(t);
    for (int32_t t : op.outputs) mark(t);
  }
  for (int32_t t : g.inputs) mark(t);
  for (int32_t t : g.outputs) mark(t);
  for (const auto& s : m.signatures)
    for (const auto* maps : {&s.inputs, &s.outputs})
      for (const auto& [name, t] : *maps) mark(static_cast<int32_t>(t));
  std::vector<int32_t> renumber(g.tensors.size(), -1);
  std::vector<TensorData> kept;
  for (size_t t = 0; t < g.tensors.size(); ++t)
    if (used[t]) {
      renumber[t] = static_cast<int32_t>(kept.size());
      kept.push_back(std::move(g.tensors[t]));
    }
  g.tensors = std::move(kept);
  auto remap = [&](int32_t& t) {
    if (t >= 0) t = renumber[static_cast<size_t>(t)];
  };
  for (auto& op : g.operators) {
    for (int32_t& t : op.inputs) remap(t);
    for (int32_t& t : op.outputs) remap(t);
  }
  for (int32_t& t : g.inputs) remap(t);
  for (int32_t& t : g.outputs) remap(t);
  for (auto& s : m.signatures)
    for (auto* maps : {&s.inputs, &s.outputs})
      for (auto& [name, t] : *maps) t = static_cast<uint32_t>(renumber[t]);
  // Buffers: 0 stays; those of kept tensors and metadata stay.
  std::vector<bool> buffer_used(m.buffers.size(), false);
  buffer_used[0] = true;
  for (const auto& t : g.tensors) buffer_used[t.buffer] = true;
  for (const auto& [name, b] : m.metadata) buffer_used[b] = true;
  std::vector<uint32_t> buffer_renumber(m.buffers.size(), 0);
  std::vector<std::vector<uint8_t>> buffers;
  for (size_t b = 0; b < m.buffers.size(); ++b)
    if (buffer_used[b]) {
      buffer_renumber[b] = static_cast<uint32_t>(buffers.size());
      buffers.push_back(std::move(m.buffers[b]));
    }
  m.buffers = std::move(buffers);
  for (auto& t : g.tensors) t.buffer = buffer_renumber[t.buffer];
  for (auto& [name, b] : m.metadata) b = buffer_renumber[b];
}

// The options field of the fused activation of `code`, or -1 when it has none we fuse into.
int fused_activation_field(int32_t code) {
  switch (code) {
    case kAdd: return 0;
    case kConv: return 3;
    case kDepthwise: return 4;
    default: return -1;
  }
}

}  // namespace

int fuse_activations(ModelData& m) {
  int fused = 0;
  for (SubgraphData& g : m.subgraphs) {
    std::unordered_map<int32_t, std::vector<size_t>> readers;
    for (size_t k = 0; k < g.operators.size(); ++k)
      for (int32_t t : g.operators[k].inputs)
        if (t >= 0) readers[t].push_back(k);
    const std::set<int32_t> outputs(g.outputs.begin(), g.outputs.end());
    std::set<size_t> removed;
    for (size_t k = 0; k < g.operators.size(); ++k) {
      OperatorData& op = g.operators[k];
      const int field = fused_activation_field(m.codes[op.opcode_index].builtin);
      if (field < 0 || op.outputs.size() != 1 || op.options_type == 0 || static_cast<size_t>(field) >= op.options.size())
        continue;
      OptionFieldData& activation = op.options[static_cast<size_t>(field)];
      if (activation.present && activation.bits != kActNone) continue;
      const int32_t t = op.outputs[0];
      const auto& r = readers[t];
      if (outputs.count(t) || r.size() != 1) continue;
      const OperatorData& act = g.operators[r[0]];
      const int32_t code = m.codes[act.opcode_index].builtin;
      if ((code != kRelu && code != kRelu6) || act.outputs.size() != 1) continue;
      activation.present = true;
      activation.bits = code == kRelu ? kActRelu : kActRelu6;
      op.outputs[0] = act.outputs[0];
      removed.insert(r[0]);
      ++fused;
    }
    std::vector<OperatorData> kept;
    for (size_t k = 0; k < g.operators.size(); ++k)
      if (!removed.count(k)) kept.push_back(std::move(g.operators[k]));
    g.operators = std::move(kept);
  }
  return fused;
}

std::string activation_output_name(int32_t tensor) { return "activation:" + std::to_string(tensor); }

Result<Int8Analysis> analyse_tflite_for_int8(const ModelData& m, const std::string& source) {
  if (m.subgraphs.size() != 1)
    return unsupported(source + ": " + std::to_string(m.subgraphs.size()) +
                       " subgraphs; int8 rewriting takes models of one (no control flow)");
  const SubgraphData& g = m.subgraphs[0];
  for (const TensorData& t : g.tensors)
    if ((t.type == kTfInt8 || t.type == kTfUInt8 || t.type == kTfInt16) && !t.scale.empty())
      return unsupported(source + ": the model is quantized already (tensor '" + t.name +
                         "' holds quantized values); optimize it from its float original");
  const std::set<size_t> folded = weight_dequantizes(m);
  std::set<int32_t> weight_slots;  // tensors read as a convolution's weights or bias
  for (const auto& op : g.operators) {
    const int32_t code = m.codes[op.opcode_index].builtin;
    if (code == kConv || code == kDepthwise)
      for (size_t i = 1; i < op.inputs.size() && i < 3; ++i)
        if (op.inputs[i] >= 0) weight_slots.insert(op.inputs[i]);
  }
  Int8Analysis a;
  UnionFind groups;
  std::set<int32_t> logistic_outputs;
  auto is_activation = [&](int32_t t) {
    if (t < 0 || weight_slots.count(t)) return false;
    const TensorData& d = g.tensors[static_cast<size_t>(t)];
    return d.type == kTfFloat32 && !is_constant(m, d);
  };
  for (size_t k = 0; k < g.operators.size(); ++k) {
    const OperatorData& op = g.operators[k];
    const int32_t code = m.codes[op.opcode_index].builtin;
    const std::string where = source + ": " + op_text(m, op, k);
    if (!m.codes[op.opcode_index].custom.empty() || !supported(code))
      return unsupported(where + ": int8 rewriting does not take this operator yet");
    if (op.inputs.empty() || op.inputs[0] < 0 || op.outputs.size() != 1 ||
        ((code == kConv || code == kDepthwise) && (op.inputs.size() < 2 || op.inputs[1] < 0)))
      return invalid_model(where + ": it lacks an operand it needs, or has more than one output");
    if (code == kDequantize) {
      if (!folded.count(k)) return unsupported(where + ": a DEQUANTIZE of something other than float16 weights");
      for (int32_t o : op.outputs)
        if (!weight_slots.count(o)) return unsupported(where + ": float16 constants read by other operators than a convolution");
      continue;
    }
    std::vector<int32_t> activations;
    for (size_t i = 0; i < op.inputs.size(); ++i) {
      const int32_t t = op.inputs[i];
      if (t < 0 || weight_slots.count(t)) continue;
      const TensorData& d = g.tensors[static_cast<size_t>(t)];
      if (d.type == kTfFloat32 && is_constant(m, d))
        return unsupported(where + ": a float constant operand ('" + d.name + "'); int8 rewriting takes them as "
                           "convolution weights only");
      if (is_activation(t)) activations.push_back(t);
    }
    for (int32_t t : op.outputs)
      if (is_activation(t)) activations.push_back(t);
    for (int32_t t : activations) groups.find(t);
    if ((ties_input_and_output(code) || code == kConcatenation) && activations.size() >= 2)
      for (size_t i = 1; i < activations.size(); ++i) groups.tie(activations[0], activations[i]);
    if (code == kConv || code == kDepthwise) ++a.convolutions;
    if (code == kLogistic) logistic_outputs.insert(op.outputs[0]);
    a.quantized_ops.push_back(op_text(m, op, k));
  }
  for (int32_t t : g.inputs)
    if (is_activation(t)) groups.find(t);
  std::map<int32_t, std::vector<int32_t>> by_root;
  for (const auto& [t, parent] : groups.parent) by_root[groups.find(t)].push_back(t);
  for (auto& [root, members] : by_root) {
    std::sort(members.begin(), members.end());
    std::optional<QuantParams> fixed;
    for (int32_t t : members)
      if (logistic_outputs.count(t)) {
        fixed = QuantParams{};
        fixed->scale = {1.0f / 256.0f};
        fixed->zero_point = {-128};
      }
    a.tied.push_back(members);
    a.fixed.push_back(fixed);
  }
  if (a.convolutions == 0) return unsupported(source + ": no convolution to quantize");
  return a;
}

Result<std::string> tflite_with_activation_outputs(ModelData m, const Int8Analysis& analysis) {
  SubgraphData& g = m.subgraphs[0];
  std::set<int32_t> outputs(g.outputs.begin(), g.outputs.end());
  const std::set<int32_t> inputs(g.inputs.begin(), g.inputs.end());
  for (const auto& group : analysis.tied)
    for (int32_t t : group) {
      g.tensors[static_cast<size_t>(t)].name = activation_output_name(t);
      if (!outputs.count(t) && !inputs.count(t)) {
        g.outputs.push_back(t);
        outputs.insert(t);
      }
    }
  m.signatures.clear();
  return write_model_data(m);
}

Result<std::string> write_tflite_int8(ModelData m, const Int8Analysis& analysis,
                                      const std::vector<QuantParams>& group_params, Int8WriteSummary* summary) {
  if (group_params.size() != analysis.tied.size())
    return internal_error("int8 rewriting: " + std::to_string(group_params.size()) + " parameter pairs for " +
                          std::to_string(analysis.tied.size()) + " groups of activations");
  SubgraphData& g = m.subgraphs[0];
  std::map<int32_t, QuantParams> params;
  for (size_t k = 0; k < analysis.tied.size(); ++k)
    for (int32_t t : analysis.tied[k]) params[t] = group_params[k];
  const std::set<size_t> folded = weight_dequantizes(m);
  Int8WriteSummary s;
  s.folded_dequantize = static_cast<int>(folded.size());

  // Convolutions' weights and biases, read before anything is renumbered.
  struct NewWeights {
    size_t op;
    int32_t weight_tensor, bias_tensor = -1;
  };
  std::vector<NewWeights> replaced;
  const auto producer = producers(g);
  for (size_t k = 0; k < g.operators.size(); ++k) {
    OperatorData& op = g.operators[k];
    const int32_t code = m.codes[op.opcode_index].builtin;
    if (code != kConv && code != kDepthwise) continue;
    const std::string where = op_text(m, op, k);
    const TensorData& w = g.tensors[static_cast<size_t>(op.inputs[1])];
    const int axis = code == kConv ? 0 : 3;
    OUTPOST_ASSIGN_OR_RETURN(std::vector<float> wv, weight_values(m, producer, op.inputs[1], where));
    const std::vector<int64_t> dims(w.shape.begin(), w.shape.end());
    if (dims.size() != 4) return unsupported(where + ": weights of rank " + std::to_string(dims.size()));
    int64_t elements = 1;
    bool positive = true;
    for (int64_t d : dims) {
      positive = positive && d > 0 && d <= static_cast<int64_t>(wv.size());
      if (positive) elements *= d;
    }
    if (!positive || static_cast<size_t>(elements) != wv.size())
      return invalid_model(where + ": its weights' shape differs from the constant they come from");
    Int8Weights q = quantize_int8_weights(wv.data(), dims, axis);
    TensorData qw;
    qw.shape = w.shape;
    qw.type = kTfInt8;
    qw.name = w.name + "_int8";
    qw.scale = q.scales;
    qw.zero_point.assign(q.scales.size(), 0);
    qw.quantized_dimension = axis;
    qw.buffer = m.add_buffer(bytes_of(q.values));
    g.tensors.push_back(qw);
    NewWeights n{k, static_cast<int32_t>(g.tensors.size() - 1)};
    if (op.inputs.size() > 2 && op.inputs[2] >= 0) {
      const TensorData& b = g.tensors[static_cast<size_t>(op.inputs[2])];
      OUTPOST_ASSIGN_OR_RETURN(std::vector<float> bv, weight_values(m, producer, op.inputs[2], where));
      if (bv.size() != q.scales.size()) return unsupported(where + ": a bias of another length than its channels");
      const auto in = params.find(op.inputs[0]);
      if (in == params.end()) return internal_error(where + ": its input has no parameters");
      TensorData qb;
      qb.shape = b.shape;
      qb.type = kTfInt32;
      qb.name = b.name + "_int32";
      std::vector<int32_t> values(bv.size());
      for (size_t c = 0; c < bv.size(); ++c) {
        const double scale = static_cast<double>(in->second.scale[0]) * q.scales[c];
        qb.scale.push_back(static_cast<float>(scale));
        const double v = std::nearbyint(bv[c] / scale);
        values[c] = std::isfinite(v) ? static_cast<int32_t>(std::clamp<double>(v, INT32_MIN, INT32_MAX)) : 0;
      }
      qb.zero_point.assign(bv.size(), 0);
      qb.buffer = m.add_buffer(bytes_of(values));
      g.tensors.push_back(qb);
      n.bias_tensor = static_cast<int32_t>(g.tensors.size() - 1);
    }
    replaced.push_back(n);
  }
  for (const auto& n : replaced) {
    g.operators[n.op].inputs[1] = n.weight_tensor;
    if (n.bias_tensor >= 0) g.operators[n.op].inputs[2] = n.bias_tensor;
  }

  // Graph inputs and outputs stay float: a QUANTIZE makes an input's int8 copy, which every reader
  // reads; an output's writer writes an int8 copy that a DEQUANTIZE reads.
  std::vector<OperatorData> head, tail;
  std::map<int32_t, int32_t> rename;
  auto int8_copy = [&](int32_t t) {
    TensorData q = g.tensors[static_cast<size_t>(t)];
    q.name += "_int8";
    set_params(q, params[t]);
    g.tensors.push_back(q);
    return rename[t] = static_cast<int32_t>(g.tensors.size() - 1);
  };
  auto convert = [&](int32_t code, int32_t version, int32_t from, int32_t to) {
    OperatorData op;
    op.opcode_index = m.code_index(code, version);
    op.inputs = {from};
    op.outputs = {to};
    return op;
  };
  for (int32_t t : g.inputs)
    if (params.count(t)) head.push_back(convert(kQuantize, 1, t, int8_copy(t)));
  for (int32_t t : g.outputs)
    if (params.count(t)) tail.push_back(convert(kDequantize, 2, int8_copy(t), t));
  // Every other activation becomes int8 in place.
  const std::set<int32_t> boundary(g.inputs.begin(), g.inputs.end());
  const std::set<int32_t> outputs(g.outputs.begin(), g.outputs.end());
  for (const auto& [t, p] : params)
    if (!boundary.count(t) && !outputs.count(t)) set_params(g.tensors[static_cast<size_t>(t)], p);

  std::vector<OperatorData> ops = std::move(head);
  for (size_t k = 0; k < g.operators.size(); ++k) {
    if (folded.count(k)) continue;
    OperatorData op = g.operators[k];
    for (int32_t& t : op.inputs)
      if (rename.count(t)) t = rename[t];
    for (int32_t& t : op.outputs)
      if (rename.count(t)) t = rename[t];
    auto& code = m.codes[op.opcode_index];
    code.version = std::max(code.version, int8_version(code.builtin));
    ops.push_back(std::move(op));
    ++s.quantized_operators;
  }
  for (auto& op : tail) ops.push_back(std::move(op));
  g.operators = std::move(ops);
  compact(m);
  if (summary) *summary = s;
  return write_model_data(m);
}

}  // namespace outpost::tflite
