#include "ir/op_schema.h"

#include <array>

#include "ir/shape_inference.h"

namespace outpost {
namespace {

constexpr std::array<OpSchema, kOpKindCount> kSchemas = {{
#define X(name, min_inputs, max_inputs, outputs, infer) {min_inputs, max_inputs, outputs, infer},
#include "ir/op_list.inc"
#undef X
}};
}  // namespace

const OpSchema& op_schema(OpKind op) { return kSchemas[static_cast<size_t>(op)]; }

Status with_origin(const Status& status, const Node& node) {
  if (status.is_ok() || node.origin.empty()) return status;
  return Status(status.code(), status.message() + " [" + node.origin + "]");
}

namespace {

// Every required input present (every input of a variadic op: ONNX has no optional variadic
// inputs), with a known shape; an output count the op allows.
Status check_operands(const Node& node, const Graph& graph) {
  const OpSchema& schema = op_schema(node.op);
  const std::string where = graph.source + ": " + node.describe();
  const int n_in = static_cast<int>(node.inputs.size());
  if (n_in < schema.min_inputs || n_in > schema.max_inputs)
    return invalid_model(where + " has " + std::to_string(n_in) + " inputs, expected " +
                         std::to_string(schema.min_inputs) +
                         (schema.max_inputs == kAnyInputs ? " or more"
                                                          : " to " + std::to_string(schema.max_inputs)));
  if (node.outputs.empty()) return invalid_model(where + " has no outputs");
  if (schema.num_outputs != kAnyOutputs && static_cast<int>(node.outputs.size()) != schema.num_outputs)
    return invalid_model(where + " has " + std::to_string(node.outputs.size()) + " outputs, expected " +
                         std::to_string(schema.num_outputs));
  const int required = schema.max_inputs == kAnyInputs ? n_in : schema.min_inputs;
  for (int k = 0; k < required; ++k)
    if (node.inputs[static_cast<size_t>(k)] == kNoValue)
      return invalid_model(where + " is missing required input " + std::to_string(k));
  for (int id : node.inputs)
    if (id != kNoValue && !graph.value(id).shape.is_static())
      return shape_mismatch(where + ": input '" + graph.value(id).name + "' has unknown shape " +
                            graph.value(id).shape.to_string());
  return Status::ok();
}

Status infer_checked(const Node& node, Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(check_operands(node, graph));
  DType first = DType::kFloat32;
  for (int id : node.inputs)
    if (id != kNoValue) {
      first = graph.value(id).dtype;
      break;
    }
  for (int id : node.outputs)
    if (!graph.value(id).dtype_known) graph.value(id).dtype = first;
  const Shape declared = graph.value(node.outputs[0]).shape;
  OUTPOST_RETURN_IF_ERROR(op_schema(node.op).infer(node, graph));
  for (int id : node.outputs) graph.value(id).dtype_known = true;
  const std::string where = graph.source + ": " + node.describe();
  const Shape& inferred = graph.value(node.outputs[0]).shape;
  if (!inferred.num_elements() || *inferred.num_elements() > (int64_t{1} << 34))
    return shape_mismatch(where + ": output shape " + inferred.to_string() + " is too large");
  if (declared.rank() > 0 && declared.is_static() && !graph.declared_shapes_stale &&
      declared.num_elements() != inferred.num_elements())
    return shape_mismatch(where + ": the model declares output shape " + declared.to_string() +
                          " but the inputs give " + inferred.to_string());
  return Status::ok();
}

}  // namespace

Status infer_node(const Node& node, Graph& graph) { return with_origin(infer_checked(node, graph), node); }

Status infer_shapes(Graph& graph) {
  for (const Node& node : graph.nodes) OUTPOST_RETURN_IF_ERROR(infer_node(node, graph));
  return Status::ok();
}

}  // namespace outpost
