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

Status infer_shapes(Graph& graph) {
  for (const Node& node : graph.nodes) {
    const OpSchema& schema = op_schema(node.op);
    const int n_in = static_cast<int>(node.inputs.size());
    if (n_in < schema.min_inputs || n_in > schema.max_inputs)
      return invalid_model(graph.source + ": " + node.describe() + " has " + std::to_string(n_in) + " inputs, expected " +
                           std::to_string(schema.min_inputs) + (schema.max_inputs == kAnyInputs ? " or more" : "-" + std::to_string(schema.max_inputs)));
    if (schema.num_outputs != kAnyOutputs && static_cast<int>(node.outputs.size()) != schema.num_outputs)
      return invalid_model(graph.source + ": " + node.describe() + " has " + std::to_string(node.outputs.size()) + " outputs, expected " + std::to_string(schema.num_outputs));
    for (int k = 0; k < schema.min_inputs; ++k)
      if (node.inputs[static_cast<size_t>(k)] == kNoValue)
        return invalid_model(graph.source + ": " + node.describe() + " is missing required input " + std::to_string(k));
    for (int id : node.inputs)
      if (id != kNoValue && !graph.value(id).shape.is_static())
        return shape_mismatch(graph.source + ": " + node.describe() + ": input '" + graph.value(id).name + "' has unknown shape " + graph.value(id).shape.to_string());
    const Shape declared = graph.value(node.outputs[0]).shape;
    OUTPOST_RETURN_IF_ERROR(schema.infer(node, graph));
    const Shape& inferred = graph.value(node.outputs[0]).shape;
    if (!inferred.num_elements() || *inferred.num_elements() > (int64_t{1} << 34))
      return shape_mismatch(graph.source + ": " + node.describe() + ": output shape " + inferred.to_string() + " is too large");
    if (declared.rank() > 0 && declared.is_static() && declared.num_elements() != inferred.num_elements())
      return shape_mismatch(graph.source + ": " + node.describe() + ": the model declares output shape " +
                            declared.to_string() + " but the inputs give " + inferred.to_string());
  }
  return Status::ok();
}

}  // namespace outpost
