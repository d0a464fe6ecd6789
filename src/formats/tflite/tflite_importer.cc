#include "formats/tflite/tflite_importer.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstring>
#include <vector>

#include "formats/tflite/tflite_builtin_rule.h"
#include "formats/tflite/tflite_importer_impl.h"
#include "formats/tflite/tflite_model.h"
#include "formats/tflite/tflite_operands.h"
#include "formats/tflite/tflite_ops.h"
#include "formats/tflite/tflite_schema.h"
#include "formats/tflite/tflite_signatures.h"
#include "ir/input_shapes.h"
#include "ir/unsupported_nodes.h"

namespace outpost::tflite {
namespace {

Result<DType> convert_type(int8_t type, const std::string& where) {
  switch (type) {
    case kTfFloat32: return DType::kFloat32;
    case kTfFloat16: return DType::kFloat16;
    case kTfInt32: return DType::kInt32;
    case kTfUInt8: return DType::kUInt8;
    case kTfInt64: return DType::kInt64;
    case kTfBool: return DType::kBool;
    case kTfInt16: return DType::kInt16;
    case kTfInt8: return DType::kInt8;
    case kTfFloat64: return DType::kFloat64;
    case kTfUInt16: return DType::kUInt16;
    case kTfUInt32: return DType::kUInt32;
    default: return unsupported(where + ": tensor type " + std::to_string(type) + " is not supported");
  }
}

std::string variable_refused(const std::string& where, int id, const Graph& g) {
  return where + ": tensor '" + g.value(id).name +
         "' is a variable (stateful) tensor; those are supported only as the state of "
         "the recurrent builtins (RNN, LSTM and their sequence forms) in the main subgraph";
}

std::string resource_refused(const std::string& where, int id, const Graph& g) {
  return where + ": tensor '" + g.value(id).name +
         "' is a resource (a variable's handle); only VAR_HANDLE, READ_VARIABLE and "
         "ASSIGN_VARIABLE of one subgraph take those";
}

}  // namespace

Result<Graph> Importer::run() {
  graph_.source = source_;
  nodes_ = &graph_.nodes;
  OUTPOST_ASSIGN_OR_RETURN(model_, verified_model(data_, size_, source_));
  const auto* subgraphs = model_->subgraphs();
  if (!subgraphs || subgraphs->size() == 0) return invalid_model(source_ + ": the model has no subgraph");
  OUTPOST_ASSIGN_OR_RETURN(const uint32_t index, choose_subgraph());
  const std::string subgraph = "subgraph " + std::to_string(index);
  const SubGraph* sg = subgraphs->Get(index);
  if (!sg->tensors()) return invalid_model(source_ + ": " + subgraph + " has no tensors");
  main_ = static_cast<int32_t>(index);
  scope_.sg = sg;
  scope_.index = main_;
  active_ = {main_};
  for (uint32_t i = 0; i < sg->tensors()->size(); ++i) OUTPOST_RETURN_IF_ERROR(import_tensor(*sg, i));
  scope_.count = graph_.values.size();
  if (!sg->inputs() || !sg->outputs() || sg->outputs()->size() == 0)
    return invalid_model(source_ + ": " + subgraph + " lacks inputs or outputs");
  for (int32_t t : *sg->inputs()) {
    OUTPOST_ASSIGN_OR_RETURN(int id, tensor_ref(t, "graph inputs"));
    if (id == kNoValue) return invalid_model(source_ + ": graph input index -1");
    if (is_variable(id)) return unsupported(variable_refused(source_, id, graph_));
    if (is_resource(id)) return unsupported(resource_refused(source_ + ": graph inputs", id, graph_));
    OUTPOST_RETURN_IF_ERROR(bind_input(*sg, t, id));
    graph_.inputs.push_back(id);
  }
  for (int32_t t : *sg->outputs()) {
    OUTPOST_ASSIGN_OR_RETURN(int id, tensor_ref(t, "graph outputs"));
    if (id == kNoValue) return invalid_model(source_ + ": graph output index -1");
    if (is_variable(id)) return unsupported(variable_refused(source_, id, graph_));
    if (is_resource(id)) return unsupported(resource_refused(source_ + ": graph outputs", id, graph_));
    graph_.outputs.push_back(id);
  }
  if (sg->operators())
    for (uint32_t i = 0; i < sg->operators()->size(); ++i) OUTPOST_RETURN_IF_ERROR(import_operator(*sg, i));
  if (unsupported_ops_.empty()) OUTPOST_RETURN_IF_ERROR(settle_variables());
  if (!unsupported_ops_.empty()) return unsupported_ops_.report(source_);
  if (chosen_) OUTPOST_RETURN_IF_ERROR(name_by_signature(*chosen_, *sg));
  OUTPOST_RETURN_IF_ERROR(graph_.validate());
  return std::move(graph_);
}

// The subgraph of the signature asked for (or of the first); subgraph 0 for a model without
// signatures.
Result<uint32_t> Importer::choose_subgraph() {
  OUTPOST_ASSIGN_OR_RETURN(signatures_, read_signatures(*model_, source_));
  OUTPOST_ASSIGN_OR_RETURN(chosen_, choose_signature(signatures_, signature_, source_));
  return chosen_ ? chosen_->subgraph : 0u;
}

// Gives the graph's inputs and outputs the signature's names, keeping the subgraph's order (the
// order TFLite's get_input_details() shows). A signature naming a tensor that is not one of its
// subgraph's inputs (or outputs) describes no way to run it.
Status Importer::name_by_signature(const TfliteSignature& signature, const SubGraph& sg) {
  const std::string where = source_ + ": signature '" + signature.key + "'";
  const auto rename = [&](const std::vector<SignatureTensor>& entries, const Vector<int32_t>& tensors,
                          const char* role) -> Status {
    for (const SignatureTensor& e : entries) {
      const auto it = std::find(tensors.begin(), tensors.end(), e.tensor);
      if (it == tensors.end())
        return invalid_model(where + ": its " + role + " '" + e.name + "' is tensor " + std::to_string(e.tensor) +
                             " ('" + graph_.value(e.tensor).name + "'), which is not an " + role + " of subgraph " +
                             std::to_string(signature.subgraph));
      graph_.value(e.tensor).name = e.name;
    }
    return Status::ok();
  };
  OUTPOST_RETURN_IF_ERROR(rename(signature.inputs, *sg.inputs(), "input"));
  return rename(signature.outputs, *sg.outputs(), "output");
}

// Records the input's signature (its shape_signature, where -1 marks a dimension that may vary,
// or its shape) and gives it the shape the caller bound, before any operator reads it.
Status Importer::bind_input(const SubGraph& sg, int32_t tensor, int id) {
  const Tensor& t = *sg.tensors()->Get(static_cast<flatbuffers::uoffset_t>(tensor));
  Value& v = graph_.value(id);
  Shape signature = v.shape;
  if (t.shape_signature() && t.shape_signature()->size() == v.shape.rank()) {
    std::vector<int64_t> dims;
    for (int32_t d : *t.shape_signature()) dims.push_back(d < 0 ? -1 : d);
    signature = Shape(dims);
  }
  const size_t index = graph_.inputs.size();
  graph_.input_signatures.push_back(signature);
  graph_.input_dim_names.emplace_back(signature.rank());
  if (index >= input_shapes_.size()) return Status::ok();
  OUTPOST_RETURN_IF_ERROR(check_input_shape(source_, v.name, signature,
                                            graph_.input_dim_names.back(), input_shapes_[index]));
  graph_.declared_shapes_stale = graph_.declared_shapes_stale || v.shape != input_shapes_[index];
  v.shape = input_shapes_[index];
  return Status::ok();
}

Result<int> Importer::tensor_ref(int32_t index, const std::string& where) const {
  if (index == -1) return kNoValue;
  // The subgraph's tensors only: constants added at import (settle_operands) come after them.
  if (index < 0 || static_cast<size_t>(index) >= scope_.count)
    return invalid_model(source_ + ": " + where + " refers to tensor " + std::to_string(index) +
                         ", but " + (in_main() ? std::string("the model") : "subgraph " + std::to_string(scope_.index)) +
                         " has " + std::to_string(scope_.count) + " tensors");
  const auto it = scope_.bound.find(index);
  return it != scope_.bound.end() ? it->second : scope_.base + index;
}

Status Importer::import_tensor(const SubGraph& sg, uint32_t index) {
  const Tensor& t = *sg.tensors()->Get(index);
  Value v;
  v.name = t.name() ? t.name()->str() : "tensor_" + std::to_string(index);
  const std::string where = source_ + ": " + subgraph_prefix() + "tensor " + std::to_string(index) +
                            " ('" + v.name + "')";
  const size_t id = graph_.values.size();
  variable_.resize(id + 1, false);
  resource_.resize(id + 1, false);
  if (t.type() == kTfResource) {
    // A variable's handle: VAR_HANDLE names the variable, READ_VARIABLE and ASSIGN_VARIABLE use
    // it (tflite_control_flow.cc). The value stands in for it and holds no data.
    v.dtype = DType::kInt32;
    resource_[id] = true;
    graph_.add_value(std::move(v));
    return Status::ok();
  }
  OUTPOST_ASSIGN_OR_RETURN(v.dtype, convert_type(t.type(), where));
  std::vector<int64_t> dims;
  if (t.shape()) {
    if (t.shape()->size() > 8) return unsupported(where + ": rank " + std::to_string(t.shape()->size()) + " exceeds 8");
    for (int32_t d : *t.shape()) {
      if (d < 0) return invalid_model(where + ": negative dimension " + std::to_string(d) + " in its shape");
      dims.push_back(d);
    }
  }
  v.shape = Shape(dims);
  if (!v.shape.num_elements() || *v.shape.num_elements() > (int64_t{1} << 34))
    return invalid_model(where + ": shape " + v.shape.to_string() + " is absurdly large");
  OUTPOST_RETURN_IF_ERROR(read_quantization(t, v, where));
  OUTPOST_RETURN_IF_ERROR(read_buffer(t, v, where));
  if (t.is_variable() && v.is_constant()) {
    // Converters may write a variable's zero start as data; any other start is refused.
    const uint8_t* b = v.constant.bytes;
    if (std::any_of(b, b + v.constant.size, [](uint8_t x) { return x != 0; }))
      return unsupported(where + ": a variable (stateful) tensor that starts from other values "
                                 "than zeros is not supported");
    v.constant = ConstantData{};
  }
  variable_[id] = t.is_variable();
  graph_.add_value(std::move(v));
  return Status::ok();
}

Status Importer::read_quantization(const Tensor& t, Value& v, const std::string& where) {
  const QuantizationParameters* q = t.quantization();
  if (!q || !q->scale() || q->scale()->size() == 0) {
    if (v.dtype == DType::kUInt8 || v.dtype == DType::kInt8) {
      // Integer tensors without scale are plain integers (e.g. indices); kernels that need
      // quantization parameters reject them with a clear message.
    }
    return Status::ok();
  }
  if (v.dtype == DType::kFloat32 || v.dtype == DType::kFloat16) return Status::ok();
  if (q->details_type() != 0) return unsupported(where + ": custom quantization details are not supported");
  const size_t n = q->scale()->size();
  if (!q->zero_point() || q->zero_point()->size() != n)
    return invalid_model(where + ": quantization has " + std::to_string(n) + " scales but " +
                         std::to_string(q->zero_point() ? q->zero_point()->size() : 0) + " zero points");
  const int32_t axis = q->quantized_dimension();
  if (n > 1) {
    if (axis < 0 || static_cast<size_t>(axis) >= v.shape.rank() || v.shape[static_cast<size_t>(axis)] != static_cast<int64_t>(n))
      return invalid_model(where + ": " + std::to_string(n) + " per-channel scales do not match dimension " +
                           std::to_string(axis) + " of shape " + v.shape.to_string());
  }
  for (size_t i = 0; i < n; ++i) {
    const float s = element(*q->scale(), static_cast<flatbuffers::uoffset_t>(i));
    const int64_t zp = element(*q->zero_point(), static_cast<flatbuffers::uoffset_t>(i));
    if (!std::isfinite(s) || s <= 0.0f) return invalid_model(where + ": quantization scale " + std::to_string(s) + " is not a positive number");
    if (zp < -2147483648LL || zp > 2147483647LL) return invalid_model(where + ": zero point out of range");
    v.quant.scale.push_back(s);
    v.quant.zero_point.push_back(zp);
  }
  v.quant.axis = axis;
  return Status::ok();
}

Status Importer::read_buffer(const Tensor& t, Value& v, const std::string& where) {
  const uint32_t index = t.buffer();
  const auto* buffers = model_->buffers();
  if (index == 0) {
    if (t.sparsity()) return invalid_model(where + ": sparse tensor without data");
    return Status::ok();
  }
  if (!buffers || index >= buffers->size())
    return invalid_model(where + ": refers to buffer " + std::to_string(index) + ", but the model has " +
                         std::to_string(buffers ? buffers->size() : 0) + " buffers");
  const Buffer& b = *buffers->Get(index);
  const uint8_t* bytes = nullptr;
  size_t n = 0;
  if (b.data() && b.data()->size() > 0) {
    bytes = b.data()->data();
    n = b.data()->size();
  } else if (b.offset() > 1) {  // data stored after the flatbuffer (models over 2 GiB)
    if (b.offset() > size_ || b.size() > size_ - b.offset())
      return invalid_model(where + ": buffer " + std::to_string(index) + " lies outside the file (offset " +
                           std::to_string(b.offset()) + ", size " + std::to_string(b.size()) + ")");
    bytes = data_ + b.offset();
    n = static_cast<size_t>(b.size());
  } else {
    if (t.sparsity()) return invalid_model(where + ": sparse tensor without data");
    return Status::ok();  // an empty buffer: not a constant
  }
  const size_t elem = dtype_size(v.dtype);
  if (t.sparsity()) {
    OUTPOST_RETURN_IF_ERROR(read_sparsity(t, v, n, where));
  } else {
    const uint64_t expected = static_cast<uint64_t>(*v.shape.num_elements()) * elem;
    if (n != expected)
      return invalid_model(where + ": buffer holds " + std::to_string(n) + " bytes, but " + dtype_name(v.dtype) + " " +
                           v.shape.to_string() + " needs " + std::to_string(expected));
  }
  if (reinterpret_cast<uintptr_t>(bytes) % elem != 0) {
    // Kernels read typed data in place; an odd offset in a hand-made file gets its own copy.
    set_owned_constant(v, std::vector<uint8_t>(bytes, bytes + n));
  } else {
    v.constant = ConstantData{bytes, n, keep_alive_};
  }
  return Status::ok();
}

namespace {

// Reads an index vector of a sparse dimension (int32, uint16 or uint8 values).
Result<std::vector<int32_t>> index_vector(uint8_t type, const void* table, const std::string& where) {
  std::vector<int32_t> out;
  if (!table) return invalid_model(where + ": a sparse dimension lacks its segments or indices");
  switch (type) {
    case kSparseInt32: {
      const auto* v = static_cast<const ValuesTable<int32_t>*>(table)->values();
      if (v) out.assign(v->begin(), v->end());
      break;
    }
    case kSparseUint16: {
      const auto* v = static_cast<const ValuesTable<uint16_t>*>(table)->values();
      if (v) out.assign(v->begin(), v->end());
      break;
    }
    case kSparseUint8: {
      const auto* v = static_cast<const ValuesTable<uint8_t>*>(table)->values();
      if (v) out.assign(v->begin(), v->end());
      break;
    }
    default: return invalid_model(where + ": unknown sparse index vector type " + std::to_string(type));
  }
  return out;
}

}  // namespace

Status Importer::read_sparsity(const Tensor& t, Value& v, size_t value_bytes, const std::string& where) {
  const SparsityParameters& sp = *t.sparsity();
  auto s = std::make_shared<Sparsity>();
  const size_t rank = v.shape.rank();
  if (!sp.traversal_order() || !sp.dim_metadata() || sp.traversal_order()->size() != sp.dim_metadata()->size())
    return invalid_model(where + ": sparsity needs a traversal order and one dimension entry per traversed dimension");
  s->traversal_order.assign(sp.traversal_order()->begin(), sp.traversal_order()->end());
  if (sp.block_map()) s->block_map.assign(sp.block_map()->begin(), sp.block_map()->end());
  const size_t n = s->traversal_order.size();
  if (n != rank + s->block_map.size()) return invalid_model(where + ": traversal order length does not match rank + block dimensions");
  std::vector<bool> seen(n, false);
  for (int32_t d : s->traversal_order) {
    if (d < 0 || static_cast<size_t>(d) >= n || seen[static_cast<size_t>(d)])
      return invalid_model(where + ": traversal order is not a permutation");
    seen[static_cast<size_t>(d)] = true;
  }
  for (int32_t m : s->block_map)
    if (m < 0 || static_cast<size_t>(m) >= rank) return invalid_model(where + ": block map refers to dimension " + std::to_string(m));

  // Size of each dimension in traversal order; blocked dimensions are split into an outer
  // dimension (size / block) and a block dimension.
  std::vector<int64_t> block_size_of(rank, 1);
  for (size_t k = 0; k < s->block_map.size(); ++k) {
    for (size_t i = 0; i < n; ++i)
      if (static_cast<size_t>(s->traversal_order[i]) == rank + k) {
        const int32_t bs = sp.dim_metadata()->Get(static_cast<flatbuffers::uoffset_t>(i))->dense_size();
        if (bs <= 0 || v.shape[static_cast<size_t>(s->block_map[k])] % bs != 0)
          return invalid_model(where + ": block size " + std::to_string(bs) + " does not divide its dimension");
        block_size_of[static_cast<size_t>(s->block_map[k])] = bs;
      }
  }
  int64_t count = 1;  // entries at the current level of the traversal
  for (size_t i = 0; i < n; ++i) {
    const DimensionMetadata& m = *sp.dim_metadata()->Get(static_cast<flatbuffers::uoffset_t>(i));
    const size_t d = static_cast<size_t>(s->traversal_order[i]);
    const int64_t size = d < rank ? v.shape[d] / block_size_of[d] : m.dense_size();
    SparseDimension dim;
    dim.sparse = m.format() == 1;
    dim.dense_size = static_cast<int32_t>(size);
    if (!dim.sparse) {
      if (m.format() != 0) return invalid_model(where + ": unknown dimension format " + std::to_string(m.format()));
      count *= size;
    } else {
      OUTPOST_ASSIGN_OR_RETURN(dim.segments, index_vector(m.segments_type(), m.segments(), where));
      OUTPOST_ASSIGN_OR_RETURN(dim.indices, index_vector(m.indices_type(), m.indices(), where));
      if (static_cast<int64_t>(dim.segments.size()) != count + 1 || dim.segments.front() != 0)
        return invalid_model(where + ": sparse dimension " + std::to_string(i) + " has " + std::to_string(dim.segments.size()) +
                             " segments, expected " + std::to_string(count + 1));
      for (size_t k = 1; k < dim.segments.size(); ++k)
        if (dim.segments[k] < dim.segments[k - 1]) return invalid_model(where + ": sparse segments are not ascending");
      if (static_cast<size_t>(dim.segments.back()) != dim.indices.size())
        return invalid_model(where + ": sparse segments end at " + std::to_string(dim.segments.back()) + " but there are " +
                             std::to_string(dim.indices.size()) + " indices");
      for (int32_t idx : dim.indices)
        if (idx < 0 || idx >= size) return invalid_model(where + ": sparse index " + std::to_string(idx) + " is out of range");
      count = static_cast<int64_t>(dim.indices.size());
    }
    if (count > (int64_t{1} << 34)) return invalid_model(where + ": sparse structure is absurdly large");
    s->dims.push_back(std::move(dim));
  }
  const uint64_t expected = static_cast<uint64_t>(count) * dtype_size(v.dtype);
  if (value_bytes != expected)
    return invalid_model(where + ": sparse buffer holds " + std::to_string(value_bytes) + " bytes, its structure needs " +
                         std::to_string(expected));
  v.sparsity = std::move(s);
  return Status::ok();
}

// A variable tensor holds state TFLite keeps across invocations. It is read only where a rule
// carries it from run to run (an LSTM's, whose lowering records the update: Graph::state_updates).
Status Importer::take_variables(int32_t code, Node& node, const std::string& where) const {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!is_variable(node.inputs[i])) continue;
    // A state kept inside a WHILE or IF subgraph would be one per copy of its body.
    if (!carries_state(code, i) || !in_main())
      return unsupported(variable_refused(where, node.inputs[i], graph_));
  }
  for (int id : node.outputs)
    if (is_variable(id)) return unsupported(variable_refused(where, id, graph_));
  return Status::ok();
}

// "subgraph 2: " in messages about the subgraphs that control flow calls; nothing for the main one.
std::string Importer::subgraph_prefix() const {
  return in_main() ? "" : "subgraph " + std::to_string(scope_.index) + ": ";
}

std::string Importer::operator_where(uint32_t index) const {
  return source_ + ": " + subgraph_prefix() + "operator " + std::to_string(index);
}

Status Importer::refuse_resources(const Node& node, const std::string& where) const {
  for (int id : node.inputs)
    if (is_resource(id)) return unsupported(resource_refused(where, id, graph_));
  for (int id : node.outputs)
    if (is_resource(id)) return unsupported(resource_refused(where, id, graph_));
  return Status::ok();
}

void Importer::add_node(Node node) {
  for (int id : node.outputs) graph_.value(id).producer = static_cast<int>(nodes_->size());
  nodes_->push_back(std::move(node));
}

Status Importer::import_operator(const SubGraph& sg, uint32_t index) {
  const Operator& op = *sg.operators()->Get(index);
  std::string where = operator_where(index);
  const auto* codes = model_->operator_codes();
  if (!codes || op.opcode_index() >= codes->size())
    return invalid_model(where + ": opcode index " + std::to_string(op.opcode_index()) + " is out of range");
  const OperatorCode& oc = *codes->Get(op.opcode_index());
  const int32_t code = builtin_code_of(oc);
  const std::string custom = oc.custom_code() ? oc.custom_code()->str() : "";
  where += " (" + (code == 32 ? "custom '" + custom + "'" : builtin_name(code)) + ")";
  if (!verify_options(op, code, data_, size_)) return invalid_model(where + ": its options table is corrupt");

  const std::string op_label = code == 32 ? "custom '" + custom + "'" : builtin_name(code);
  if (is_control_flow_code(code)) {
    const Status imported = import_control_flow(op, code, where);
    if (imported.code() == StatusCode::kUnsupported) {
      unsupported_ops_.add(op_label, imported);
      return Status::ok();
    }
    return imported;
  }
  Node node;
  node.source_index = static_cast<int>(index);
  const Status translated = translate_operator(op, code, custom, node, where);
  if (translated.code() == StatusCode::kUnsupported) {
    // Skipped, so that the rest of the model is read and every operator it lacks is named.
    unsupported_ops_.add(op_label, translated);
    return Status::ok();
  }
  OUTPOST_RETURN_IF_ERROR(translated);
  if (op.inputs())
    for (int32_t t : *op.inputs()) {
      OUTPOST_ASSIGN_OR_RETURN(int id, tensor_ref(t, where + " input"));
      node.inputs.push_back(id);
    }
  if (op.outputs())
    for (int32_t t : *op.outputs()) {
      OUTPOST_ASSIGN_OR_RETURN(int id, tensor_ref(t, where + " output"));
      if (id == kNoValue) return invalid_model(where + ": output index -1");
      node.outputs.push_back(id);
    }
  if (node.outputs.empty()) return invalid_model(where + ": operator has no outputs");
  Status variables = take_variables(code, node, where);
  if (variables.is_ok()) variables = refuse_resources(node, where);
  if (variables.code() == StatusCode::kUnsupported) {
    unsupported_ops_.add(op_label, variables);
    return Status::ok();
  }
  node.name = graph_.value(node.outputs[0]).name;
  const Status settled = settle_operands(graph_, node, where);
  if (settled.code() == StatusCode::kUnsupported) {
    unsupported_ops_.add(op_label, settled);
    return Status::ok();
  }
  OUTPOST_RETURN_IF_ERROR(settled);
  // A RESHAPE whose shape input is computed at run time: the declared output shape is final.
  if (node.op == OpKind::kReshape && node.inputs.size() > 1 && node.inputs[1] != kNoValue &&
      !graph_.value(node.inputs[1]).is_constant()) {
    node.inputs.resize(1);
    node.attrs.set("new_shape", graph_.value(node.outputs[0]).shape.dims());
  }
  if (node.op == OpKind::kReshape && node.inputs.size() == 1 && !node.attrs.has("new_shape"))
    node.attrs.set("new_shape", graph_.value(node.outputs[0]).shape.dims());
  for (int id : node.outputs)
    if (graph_.value(id).producer >= 0) return invalid_model(where + ": tensor '" + graph_.value(id).name + "' is written twice");
  auto lowered = lower_operator(graph_, std::move(node), code, where);
  if (lowered.status().code() == StatusCode::kUnsupported) {
    unsupported_ops_.add(op_label, lowered.status());
    return Status::ok();
  }
  OUTPOST_RETURN_IF_ERROR(lowered.status());
  std::vector<Node> nodes = std::move(lowered).value();
  for (Node& n : nodes) add_node(std::move(n));
  return Status::ok();
}

}  // namespace outpost::tflite

namespace outpost {

Result<Graph> import_tflite(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                            const std::string& source, const std::vector<Shape>& input_shapes,
                            const std::string& signature, std::vector<tflite::TfliteSignature>* signatures) {
  // The verifier checks alignment relative to the buffer's start, which makes it alignment in
  // memory only when the start is aligned: a caller's buffer at an odd address (mapped files and
  // bundles are aligned) is read from an aligned copy, which the constants then point into.
  std::shared_ptr<std::vector<uint8_t>> copy;
  if (reinterpret_cast<uintptr_t>(data) % alignof(std::max_align_t) != 0) {
    copy = std::make_shared<std::vector<uint8_t>>(data, data + size);
    data = copy->data();
    keep_alive = copy;
  }
  tflite::Importer importer(data, size, std::move(keep_alive), source, input_shapes, signature);
  Result<Graph> graph = importer.run();
  if (signatures) *signatures = importer.signatures();
  return graph;
}

}  // namespace outpost
