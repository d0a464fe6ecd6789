#include "formats/onnx/onnx_importer.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <climits>
#include <cstring>
#include <exception>
#include <filesystem>
#include <set>
#include <unordered_map>

#include "formats/onnx/onnx_newer_opsets.h"
#include "formats/onnx/onnx_op_map.h"
#include "formats/onnx/onnx_quantized_lowering.h"
#include "formats/onnx/onnx_tensor.h"
#include "ir/constant_ints.h"
#include "ir/control_flow.h"
#include "ir/input_shapes.h"
#include "ir/unsupported_nodes.h"

namespace outpost {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 34;

// Ops whose definition is the same at opset 1 as at opset 6 (so models older than opset 6 that
// use only these read correctly).
bool unchanged_since_opset_1(const std::string& op) {
  static const char* const kOps[] = {"Not",
                                     "Softplus",
                                     "Softsign",
                                     "Transpose",
                                     "Shape",
                                     "Size",
                                     "Hardmax",
                                     "LogSoftmax",
                                     "Softmax",
                                     "ArgMax",
                                     "ArgMin",
                                     "ReduceSum",
                                     "ReduceMean",
                                     "ReduceMax",
                                     "ReduceMin",
                                     "ReduceProd",
                                     "ReduceL1",
                                     "ReduceL2",
                                     "ReduceLogSum",
                                     "ReduceLogSumExp",
                                     "ReduceSumSquare",
                                     "SpaceToDepth",
                                     "DepthToSpace",
                                     "Gather",
                                     "Squeeze",
                                     "Unsqueeze",
                                     "Flatten",
                                     "MatMul",
                                     "LRN",
                                     "Identity",
                                     "TopK",
                                     "GlobalMaxPool",
                                     "GlobalAveragePool"};
  for (const char* name : kOps)
    if (op == name) return true;
  return false;
}

// The names a subgraph reads from enclosing scopes (ONNX lets a body read any value visible
// where its node stands): its node depends on their producers as on its inputs.
void outer_reads(const onnx::GraphProto& g, std::set<std::string> inner, std::vector<std::string>& reads) {
  for (const auto& i : g.input()) inner.insert(i.name());
  for (const auto& t : g.initializer()) inner.insert(t.name());
  for (const auto& n : g.node()) {
    for (const auto& name : n.input())
      if (!name.empty() && !inner.count(name)) reads.push_back(name);
    for (const auto& a : n.attribute())
      if (a.has_g()) outer_reads(a.g(), inner, reads);
    for (const auto& o : n.output()) inner.insert(o);
  }
  for (const auto& o : g.output())
    if (!inner.count(o.name())) reads.push_back(o.name());
}

class Importer {
 public:
  Importer(std::shared_ptr<const onnx::ModelProto> model, std::string source,
           std::vector<Shape> input_shapes, bool external_data_files, OnnxBindings bindings)
      : model_(std::move(model)), source_(std::move(source)),
        input_shapes_(std::move(input_shapes)), external_data_files_(external_data_files),
        bindings_(std::move(bindings)) {}

  Result<Graph> run();

 private:
  Status read_opset();
  // `main`: the model's own graph, whose initializers are read exactly once (a body's may be
  // read again as its control flow is expanded), so their raw data can move into the constants.
  Status add_initializers(const onnx::GraphProto& g, const std::string& scope, bool main = false);
  Status add_inputs();
  // A graph input of sequence or optional type, bound as bindings_ says (CompositeValue).
  Status add_composite_input(const onnx::ValueInfoProto& info);
  // `any_rank`: a tensor declared with no shape takes any (a sequence's elements), instead of
  // being refused.
  Result<int> value_from_type(const std::string& name, const onnx::TypeProto& type,
                              const std::string& what, bool is_graph_input, bool any_rank = false);
  Result<std::vector<int>> sorted_nodes();
  Status add_node(int index);
  Status add_node(const onnx::NodeProto& p, int index, const std::string& where);
  // If's branches, Loop's and Scan's body: imported into the graph's value table, their names
  // visible inside them only (ir/control_flow.h expands them).
  Status add_subgraphs(const onnx::NodeProto& p, const std::string& where, Node& node);
  Result<std::shared_ptr<const Subgraph>> import_subgraph(const onnx::GraphProto& body,
                                                           const std::string& where);
  // Records a node it cannot translate and defines its outputs, so that the rest of the graph
  // is read and every op the model lacks is named at once.
  Status refuse(const onnx::NodeProto& p, const std::string& where, const Status& why);
  Status add_constant_node(const onnx::NodeProto& p, const std::string& where);
  Status legacy_prelu_slope(Node& node, const std::string& where);
  // Scan before opset 9 (batch axis 0 on every operand): one opset-9 Scan per batch entry.
  Status add_batched_scan(Node node, const std::string& where);
  int add_internal_value(const std::string& name);
  void add_internal_node(Node node, const std::string& where, const std::string& op_type = "Scan");
  // Sequences whose elements are known at load (add_sequence_node below): a list of values, each
  // sequence op resolved into tensor ops (Identity, Concat, Split) or constants.
  Status add_sequence_node(const onnx::NodeProto& p, const std::string& where);
  // Optional, OptionalHasElement, OptionalGetElement and an Identity of a sequence or an
  // optional: resolved at load, as whether each optional holds its element is.
  Status add_optional_node(const onnx::NodeProto& p, const std::string& where);
  // Alias `out` to what `in` is: a sequence's elements, an empty optional, or (Identity) a
  // tensor.
  Status alias_value(const std::string& in, const std::string& out, const onnx::NodeProto& p,
                     const std::string& where);
  Status add_graph_output(const onnx::ValueInfoProto& info);
  Result<int64_t> sequence_position(const onnx::NodeProto& p, int input, const std::string& what);
  // SequenceMap: its body imported once per element.
  Status add_sequence_map(const onnx::NodeProto& p, const std::string& where);

  Result<int> define(const std::string& name, const std::string& where);
  std::string node_where(int index) const;
  // Where tensors' external data may come from: the model's directory, or nowhere.
  OnnxTensorSource tensor_source() const;

  std::shared_ptr<const onnx::ModelProto> model_;
  std::string source_;
  std::vector<Shape> input_shapes_;  // bound to the graph inputs in order; empty: as declared
  bool external_data_files_ = true;  // false: no file is read (a bundle's model)
  OnnxBindings bindings_;
  int64_t opset_ = 0;
  Graph graph_;
  UnsupportedNodes unsupported_ops_;
  std::unordered_map<std::string, int> ids_;                          // value name -> id
  std::unordered_map<std::string, std::vector<int>> sequences_;  // sequence name -> its elements
  // sequence (or empty optional) name -> the op type that made it
  std::unordered_map<std::string, std::string> sequence_maker_;
  std::set<std::string> empty_optionals_;  // optional values known at load to hold nothing
  std::unordered_map<std::string, const onnx::TypeProto*> declared_;  // value_info and outputs
  std::vector<bool> dtype_known_;
  struct Origin {
    std::string op_text;  // "op 'Pad' (domain ai.onnx, opset 11)"
    std::string where;    // "model.onnx: node 3 ('pad0')"
  };
  std::vector<Origin> origins_;  // parallels graph_.nodes
  // The first problem with a graph input's type or shape, reported after the nodes so that an
  // unsupported op that reads the input is what the message names.
  Status input_problem_;
  int input_problem_value_ = -1;
};

std::string Importer::node_where(int index) const {
  const auto& p = model_->graph().node(index);
  std::string s = source_ + ": node " + std::to_string(index);
  if (!p.name().empty())
    s += " ('" + p.name() + "')";
  else if (p.output_size() > 0)
    s += " (writing '" + p.output(0) + "')";
  return s;
}

Status Importer::read_opset() {
  bool found = false;
  for (const auto& o : model_->opset_import()) {
    if (o.domain().empty() || o.domain() == "ai.onnx") {
      opset_ = o.version();
      found = true;
    }
  }
  if (!found) {
    if (model_->opset_import_size() > 0)
      return Status::ok();  // only other domains: each node will say
    return invalid_model(source_ + ": the model imports no opset (opset_import is empty)");
  }
  if (opset_ > 0 && opset_ < kOnnxMinOpset) return Status::ok();  // per op: see add_node
  if (opset_ < kOnnxMinOpset || opset_ > kOnnxMaxOpset)
    return unsupported(source_ + ": the model uses opset " + std::to_string(opset_) +
                       " of domain ai.onnx; Outpost reads opsets " + std::to_string(kOnnxMinOpset) +
                       " to " + std::to_string(kOnnxMaxOpset) +
                       " (convert it with onnx.version_converter)");
  return Status::ok();
}

Result<int> Importer::define(const std::string& name, const std::string& where) {
  if (ids_.count(name))
    return invalid_model(where + ": value '" + name + "' is defined more than once");
  Value v;
  v.name = name;
  const int id = graph_.add_value(std::move(v));
  dtype_known_.push_back(false);
  ids_[name] = id;
  auto d = declared_.find(name);
  if (d != declared_.end() && d->second->has_tensor_type()) {
    const auto& tt = d->second->tensor_type();
    auto dtype = onnx_dtype(tt.elem_type(), where + ": value '" + name + "'");
    if (dtype.is_ok()) {
      graph_.value(id).dtype = *dtype;
      dtype_known_.back() = true;
    }
    if (tt.has_shape()) {  // a fully static declared shape is checked against inference
      std::vector<int64_t> dims;
      bool fixed = true;
      for (const auto& dim : tt.shape().dim()) {
        fixed = fixed && dim.has_dim_value() && dim.dim_value() >= 0;
        dims.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
      }
      if (fixed) graph_.value(id).shape = Shape(dims);
    }
  }
  return id;
}

OnnxTensorSource Importer::tensor_source() const {
  if (!external_data_files_) return OnnxTensorSource{model_, "", true};
  const std::string dir = std::filesystem::path(source_).parent_path().string();
  return OnnxTensorSource{model_, dir.empty() ? "." : dir};
}

Status Importer::add_initializers(const onnx::GraphProto& g, const std::string& scope, bool main) {
  OnnxTensorSource src = tensor_source();
  src.take_raw_data = main;
  if (g.sparse_initializer_size() > 0)
    return unsupported(scope + ": sparse initializers are not supported");
  for (int i = 0; i < g.initializer_size(); ++i) {
    const auto& t = g.initializer(i);
    const std::string where = scope + ": initializer " + std::to_string(i) + " ('" + t.name() + "')";
    if (t.name().empty()) return invalid_model(where + " has no name");
    OUTPOST_ASSIGN_OR_RETURN(int id, define(t.name(), where));
    Value& v = graph_.value(id);
    v.shape = Shape();
    OUTPOST_RETURN_IF_ERROR(read_onnx_tensor(t, src, where, v));
    dtype_known_[static_cast<size_t>(id)] = true;
  }
  return Status::ok();
}

Result<int> Importer::value_from_type(const std::string& name, const onnx::TypeProto& type,
                                      const std::string& what, bool is_graph_input,
                                      bool any_rank) {
  const std::string where = source_ + ": " + what + " '" + name + "'";
  OUTPOST_ASSIGN_OR_RETURN(int id, define(name, where));
  auto defer = [&](Status s) {
    if (input_problem_.is_ok()) {
      input_problem_ = std::move(s);
      input_problem_value_ = id;
    }
    return id;
  };
  if (!type.has_tensor_type())
    return defer(unsupported(where + " is not a tensor (map types, and sequences of anything but "
                                     "tensors, are not supported)"));
  const auto& tt = type.tensor_type();
  auto dtype = onnx_dtype(tt.elem_type(), where);
  if (!dtype.is_ok()) return defer(dtype.status());
  Value& v = graph_.value(id);
  v.dtype = *dtype;
  dtype_known_[static_cast<size_t>(id)] = true;
  if (!is_graph_input) return id;
  if (!tt.has_shape() && any_rank) {
    graph_.input_signatures.push_back(any_rank_signature());
    graph_.input_dim_names.emplace_back();
    const size_t index = graph_.input_signatures.size() - 1;
    v.shape = any_rank_signature();
    if (index < input_shapes_.size()) {
      OUTPOST_RETURN_IF_ERROR(
          check_input_shape(source_, name, v.shape, {}, input_shapes_[index]));
      graph_.declared_shapes_stale = true;
      v.shape = input_shapes_[index];
    }
    return id;
  }
  if (!tt.has_shape())
    return defer(
        unsupported(where + " has no shape; Outpost needs static input shapes for now"));
  // A symbolic or unknown dimension is -1, to be bound from the shapes the caller gives.
  std::vector<int64_t> dims;
  std::vector<std::string> names;
  int64_t total = 1;
  for (int k = 0; k < tt.shape().dim_size(); ++k) {
    const auto& dim = tt.shape().dim(k);
    // paddle2onnx writes a dimension that varies as the value -1 (PaddleOCR's models, as
    // RapidOCR ships them: x [-1, 3, ?, ?]); ONNX Runtime reads it as unknown, and so do we.
    if (!dim.has_dim_value() || dim.dim_value() == -1) {
      dims.push_back(-1);
      names.push_back(dim.has_dim_param() ? dim.dim_param() : "");
      continue;
    }
    const int64_t d = dim.dim_value();
    if (d < 0) return invalid_model(where + " has negative dimension " + std::to_string(d));
    if (d > 0 && total > kMaxElements / d)
      return invalid_model(where + " has an absurdly large shape");
    total *= d;
    dims.push_back(d);
    names.emplace_back();
  }
  const size_t index = graph_.input_signatures.size();
  graph_.input_signatures.emplace_back(dims);
  graph_.input_dim_names.push_back(names);
  v.shape = Shape(dims);
  if (index < input_shapes_.size()) {
    OUTPOST_RETURN_IF_ERROR(check_input_shape(source_, name, v.shape, names,
                                              input_shapes_[index]));
    // Exporters write the shapes they traced with where a dimension varies (an output [1, 1000]
    // behind an input [batch, 3, H, W]): with the inputs bound, those are hints, not checks.
    graph_.declared_shapes_stale = graph_.declared_shapes_stale || !v.shape.is_static();
    v.shape = input_shapes_[index];
  }
  return id;
}

Status Importer::add_inputs() {
  const auto& g = model_->graph();
  for (const auto& info : g.input()) {
    if (ids_.count(info.name())) continue;  // an initializer listed as input: a constant
    if (info.name().empty()) return invalid_model(source_ + ": a graph input has no name");
    if (info.type().has_sequence_type() || info.type().has_optional_type()) {
      OUTPOST_RETURN_IF_ERROR(add_composite_input(info));
      continue;
    }
    OUTPOST_ASSIGN_OR_RETURN(int id, value_from_type(info.name(), info.type(), "graph input", true));
    graph_.inputs.push_back(id);
  }
  return Status::ok();
}

// The element's dtype and declared shape, for ModelStats and `outpost inspect`.
void describe_element(const onnx::TypeProto& element, CompositeValue& c) {
  if (!element.has_tensor_type()) return;
  const auto& tt = element.tensor_type();
  auto dtype = onnx_dtype(tt.elem_type(), c.name);
  if (dtype.is_ok()) c.element_dtype = *dtype;
  c.element_rank_known = tt.has_shape();
  std::vector<int64_t> dims;
  for (const auto& dim : tt.shape().dim()) dims.push_back(dim.has_dim_value() ? dim.dim_value() : -1);
  c.element_shape = Shape(dims);
}

Status Importer::add_composite_input(const onnx::ValueInfoProto& info) {
  const std::string& name = info.name();
  CompositeValue c;
  c.name = name;
  const onnx::TypeProto* type = &info.type();
  if (type->has_optional_type()) {
    c.optional = true;
    type = &type->optional_type().elem_type();
    c.absent = bindings_.absent_inputs.count(name) > 0;
  }
  c.sequence = type->has_sequence_type();
  const onnx::TypeProto& element = c.sequence ? type->sequence_type().elem_type() : *type;
  describe_element(element, c);
  const auto length = bindings_.sequence_lengths.find(name);
  if (c.sequence && !c.absent && length != bindings_.sequence_lengths.end()) c.length = length->second;
  graph_.composite_inputs.push_back(c);
  if (c.absent) {
    empty_optionals_.insert(name);
    sequence_maker_[name] = "graph input";
    return Status::ok();
  }
  if (!c.sequence) {  // a present optional tensor: the tensor itself
    OUTPOST_ASSIGN_OR_RETURN(int id, value_from_type(name, element, "graph input", true));
    graph_.inputs.push_back(id);
    return Status::ok();
  }
  if (c.length < 0) return Status::ok();  // run() asks for the length (see run())
  std::vector<int> elements;
  for (int k = 0; k < c.length; ++k) {
    OUTPOST_ASSIGN_OR_RETURN(int id, value_from_type(name + "[" + std::to_string(k) + "]", element,
                                                     "graph input", true, true));
    graph_.inputs.push_back(id);
    elements.push_back(id);
  }
  sequences_[name] = std::move(elements);
  sequence_maker_[name] = "graph input";
  return Status::ok();
}

// Kahn's order over the nodes (ONNX requires a topological order; a few exporters do not
// honour it, so we sort). A value read before any node can define it, or a cycle, is an error.
Result<std::vector<int>> Importer::sorted_nodes() {
  const auto& g = model_->graph();
  const int n = g.node_size();
  std::unordered_map<std::string, int> producer;
  for (int i = 0; i < n; ++i)
    for (const auto& o : g.node(i).output()) {
      if (o.empty()) continue;
      if (ids_.count(o) || !producer.emplace(o, i).second)
        return invalid_model(
            node_where(i) + ": output '" + o +
            "' is already defined (by another node, an initializer or a graph input)");
    }
  std::vector<int> pending(static_cast<size_t>(n), 0);
  std::vector<std::vector<int>> readers(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    std::vector<std::string> reads(g.node(i).input().begin(), g.node(i).input().end());
    for (const auto& a : g.node(i).attribute())
      if (a.has_g()) outer_reads(a.g(), {}, reads);
    for (const auto& name : reads) {
      if (name.empty() || ids_.count(name) || sequences_.count(name) || empty_optionals_.count(name))
        continue;  // a graph input or an initializer
      auto p = producer.find(name);
      if (p == producer.end())
        return invalid_model(node_where(i) + " (" + g.node(i).op_type() + ") reads '" + name +
                             "', which no node, initializer or graph input defines");
      ++pending[static_cast<size_t>(i)];
      readers[static_cast<size_t>(p->second)].push_back(i);
    }
  }
  std::vector<int> order, ready;
  for (int i = n; i-- > 0;)
    if (pending[static_cast<size_t>(i)] == 0) ready.push_back(i);
  while (!ready.empty()) {
    const int i = ready.back();
    ready.pop_back();
    order.push_back(i);
    for (int r : readers[static_cast<size_t>(i)])
      if (--pending[static_cast<size_t>(r)] == 0) ready.push_back(r);
  }
  if (static_cast<int>(order.size()) != n) {
    for (int i = 0; i < n; ++i)
      if (pending[static_cast<size_t>(i)] > 0)
        return invalid_model(node_where(i) + " (" + g.node(i).op_type() +
                             ") is part of a cycle: the graph is not acyclic");
  }
  return order;
}

Status Importer::add_constant_node(const onnx::NodeProto& p, const std::string& where) {
  if (p.output_size() != 1 || p.output(0).empty())
    return invalid_model(where + ": Constant must have one output");
  if (p.attribute_size() != 1)
    return invalid_model(where + ": Constant must have exactly one value attribute");
  const auto& a = p.attribute(0);
  OUTPOST_ASSIGN_OR_RETURN(int id, define(p.output(0), where));
  Value& v = graph_.value(id);
  v.shape = Shape();
  std::vector<uint8_t> bytes;
  auto scalar_or_list = [&](auto values, DType d, bool scalar) {
    using T = typename decltype(values)::value_type;
    v.dtype = d;
    v.shape = scalar ? Shape{} : Shape{static_cast<int64_t>(values.size())};
    bytes.resize(values.size() * sizeof(T));
    if (!values.empty()) std::memcpy(bytes.data(), values.data(), bytes.size());
    set_owned_constant(v, std::move(bytes));
  };
  if (a.name() == "value") {
    OUTPOST_RETURN_IF_ERROR(read_onnx_tensor(
        a.t(), tensor_source(),
        where + ": attribute 'value'", v));
  } else if (a.name() == "value_float") {
    scalar_or_list(std::vector<float>{a.f()}, DType::kFloat32, true);
  } else if (a.name() == "value_floats") {
    scalar_or_list(std::vector<float>(a.floats().begin(), a.floats().end()), DType::kFloat32,
                   false);
  } else if (a.name() == "value_int") {
    scalar_or_list(std::vector<int64_t>{a.i()}, DType::kInt64, true);
  } else if (a.name() == "value_ints") {
    scalar_or_list(std::vector<int64_t>(a.ints().begin(), a.ints().end()), DType::kInt64, false);
  } else {
    return unsupported(where + ": " + describe_onnx_op("Constant", p.domain(), opset_) +
                       " with attribute '" + a.name() + "' is not supported");
  }
  if (v.shape.num_elements().value_or(0) > 0 && !v.is_constant())
    return invalid_model(where + ": Constant has no data");
  dtype_known_[static_cast<size_t>(id)] = true;
  return Status::ok();
}

// Before opset 7, PRelu's slope of C values applies per channel (axis 1); as a numpy broadcast
// that is a slope of shape [C, 1, ..., 1], a view of the same constant bytes. An absent operand
// is left to the schema check, which names it.
Status Importer::legacy_prelu_slope(Node& node, const std::string& where) {
  if (node.inputs[0] == kNoValue || node.inputs[1] == kNoValue) return Status::ok();
  const Value& x = graph_.value(node.inputs[0]);
  const Value& slope = graph_.value(node.inputs[1]);
  if (slope.shape.rank() != 1 || slope.shape[0] == 1) return Status::ok();
  if (!slope.is_constant() || x.shape.rank() < 2 || x.shape[1] != slope.shape[0])
    return unsupported(where + ": " + describe_onnx_op("PRelu", "", opset_) +
                       ": a per-channel slope that is not a constant "
                       "matching axis 1 of a known input shape is not supported");
  Value v = slope;
  v.name = slope.name + "/per_channel";
  std::vector<int64_t> dims(x.shape.rank() - 1, 1);
  dims[0] = slope.shape[0];
  v.shape = Shape(dims);
  node.inputs[1] = graph_.add_value(std::move(v));
  dtype_known_.push_back(true);
  return Status::ok();
}

Status Importer::add_node(int index) {
  return add_node(model_->graph().node(index), index, node_where(index));
}

Status Importer::add_node(const onnx::NodeProto& p, int index, const std::string& where) {
  int64_t node_opset = opset_;  // the version of the node's domain the model imports
  if (!p.domain().empty() && p.domain() != "ai.onnx") {
    node_opset = 0;
    for (const auto& o : model_->opset_import())
      if (o.domain() == p.domain()) node_opset = o.version();
    if (!translates_onnx_op(p.domain(), p.op_type()))
      return refuse(p, where,
                    unsupported(where + ": " + describe_onnx_op(p.op_type(), p.domain(), node_opset) +
                                " is not supported (only the default domain ai.onnx is, and "
                                "the optimizers of ai.onnx.preview.training)"));
    if (node_opset != 1)  // the optimizers as defined in the domain's one version
      return refuse(p, where,
                    unsupported(where + ": " + describe_onnx_op(p.op_type(), p.domain(), node_opset) +
                                ": only opset 1 of " + p.domain() + " is read"));
  }
  const bool default_domain = p.domain().empty() || p.domain() == "ai.onnx";
  if (default_domain && opset_ < kOnnxMinOpset && !unchanged_since_opset_1(p.op_type()))
    return refuse(p, where,
                  unsupported(where + ": " + describe_onnx_op(p.op_type(), p.domain(), opset_) +
                              ": before opset " + std::to_string(kOnnxMinOpset) +
                              " only ops unchanged since opset 1 are read (convert the model "
                              "with onnx.version_converter)"));
  if (p.op_type() == "Constant") return add_constant_node(p, where);
  if (default_domain && is_onnx_sequence_op(p.op_type())) return add_sequence_node(p, where);
  const bool reads_composite =
      p.input_size() > 0 && (sequences_.count(p.input(0)) || empty_optionals_.count(p.input(0)));
  if (default_domain && (is_onnx_optional_op(p.op_type()) ||
                         (p.op_type() == "Identity" && reads_composite)))
    return add_optional_node(p, where);
  for (const auto& name : p.input()) {
    if (sequences_.count(name))
      return refuse(p, where,
                    unsupported(where + ": " + describe_onnx_op(p.op_type(), p.domain(), opset_) +
                                " reads the sequence '" + name +
                                "'; only the sequence ops take sequences"));
    if (empty_optionals_.count(name))
      return refuse(p, where,
                    unsupported(where + ": " + describe_onnx_op(p.op_type(), p.domain(), opset_) +
                                " reads the empty optional '" + name +
                                "'; only Identity and the optional ops take optionals"));
  }
  Node node;
  node.name = p.name().empty() && p.output_size() > 0 ? p.output(0) : p.name();
  node.source_index = index;
  const Status mapped = map_onnx_node(p, node_opset, where, node);
  if (mapped.code() == StatusCode::kUnsupported) return refuse(p, where, mapped);
  OUTPOST_RETURN_IF_ERROR(mapped);
  for (const auto& name : p.input()) {
    if (name.empty()) {
      node.inputs.push_back(kNoValue);
      continue;
    }
    const auto it = ids_.find(name);  // the top level is sorted; a body must be in order
    if (it == ids_.end())
      return invalid_model(where + " (" + p.op_type() + ") reads '" + name +
                           "', which nothing before it defines");
    node.inputs.push_back(it->second);
  }
  OUTPOST_RETURN_IF_ERROR(add_subgraphs(p, where, node));
  place_onnx_operands(p.op_type(), opset_, node);
  const Status operands = settle_newer_opset_operands(
      p.op_type(), opset_, where + ": " + describe_onnx_op(p.op_type(), p.domain(), opset_) + ": ",
      graph_, node);
  if (operands.code() == StatusCode::kUnsupported) return refuse(p, where, operands);
  OUTPOST_RETURN_IF_ERROR(operands);
  if (node.op == OpKind::kPRelu && opset_ < 7 && node.inputs.size() == 2)
    OUTPOST_RETURN_IF_ERROR(legacy_prelu_slope(node, where));
  // Trailing absent inputs are dropped, so that input counts match the schemas.
  while (!node.inputs.empty() && node.inputs.back() == kNoValue) node.inputs.pop_back();
  for (int k = 0; k < p.output_size(); ++k) {
    const std::string& name = p.output(k);
    if (name.empty()) {  // an optional output nobody reads: a value of its own, never named
      Value v;
      v.name = where + " output " + std::to_string(k);
      node.outputs.push_back(graph_.add_value(std::move(v)));
      dtype_known_.push_back(false);
    } else {
      OUTPOST_ASSIGN_OR_RETURN(int id, define(name, where));
      node.outputs.push_back(id);
    }
  }
  while (node.outputs.size() > 1 && !is_control_flow(node.op) &&
         graph_.value(node.outputs.back()).name.rfind(where + " output", 0) == 0) {
    // Trailing unnamed optional outputs are not computed (control flow keeps them: its outputs
    // pair with its subgraphs' by position).
    node.outputs.pop_back();
  }
  if (node.op == OpKind::kScan && opset_ < 9) return add_batched_scan(std::move(node), where);
  graph_.nodes.push_back(std::move(node));
  origins_.push_back({describe_onnx_op(p.op_type(), p.domain(), node_opset), where});
  return Status::ok();
}

// A sequence is a list of values known at load: every op that makes one (SequenceEmpty,
// SequenceConstruct, SequenceInsert, SequenceErase, SplitToSequence) computes its list of
// element values here, and the ops that read one become tensor ops over those values
// (SequenceAt: Identity; ConcatFromSequence: Concat, after Unsqueeze with new_axis) or a
// constant (SequenceLength). Positions must be constants; a sequence that a graph input feeds,
// that leaves a subgraph or is a graph output is refused (Outpost's values are tensors).
Status Importer::add_sequence_node(const onnx::NodeProto& p, const std::string& where) {
  const std::string& op = p.op_type();
  const std::string op_text = where + ": " + describe_onnx_op(op, p.domain(), opset_);
  auto refuse_because = [&](const std::string& why) {
    return refuse(p, where, unsupported(op_text + ": " + why));
  };
  // SequenceMap has outputs of its own count (checked against its body there): output 0 is
  // read only after (fuzz_onnx crash-fe8a1b51 had none).
  if (op == "SequenceMap") return add_sequence_map(p, where);
  if (p.output_size() != 1 || p.output(0).empty())
    return invalid_model(op_text + " must have one output");
  const std::string& out = p.output(0);
  // The sequence operand (input 0 of all but SequenceConstruct, SequenceEmpty, SplitToSequence).
  std::vector<int> seq;
  const bool reads_sequence = op != "SequenceEmpty" && op != "SequenceConstruct" &&
                              op != "SplitToSequence";
  if (reads_sequence) {
    if (p.input_size() < 1 || !sequences_.count(p.input(0)))
      return refuse_because("its sequence '" + (p.input_size() ? p.input(0) : std::string()) +
                            "' is not one known at load (made by sequence ops of this graph)");
    seq = sequences_[p.input(0)];
  }
  auto define_sequence = [&](std::vector<int> elements) {
    if (ids_.count(out) || sequences_.count(out))
      return invalid_model(op_text + ": value '" + out + "' is defined more than once");
    sequences_[out] = std::move(elements);
    sequence_maker_[out] = op;
    return Status::ok();
  };
  auto input_id = [&](int k) -> Result<int> {
    const auto it = ids_.find(p.input(k));
    if (it == ids_.end())
      return invalid_model(op_text + " reads '" + p.input(k) + "', which nothing before it defines");
    return it->second;
  };
  const int64_t n = static_cast<int64_t>(seq.size());
  if (op == "SequenceEmpty") return define_sequence({});
  if (op == "SequenceConstruct") {
    std::vector<int> elements;
    for (int k = 0; k < p.input_size(); ++k) {
      OUTPOST_ASSIGN_OR_RETURN(int id, input_id(k));
      elements.push_back(id);
    }
    return define_sequence(std::move(elements));
  }
  if (op == "SequenceInsert") {
    if (p.input_size() < 2) return invalid_model(op_text + " needs a sequence and a tensor");
    OUTPOST_ASSIGN_OR_RETURN(int id, input_id(1));
    int64_t pos = n;  // the end by default
    if (p.input_size() > 2 && !p.input(2).empty()) {
      auto at = sequence_position(p, 2, "position");
      if (!at.is_ok()) return refuse_because(at.status().message());
      pos = *at < 0 ? *at + n : *at;
    }
    if (pos < 0 || pos > n)
      return invalid_model(op_text + ": position " + std::to_string(pos) + " is outside [-" +
                           std::to_string(n) + ", " + std::to_string(n) + "]");
    seq.insert(seq.begin() + pos, id);
    return define_sequence(std::move(seq));
  }
  if (op == "SequenceErase" || op == "SequenceAt") {
    int64_t pos = n - 1;  // SequenceErase: the last by default
    if (p.input_size() > 1 && !p.input(1).empty()) {
      auto at = sequence_position(p, 1, "position");
      if (!at.is_ok()) return refuse_because(at.status().message());
      pos = *at < 0 ? *at + n : *at;
    } else if (op == "SequenceAt") {
      return invalid_model(op_text + " needs a position");
    }
    if (pos < 0 || pos >= n)
      return invalid_model(op_text + ": position is outside the sequence of " +
                           std::to_string(n) + " elements");
    if (op == "SequenceErase") {
      seq.erase(seq.begin() + pos);
      return define_sequence(std::move(seq));
    }
    Node identity;
    identity.op = OpKind::kIdentity;
    identity.name = p.name().empty() ? out : p.name();
    identity.inputs = {seq[static_cast<size_t>(pos)]};
    OUTPOST_ASSIGN_OR_RETURN(int id, define(out, where));
    identity.outputs = {id};
    add_internal_node(std::move(identity), where, op);
    return Status::ok();
  }
  if (op == "SequenceLength") {
    OUTPOST_ASSIGN_OR_RETURN(int id, define(out, where));
    Value& v = graph_.value(id);
    v.dtype = DType::kInt64;
    v.shape = Shape{};
    std::vector<uint8_t> bytes(8);
    std::memcpy(bytes.data(), &n, 8);
    set_owned_constant(v, std::move(bytes));
    dtype_known_[static_cast<size_t>(id)] = true;
    return Status::ok();
  }
  if (op == "ConcatFromSequence") {
    if (seq.empty()) return refuse_because("an empty sequence has no element to concatenate");
    int64_t axis = 0;
    bool new_axis = false;
    for (const auto& a : p.attribute()) {
      if (a.name() == "axis") axis = a.i();
      if (a.name() == "new_axis") new_axis = a.i() != 0;
    }
    Node concat;
    concat.op = OpKind::kConcat;
    concat.name = p.name().empty() ? out : p.name();
    concat.attrs.set("axis", axis);
    for (size_t k = 0; k < seq.size(); ++k) {
      if (!new_axis) {
        concat.inputs.push_back(seq[k]);
        continue;
      }
      // Stacking: each element gains the new axis first. A negative axis counts from the end
      // of the output, whose rank is one more than the elements'.
      Node unsqueeze;
      unsqueeze.op = OpKind::kUnsqueeze;
      unsqueeze.name = concat.name + "/element" + std::to_string(k);
      unsqueeze.attrs.set("axes", std::vector<int64_t>{axis});
      unsqueeze.inputs = {seq[k]};
      unsqueeze.outputs = {add_internal_value(unsqueeze.name)};
      concat.inputs.push_back(unsqueeze.outputs[0]);
      add_internal_node(std::move(unsqueeze), where, op);
    }
    OUTPOST_ASSIGN_OR_RETURN(int id, define(out, where));
    concat.outputs = {id};
    add_internal_node(std::move(concat), where, op);
    return Status::ok();
  }
  // SplitToSequence: x, [split] (a scalar: chunks of that size, the last one shorter; 1-D: the
  // sizes); without split, pieces of 1 whose axis is kept only with keepdims (default 1).
  if (p.input_size() < 1) return invalid_model(op_text + " needs an input");
  OUTPOST_ASSIGN_OR_RETURN(int x, input_id(0));
  const Shape& shape = graph_.value(x).shape;
  int64_t axis = 0, keepdims = 1;
  for (const auto& a : p.attribute()) {
    if (a.name() == "axis") axis = a.i();
    if (a.name() == "keepdims") keepdims = a.i();
  }
  const int64_t rank = static_cast<int64_t>(shape.rank());
  if (!shape.is_static() || rank == 0)
    return refuse_because("the input's shape must be known at load, is " + shape.to_string());
  if (axis < -rank || axis >= rank)
    return invalid_model(op_text + ": axis " + std::to_string(axis) + " is out of range for rank " +
                         std::to_string(rank));
  if (axis < 0) axis += rank;
  const int64_t extent = shape[static_cast<size_t>(axis)];
  std::vector<int64_t> sizes;
  const bool has_split = p.input_size() > 1 && !p.input(1).empty();
  if (has_split) {
    OUTPOST_ASSIGN_OR_RETURN(int split_id, input_id(1));
    const Value& split = graph_.value(split_id);
    if (!split.is_constant() || (split.dtype != DType::kInt64 && split.dtype != DType::kInt32))
      return refuse_because("split must be an integer constant");
    const std::vector<int64_t> given = constant_ints(split);
    if (split.shape.rank() == 0) {
      if (given.at(0) <= 0) return invalid_model(op_text + ": split must be positive");
      for (int64_t done = 0; done < extent; done += given[0])
        sizes.push_back(std::min(given[0], extent - done));
    } else {
      sizes = given;
    }
  } else {
    sizes.assign(static_cast<size_t>(extent), 1);
  }
  int64_t total = 0;
  for (int64_t s : sizes) total += s;
  if (total != extent)
    return invalid_model(op_text + ": the split sizes add up to " + std::to_string(total) +
                         ", the axis has " + std::to_string(extent));
  std::vector<int> elements;
  if (sizes.empty()) return define_sequence({});
  Node split;
  split.op = OpKind::kSplit;
  split.name = p.name().empty() ? out : p.name();
  split.attrs.set("axis", axis);
  split.attrs.set("split", sizes);
  split.inputs = {x};
  const bool squeeze = !has_split && keepdims == 0;
  std::vector<Node> squeezes;
  for (size_t k = 0; k < sizes.size(); ++k) {
    const int piece = add_internal_value(split.name + "/piece" + std::to_string(k));
    split.outputs.push_back(piece);
    if (!squeeze) {
      elements.push_back(piece);
      continue;
    }
    Node sq;
    sq.op = OpKind::kSqueeze;
    sq.name = split.name + "/squeeze" + std::to_string(k);
    sq.attrs.set("axes", std::vector<int64_t>{axis});
    sq.inputs = {piece};
    sq.outputs = {add_internal_value(sq.name)};
    elements.push_back(sq.outputs[0]);
    squeezes.push_back(std::move(sq));
  }
  add_internal_node(std::move(split), where, op);
  for (Node& sq : squeezes) add_internal_node(std::move(sq), where, op);
  return define_sequence(std::move(elements));
}

// SequenceMap runs its body once per element of its first input, a sequence; a further input is
// a sequence of the same length (the body takes its element k in run k) or a tensor (the same in
// every run). The length is known at load, so the body is imported once per element, its inputs
// bound to those values, and output j is the sequence of the runs' outputs j.
Status Importer::add_sequence_map(const onnx::NodeProto& p, const std::string& where) {
  const std::string op_text = where + ": " + describe_onnx_op("SequenceMap", p.domain(), opset_);
  const onnx::GraphProto* body = nullptr;
  for (const auto& a : p.attribute())
    if (a.name() == "body" && a.has_g()) body = &a.g();
  if (body == nullptr) return invalid_model(op_text + " has no body");
  if (p.input_size() < 1 || !sequences_.count(p.input(0)))
    return refuse(p, where, unsupported(op_text + ": its sequence '" +
                                        (p.input_size() ? p.input(0) : std::string()) +
                                        "' is not one known at load"));
  if (body->input_size() != p.input_size() || body->output_size() != p.output_size())
    return invalid_model(op_text + ": its body takes " + std::to_string(body->input_size()) +
                         " inputs and gives " + std::to_string(body->output_size()) +
                         " outputs, the node has " + std::to_string(p.input_size()) + " and " +
                         std::to_string(p.output_size()));
  if (body->initializer_size() > 0)
    return refuse(p, where, unsupported(op_text + ": a body with initializers is not supported"));
  const size_t n = sequences_[p.input(0)].size();
  for (int i = 0; i < p.input_size(); ++i) {
    const auto seq = sequences_.find(p.input(i));
    if (seq != sequences_.end() && seq->second.size() != n)
      return invalid_model(op_text + ": sequence '" + p.input(i) + "' has " +
                           std::to_string(seq->second.size()) + " elements, '" + p.input(0) +
                           "' " + std::to_string(n));
    if (seq == sequences_.end() && !ids_.count(p.input(i)))
      return refuse(p, where, unsupported(op_text + ": input '" + p.input(i) +
                                          "' is neither a tensor nor a sequence known at load"));
  }
  std::vector<std::vector<int>> outputs(static_cast<size_t>(p.output_size()));
  for (size_t k = 0; k < n; ++k) {
    const std::string run = where + " body (element " + std::to_string(k) + ")";
    std::vector<std::string> own;
    Status done = Status::ok();
    for (int i = 0; i < p.input_size(); ++i) {
      const std::string& name = body->input(i).name();
      if (ids_.count(name) || sequences_.count(name))
        return invalid_model(run + ": input '" + name + "' hides a value of the graph");
      const auto seq = sequences_.find(p.input(i));
      ids_[name] = seq != sequences_.end() ? seq->second[k] : ids_.at(p.input(i));
      own.push_back(name);
    }
    for (int j = 0; done.is_ok() && j < body->node_size(); ++j) {
      for (const auto& o : body->node(j).output()) own.push_back(o);
      done = add_node(body->node(j), j, run + " node " + std::to_string(j));
    }
    for (int j = 0; done.is_ok() && j < body->output_size(); ++j) {
      const auto it = ids_.find(body->output(j).name());
      if (it == ids_.end())
        done = unsupported(run + ": output '" + body->output(j).name() +
                           "' is not a tensor; " + describe_onnx_op("SequenceMap", "", opset_) +
                           " takes bodies that give tensors");
      else
        outputs[static_cast<size_t>(j)].push_back(it->second);
    }
    for (const std::string& name : own) {
      ids_.erase(name);
      sequences_.erase(name);
      empty_optionals_.erase(name);
    }
    if (done.code() == StatusCode::kUnsupported) return refuse(p, where, done);
    OUTPOST_RETURN_IF_ERROR(done);
  }
  for (int j = 0; j < p.output_size(); ++j) {
    const std::string& out = p.output(j);
    if (ids_.count(out) || sequences_.count(out))
      return invalid_model(op_text + ": value '" + out + "' is defined more than once");
    sequences_[out] = outputs[static_cast<size_t>(j)];
    sequence_maker_[out] = "SequenceMap";
  }
  return Status::ok();
}

// A position operand: an integer scalar constant (an initializer, or a Constant node).
Result<int64_t> Importer::sequence_position(const onnx::NodeProto& p, int input,
                                            const std::string& what) {
  const auto it = ids_.find(p.input(input));
  if (it == ids_.end()) return invalid_model("'" + p.input(input) + "' is not defined");
  const Value& v = graph_.value(it->second);
  if (!v.is_constant() || (v.dtype != DType::kInt64 && v.dtype != DType::kInt32) ||
      v.shape.num_elements().value_or(0) != 1)
    return unsupported("the " + what + " '" + p.input(input) +
                       "' must be an integer scalar constant (known at load)");
  return constant_ints(v).at(0);
}

// An optional holds its element or nothing, and which is known at load (an optional graph input
// is bound present or absent, SessionOptions::absent_inputs): a present optional is its element
// (a tensor, or a sequence's list of values), an empty one a name in empty_optionals_.
Status Importer::add_optional_node(const onnx::NodeProto& p, const std::string& where) {
  const std::string& op = p.op_type();
  const std::string op_text = where + ": " + describe_onnx_op(op, p.domain(), opset_);
  if (p.output_size() != 1 || p.output(0).empty())
    return invalid_model(op_text + " must have one output");
  const std::string& out = p.output(0);
  const std::string in = p.input_size() > 0 ? p.input(0) : "";
  const bool empty = in.empty() || empty_optionals_.count(in) > 0;
  if (!in.empty() && !empty && !ids_.count(in) && !sequences_.count(in))
    return invalid_model(op_text + " reads '" + in + "', which nothing before it defines");
  if (op == "OptionalHasElement") {
    OUTPOST_ASSIGN_OR_RETURN(int id, define(out, where));
    Value& v = graph_.value(id);
    v.dtype = DType::kBool;
    v.shape = Shape{};
    set_owned_constant(v, std::vector<uint8_t>{static_cast<uint8_t>(empty ? 0 : 1)});
    dtype_known_[static_cast<size_t>(id)] = true;
    return Status::ok();
  }
  if (op == "Optional" && in.empty()) {
    if (ids_.count(out) || sequences_.count(out) || !empty_optionals_.insert(out).second)
      return invalid_model(op_text + ": value '" + out + "' is defined more than once");
    sequence_maker_[out] = op;
    return Status::ok();
  }
  if (op == "OptionalGetElement" && empty)
    return shape_mismatch(op_text + ": the optional '" + in +
                          "' is empty (bound absent), and OptionalGetElement needs its element");
  return alias_value(in, out, p, where);  // Identity, Optional(x), OptionalGetElement
}

Status Importer::alias_value(const std::string& in, const std::string& out,
                             const onnx::NodeProto& p, const std::string& where) {
  if (ids_.count(out) || sequences_.count(out) || empty_optionals_.count(out))
    return invalid_model(where + ": value '" + out + "' is defined more than once");
  if (empty_optionals_.count(in)) {
    empty_optionals_.insert(out);
    sequence_maker_[out] = p.op_type();
    return Status::ok();
  }
  const auto seq = sequences_.find(in);
  if (seq != sequences_.end()) {
    const std::vector<int> elements = seq->second;
    sequences_[out] = elements;
    sequence_maker_[out] = p.op_type();
    return Status::ok();
  }
  Node identity;
  identity.op = OpKind::kIdentity;
  identity.name = p.name().empty() ? out : p.name();
  identity.inputs = {ids_.at(in)};
  OUTPOST_ASSIGN_OR_RETURN(int id, define(out, where));
  identity.outputs = {id};
  add_internal_node(std::move(identity), where, p.op_type());
  return Status::ok();
}

int Importer::add_internal_value(const std::string& name) {
  Value v;
  v.name = name;
  dtype_known_.push_back(false);
  return graph_.add_value(std::move(v));
}

void Importer::add_internal_node(Node node, const std::string& where, const std::string& op_type) {
  graph_.nodes.push_back(std::move(node));
  origins_.push_back({describe_onnx_op(op_type, "", opset_), where});
}

// Scan before opset 9 runs its body once per entry of the batch axis 0, which every state and
// scan input and output has ([batch, ...] and [batch, sequence, ...]), after an optional first
// input sequence_lens. Each entry becomes a Scan of opset 9's form on that entry's slices (a
// Gather at the entry drops the axis), and the entries' results are stacked back (Unsqueeze,
// Concat). The batch must be known at load.
Status Importer::add_batched_scan(Node node, const std::string& where) {
  const std::string op_text = where + ": " + describe_onnx_op("Scan", "", opset_);
  if (node.inputs.empty() || node.inputs[0] != kNoValue)
    return unsupported(op_text + ": input sequence_lens (scans of different lengths per batch "
                       "entry) is not supported");
  node.inputs.erase(node.inputs.begin());
  if (node.inputs.empty()) return invalid_model(op_text + " has no states and no scan inputs");
  const Shape& first = graph_.value(node.inputs[0]).shape;
  if (first.rank() == 0 || first[0] < 1)
    return unsupported(op_text + ": the batch (axis 0 of '" + graph_.value(node.inputs[0]).name +
                       "') must be known at load, is " + first.to_string());
  const int64_t batch = first[0];
  if (node.attrs.has("directions")) {
    node.attrs.set("scan_input_directions", node.attrs.get_ints("directions"));
    node.attrs.erase("directions");
  }
  const std::vector<int> inputs = node.inputs, outputs = node.outputs;
  std::vector<std::vector<int>> stacked(outputs.size());
  for (int64_t b = 0; b < batch; ++b) {
    const std::string tag = "/batch" + std::to_string(b);
    const int index = add_internal_value(node.name + tag + "/index");
    Value& iv = graph_.value(index);
    iv.dtype = DType::kInt64;
    iv.shape = Shape{};
    std::vector<uint8_t> bytes(8);
    std::memcpy(bytes.data(), &b, 8);
    set_owned_constant(iv, std::move(bytes));
    dtype_known_[static_cast<size_t>(index)] = true;
    Node scan = node;
    scan.name = node.name + tag;
    std::vector<Node> unsqueezes;  // after the Scan, which defines what they read
    for (size_t i = 0; i < inputs.size(); ++i) {
      Node gather;
      gather.op = OpKind::kGather;
      gather.name = scan.name + "/in" + std::to_string(i);
      gather.attrs.set("axis", int64_t{0});
      gather.inputs = {inputs[i], index};
      gather.outputs = {add_internal_value(gather.name)};
      scan.inputs[i] = gather.outputs[0];
      add_internal_node(std::move(gather), where);
    }
    for (size_t k = 0; k < outputs.size(); ++k) {
      scan.outputs[k] = add_internal_value(scan.name + "/out" + std::to_string(k));
      Node unsqueeze;
      unsqueeze.op = OpKind::kUnsqueeze;
      unsqueeze.name = scan.name + "/stack" + std::to_string(k);
      unsqueeze.attrs.set("axes", std::vector<int64_t>{0});
      unsqueeze.inputs = {scan.outputs[k]};
      unsqueeze.outputs = {batch == 1 ? outputs[k] : add_internal_value(unsqueeze.name)};
      stacked[k].push_back(unsqueeze.outputs[0]);
      unsqueezes.push_back(std::move(unsqueeze));
    }
    add_internal_node(std::move(scan), where);
    for (Node& u : unsqueezes) add_internal_node(std::move(u), where);
  }
  if (batch == 1) return Status::ok();
  for (size_t k = 0; k < outputs.size(); ++k) {
    Node concat;
    concat.op = OpKind::kConcat;
    concat.name = node.name + "/concat" + std::to_string(k);
    concat.attrs.set("axis", int64_t{0});
    concat.inputs = stacked[k];
    concat.outputs = {outputs[k]};
    add_internal_node(std::move(concat), where);
  }
  return Status::ok();
}

Status Importer::add_subgraphs(const onnx::NodeProto& p, const std::string& where, Node& node) {
  if (!is_control_flow(node.op)) return Status::ok();
  const std::vector<std::string> names = node.op == OpKind::kIf
                                             ? std::vector<std::string>{"then_branch", "else_branch"}
                                             : std::vector<std::string>{"body"};
  for (const std::string& name : names) {
    const onnx::AttributeProto* graph = nullptr;
    for (const auto& a : p.attribute())
      if (a.name() == name && a.has_g()) graph = &a;
    if (graph == nullptr) return invalid_model(where + ": " + p.op_type() + " has no graph attribute '" + name + "'");
    OUTPOST_ASSIGN_OR_RETURN(auto sub, import_subgraph(graph->g(), where + " " + name));
    node.subgraphs.push_back(std::move(sub));
  }
  return Status::ok();
}

Result<std::shared_ptr<const Subgraph>> Importer::import_subgraph(const onnx::GraphProto& body,
                                                                  const std::string& where) {
  for (const auto& info : body.value_info()) declared_[info.name()] = &info.type();
  for (const auto& info : body.output()) declared_[info.name()] = &info.type();
  // The names the body defines: visible in it only (siblings may reuse them), forgotten after.
  std::vector<std::string> own;
  auto sub = std::make_shared<Subgraph>();
  std::vector<Node> outer_nodes;
  std::vector<Origin> outer_origins;
  outer_nodes.swap(graph_.nodes);
  outer_origins.swap(origins_);
  Status done = add_initializers(body, where);
  for (const auto& t : body.initializer()) own.push_back(t.name());
  for (int k = 0; done.is_ok() && k < body.input_size(); ++k) {
    const auto& info = body.input(k);
    if (ids_.count(info.name())) continue;  // an initializer listed as input
    // A body input may leave its type to what is bound to it (a Loop's carried values).
    auto id = info.has_type() ? value_from_type(info.name(), info.type(), "subgraph input", false)
                              : define(info.name(), where + ": input '" + info.name() + "'");
    done = id.status();
    if (!done.is_ok()) break;
    own.push_back(info.name());
    sub->inputs.push_back(*id);
  }
  for (int k = 0; done.is_ok() && k < body.node_size(); ++k) {
    const auto& p = body.node(k);
    for (const auto& o : p.output()) own.push_back(o);
    const std::string label = p.name().empty() ? "" : " ('" + p.name() + "')";
    done = add_node(p, k, where + " node " + std::to_string(k) + label);
  }
  for (size_t k = 0; k < graph_.nodes.size(); ++k)
    graph_.nodes[k].origin = "ONNX " + origins_[k].op_text + " at " + origins_[k].where;
  sub->nodes = std::move(graph_.nodes);
  graph_.nodes = std::move(outer_nodes);
  origins_ = std::move(outer_origins);
  for (int k = 0; done.is_ok() && k < body.output_size(); ++k) {
    const auto it = ids_.find(body.output(k).name());
    if (empty_optionals_.count(body.output(k).name()))
      done = unsupported(where + ": its output '" + body.output(k).name() +
                         "' is an empty optional, made by " +
                         describe_onnx_op(sequence_maker_[body.output(k).name()], "", opset_) +
                         "; optionals cross no subgraph boundary");
    else if (sequences_.count(body.output(k).name()))
      done = unsupported(where + ": its output '" + body.output(k).name() + "' is a sequence, made by " +
                         describe_onnx_op(sequence_maker_[body.output(k).name()], "", opset_) +
                         "; sequences cross no subgraph boundary");
    else if (it == ids_.end())
      done = invalid_model(where + ": its output '" + body.output(k).name() + "' is never defined");
    else
      sub->outputs.push_back(it->second);
  }
  for (const std::string& name : own) {
    ids_.erase(name);
    sequences_.erase(name);
    empty_optionals_.erase(name);
  }
  if (!done.is_ok()) return done;
  return std::shared_ptr<const Subgraph>(std::move(sub));
}

Status Importer::refuse(const onnx::NodeProto& p, const std::string& where, const Status& why) {
  unsupported_ops_.add(p.domain().empty() || p.domain() == "ai.onnx" ? p.op_type()
                                                                    : p.domain() + "." + p.op_type(),
                       why);
  for (const auto& name : p.output()) {
    if (name.empty()) continue;
    OUTPOST_ASSIGN_OR_RETURN(const int id, define(name, where));
    (void)id;
  }
  return Status::ok();
}

// A graph output: a tensor, or a sequence known at load (its elements become the outputs
// "NAME[0]" ..., through Identity nodes, so that each has a value of its own and that name), or
// an optional (present: its element, under its name; empty: no output, listed as absent).
Status Importer::add_graph_output(const onnx::ValueInfoProto& info) {
  const std::string& name = info.name();
  CompositeValue c;
  c.name = name;
  const onnx::TypeProto* type = &info.type();
  c.optional = type->has_optional_type();
  if (c.optional) type = &type->optional_type().elem_type();
  c.sequence = type->has_sequence_type();
  describe_element(c.sequence ? type->sequence_type().elem_type() : *type, c);
  if (empty_optionals_.count(name)) {
    if (!c.optional)
      return invalid_model(source_ + ": graph output '" + name +
                           "' is an empty optional, but the model declares no optional type");
    c.absent = true;
    graph_.composite_outputs.push_back(c);
    return Status::ok();
  }
  const auto seq = sequences_.find(name);
  if (seq != sequences_.end()) {
    c.sequence = true;
    c.length = static_cast<int>(seq->second.size());
    for (size_t k = 0; k < seq->second.size(); ++k) {
      Node identity;
      identity.op = OpKind::kIdentity;
      identity.name = name + "[" + std::to_string(k) + "]";
      identity.inputs = {seq->second[k]};
      OUTPOST_ASSIGN_OR_RETURN(int id, define(identity.name, source_ + ": graph output '" + name + "'"));
      identity.outputs = {id};
      graph_.outputs.push_back(id);
      add_internal_node(std::move(identity), source_ + ": graph output '" + name + "'", "Identity");
    }
    graph_.composite_outputs.push_back(c);
    return Status::ok();
  }
  const auto it = ids_.find(name);
  if (it == ids_.end())
    return invalid_model(source_ + ": graph output '" + name +
                         "' is not produced by any node, initializer or input");
  if (c.optional) graph_.composite_outputs.push_back(c);
  graph_.outputs.push_back(it->second);
  return Status::ok();
}

Result<Graph> Importer::run() {
  graph_.source = source_;
  if (!model_->has_graph()) return invalid_model(source_ + ": the model has no graph");
  OUTPOST_RETURN_IF_ERROR(read_opset());
  const auto& g = model_->graph();
  for (const auto& info : g.value_info()) declared_[info.name()] = &info.type();
  for (const auto& info : g.output()) declared_[info.name()] = &info.type();
  OUTPOST_RETURN_IF_ERROR(add_initializers(g, source_, /*main=*/true));
  OUTPOST_RETURN_IF_ERROR(add_inputs());
  for (const CompositeValue& c : graph_.composite_inputs)
    if (c.sequence && !c.absent && c.length < 0)
      return std::move(graph_);  // nothing more can be imported until its length is bound
  OUTPOST_ASSIGN_OR_RETURN(std::vector<int> order, sorted_nodes());
  for (int i : order) OUTPOST_RETURN_IF_ERROR(add_node(i));
  if (!unsupported_ops_.empty()) return unsupported_ops_.report(source_);
  if (!input_problem_.is_ok()) {
    // Name the first node that reads the input, so the message says which op needs the type.
    for (size_t k = 0; k < graph_.nodes.size(); ++k)
      for (int id : graph_.nodes[k].inputs)
        if (id == input_problem_value_)
          return Status(input_problem_.code(), input_problem_.message() + " [read by ONNX " +
                                                   origins_[k].op_text + " at " +
                                                   origins_[k].where + "]");
    return input_problem_;
  }
  if (g.output_size() == 0) return invalid_model(source_ + ": the graph has no outputs");
  for (const auto& info : g.output()) OUTPOST_RETURN_IF_ERROR(add_graph_output(info));
  OUTPOST_RETURN_IF_ERROR(graph_.validate());
  // Shapes are inferred and constants folded by the session (ir/passes/constant_folding.h),
  // with these facts: which dtypes the model left unsaid, and where each node came from.
  for (size_t id = 0; id < graph_.values.size(); ++id) graph_.values[id].dtype_known = dtype_known_[id];
  for (size_t k = 0; k < graph_.nodes.size(); ++k)
    graph_.nodes[k].origin = "ONNX " + origins_[k].op_text + " at " + origins_[k].where;
  lower_quantized_convs(graph_);
  return std::move(graph_);
}

}  // namespace

Result<Graph> import_onnx(const uint8_t* data, size_t size, const std::string& source,
                          const std::vector<Shape>& input_shapes, bool external_data_files,
                          const OnnxBindings& bindings) {
  // Protobuf may throw (std::bad_alloc on absurd sizes); nothing crosses this boundary.
  try {
    if (size > static_cast<size_t>(INT_MAX))
      return invalid_model(source +
                           ": file is larger than 2 GiB, which a protobuf ModelProto cannot hold "
                           "(use external data)");
    auto model = std::make_shared<onnx::ModelProto>();
    if (!model->ParseFromArray(data, static_cast<int>(size)))
      return invalid_model(source +
                           ": not a valid ONNX model: the protobuf is truncated or corrupt");
    Importer importer(model, source, input_shapes, external_data_files, bindings);
    return importer.run();
  } catch (const std::exception& e) {
    return invalid_model(source + ": reading the ONNX model failed: " + e.what());
  }
}

}  // namespace outpost
