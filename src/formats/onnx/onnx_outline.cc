// The outline of an ONNX model (formats/model_outline.h): the graph's real inputs (initializers
// listed as inputs are weights), every dimension as written (dim_param names kept, so a dynamic
// batch shows as "batch"), and the nodes' op types, other domains prefixed.
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <climits>
#include <exception>
#include <unordered_set>

#include "formats/model_outline.h"
#include "formats/onnx/onnx_op_map.h"
#include "formats/onnx/onnx_tensor.h"

namespace outpost {
namespace {

bool default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// numpy's spelling for the types Outpost has, ONNX's own (lowercased) for the rest.
std::string elem_type_name(int32_t elem_type) {
  auto dtype = onnx_dtype(elem_type, "");
  if (dtype.is_ok()) return dtype_name(*dtype);
  if (!onnx::TensorProto_DataType_IsValid(elem_type)) return "type " + std::to_string(elem_type);
  std::string name = onnx::TensorProto_DataType_Name(static_cast<onnx::TensorProto_DataType>(elem_type));
  std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
  return name;
}

OutlineTensor outline_value(const onnx::ValueInfoProto& info) {
  OutlineTensor t{info.name(), "", {}};
  const onnx::TypeProto* type = &info.type();
  // A sequence or an optional shows its element's dtype and shape: "sequence<float32>" [?, 5].
  std::string wrap;
  if (type->has_optional_type()) {
    wrap = "optional<";
    type = &type->optional_type().elem_type();
  }
  if (type->has_sequence_type()) {
    wrap += "sequence<";
    type = &type->sequence_type().elem_type();
  }
  if (!wrap.empty()) {
    OutlineTensor element = outline_value([&] {
      onnx::ValueInfoProto e;
      *e.mutable_type() = *type;
      return e;
    }());
    element.name = t.name;
    element.dtype = wrap + element.dtype + std::string(std::count(wrap.begin(), wrap.end(), '<'), '>');
    return element;
  }
  if (!type->has_tensor_type()) {
    t.dtype = type->has_map_type() ? "map" : "unknown";
    return t;
  }
  const onnx::TypeProto& tensor_type = *type;
  const auto& tt = tensor_type.tensor_type();
  t.dtype = elem_type_name(tt.elem_type());
  if (!tt.has_shape()) {
    t.dims = {"..."};  // no shape at all: even the rank is unknown
    return t;
  }
  for (const auto& dim : tt.shape().dim())
    t.dims.push_back(dim.has_dim_value() ? std::to_string(dim.dim_value())
                     : dim.has_dim_param() && !dim.dim_param().empty() ? dim.dim_param() : "?");
  return t;
}

std::string opset_text(const onnx::ModelProto& model) {
  int64_t opset = -1;
  for (const auto& o : model.opset_import())
    if (default_domain(o.domain())) opset = o.version();
  std::string text = opset < 0 ? "no ai.onnx opset" : "opset " + std::to_string(opset);
  if (opset >= 0 && (opset < kOnnxMinOpset || opset > kOnnxMaxOpset))
    text += " (Outpost reads " + std::to_string(kOnnxMinOpset) + " to " + std::to_string(kOnnxMaxOpset) + ")";
  return text + ", ir_version " + std::to_string(model.ir_version());
}

ModelOutline outline_graph(const onnx::ModelProto& model) {
  ModelOutline outline;
  outline.format = "onnx";
  outline.version = opset_text(model);
  const onnx::GraphProto& g = model.graph();
  std::unordered_set<std::string> weights;
  for (const auto& init : g.initializer()) weights.insert(init.name());
  for (const auto& info : g.input())
    if (!weights.count(info.name())) outline.inputs.push_back(outline_value(info));
  for (const auto& info : g.output()) outline.outputs.push_back(outline_value(info));
  for (int i = 0; i < g.node_size(); ++i) {
    const onnx::NodeProto& n = g.node(i);
    const bool ours = default_domain(n.domain());
    count_op(outline.ops, ours ? n.op_type() : n.domain() + "." + n.op_type(), i,
             ours && translates_onnx_op(n.op_type()));
    ++outline.nodes;
  }
  return outline;
}

}  // namespace

Result<ModelOutline> outline_onnx(const uint8_t* data, size_t size, const std::string& name) {
  // Protobuf may throw (std::bad_alloc on absurd sizes); nothing crosses this boundary.
  try {
    if (size > static_cast<size_t>(INT_MAX))
      return invalid_model(name + ": file is larger than 2 GiB, which a protobuf ModelProto cannot hold");
    onnx::ModelProto model;
    if (!model.ParseFromArray(data, static_cast<int>(size)))
      return invalid_model(name + ": not a valid ONNX model: the protobuf is truncated or corrupt");
    return outline_graph(model);
  } catch (const std::exception& e) {
    return invalid_model(name + ": reading the ONNX model failed: " + e.what());
  }
}

}  // namespace outpost
