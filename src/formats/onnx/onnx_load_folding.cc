#include "formats/onnx/onnx_load_folding.h"

#include "backends/ref/registry.h"
#include "ir/op_schema.h"
#include "ir/shape_inference.h"

namespace outpost {
namespace {

// Above this, a constant subgraph is left to run with the model rather than be stored twice.
constexpr size_t kMaxFoldedBytes = size_t{64} << 20;

Status with_origin(const Status& s, const OnnxNodeOrigin& o) {
  // Messages already name the model and the IR node; add the ONNX op, domain and opset.
  return Status(s.code(), s.message() + " [ONNX " + o.op_text + " at " + o.where + "]");
}

Status check_arity(const Graph& g, const Node& n, const OnnxNodeOrigin& o) {
  const OpSchema& schema = op_schema(n.op);
  const int n_in = static_cast<int>(n.inputs.size());
  if (n_in < schema.min_inputs || n_in > schema.max_inputs)
    return invalid_model(o.where + ": " + o.op_text + " has " + std::to_string(n_in) +
                         " inputs, expected " + std::to_string(schema.min_inputs) +
                         (schema.max_inputs == kAnyInputs
                              ? " or more"
                              : " to " + std::to_string(schema.max_inputs)));
  if (schema.num_outputs != kAnyOutputs && static_cast<int>(n.outputs.size()) > schema.num_outputs)
    return invalid_model(o.where + ": " + o.op_text + " has " + std::to_string(n.outputs.size()) +
                         " outputs, expected " + std::to_string(schema.num_outputs));
  if (n.outputs.empty()) return invalid_model(o.where + ": " + o.op_text + " has no outputs");
  // Required inputs, and every input of a variadic op (Concat, Sum, ...: ONNX has no optional
  // variadic inputs), must be present; an empty name is absent (fuzz_onnx crash e1e23612).
  const int required = schema.max_inputs == kAnyInputs ? n_in : schema.min_inputs;
  for (int k = 0; k < required; ++k)
    if (n.inputs[static_cast<size_t>(k)] == kNoValue)
      return invalid_model(o.where + ": " + o.op_text + " is missing required input " +
                           std::to_string(k));
  for (int id : n.inputs)
    if (id != kNoValue && !g.value(id).shape.is_static())
      return shape_mismatch(o.where + ": " + o.op_text + ": input '" + g.value(id).name +
                            "' has unknown shape " + g.value(id).shape.to_string());
  return Status::ok();
}

bool foldable(const Graph& g, const Node& n) {
  if (n.op == OpKind::kShape || n.op == OpKind::kSize) return true;  // reads only the shape
  bool any = false;
  for (int id : n.inputs) {
    if (id == kNoValue) continue;
    if (!g.value(id).is_constant()) return false;
    any = true;
  }
  size_t bytes = 0;
  for (int id : n.outputs)
    bytes += static_cast<size_t>(g.value(id).shape.num_elements().value_or(0)) *
             dtype_size(g.value(id).dtype);
  return any && bytes <= kMaxFoldedBytes;
}

}  // namespace

Status fold_onnx_graph(Graph& graph, const std::vector<OnnxNodeOrigin>& origins,
                       std::vector<bool>& dtype_known) {
  const KernelRegistry& kernels = reference_kernels();
  std::vector<Node> kept;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    Node& node = graph.nodes[i];
    const OnnxNodeOrigin& origin = origins[i];
    OUTPOST_RETURN_IF_ERROR(check_arity(graph, node, origin));
    DType first = DType::kFloat32;
    for (int id : node.inputs)
      if (id != kNoValue) {
        first = graph.value(id).dtype;
        break;
      }
    for (int id : node.outputs)
      if (!dtype_known[static_cast<size_t>(id)]) graph.value(id).dtype = first;
    const Shape declared = graph.value(node.outputs[0]).shape;
    Status s = op_schema(node.op).infer(node, graph);
    if (!s.is_ok()) return with_origin(s, origin);
    const Shape& inferred = graph.value(node.outputs[0]).shape;
    if (!inferred.num_elements() || *inferred.num_elements() > (int64_t{1} << 34))
      return shape_mismatch(origin.where + ": " + origin.op_text + ": output shape " +
                            inferred.to_string() + " is too large");
    if (declared.rank() > 0 && declared.is_static() &&
        declared.num_elements() != inferred.num_elements())
      return shape_mismatch(origin.where + ": " + origin.op_text +
                            ": the model declares output shape " + declared.to_string() +
                            " but the inputs give " + inferred.to_string());
    for (int id : node.outputs) dtype_known[static_cast<size_t>(id)] = true;
    auto kernel = kernels.make(node, graph);
    if (!kernel.is_ok()) return with_origin(kernel.status(), origin);
    if (!foldable(graph, node)) {
      kept.push_back(std::move(node));
      continue;
    }
    std::vector<TensorView> in, out;
    for (int id : node.inputs) {
      if (id == kNoValue) {
        in.push_back(TensorView{});
        continue;
      }
      const Value& v = graph.value(id);
      in.push_back({v.dtype, &v.shape, const_cast<uint8_t*>(v.constant.bytes), &v.quant});
    }
    std::vector<std::vector<uint8_t>> storage;
    for (int id : node.outputs) {
      const Value& v = graph.value(id);
      storage.emplace_back(static_cast<size_t>(v.shape.num_elements().value_or(0)) *
                           dtype_size(v.dtype));
    }
    for (size_t k = 0; k < node.outputs.size(); ++k) {
      const Value& v = graph.value(node.outputs[k]);
      out.push_back({v.dtype, &v.shape, storage[k].data(), &v.quant});
    }
    (*kernel)->run(in, out);
    for (size_t k = 0; k < node.outputs.size(); ++k)
      set_owned_constant(graph.value(node.outputs[k]), std::move(storage[k]));
  }
  graph.nodes = std::move(kept);
  return Status::ok();
}

}  // namespace outpost
