#include "formats/tflite/tflite_builtin_rule.h"

#include "formats/tflite/tflite_ops.h"
#include "formats/tflite/tflite_recurrent_lowering.h"
#include "ir/constant_ints.h"

namespace outpost::tflite {
namespace {

bool same_params(const QuantParams& a, const QuantParams& b) {
  return a.scale == b.scale && a.zero_point == b.zero_point && a.axis == b.axis;
}

Status check_quantized(const BuiltinRule& rule, const Graph& g, const Node& n,
                       const std::string& where) {
  if (rule.quantized == QuantizedForm::kAsIs) return Status::ok();
  std::vector<int> ids = n.inputs;
  ids.insert(ids.end(), n.outputs.begin(), n.outputs.end());
  const Value* first = nullptr;
  for (int id : ids) {
    if (id == kNoValue || g.value(id).quant.empty()) continue;
    const Value& v = g.value(id);
    if (rule.quantized == QuantizedForm::kRefused)
      return unsupported(where + ": quantized " + builtin_name(rule.code) + " ('" + v.name +
                         "' is " + dtype_name(v.dtype) + " " + v.quant.to_string() +
                         ") is not supported yet; its float form is");
    if (!first) {
      first = &v;
    } else if (!same_params(first->quant, v.quant)) {
      return unsupported(where + ": quantized " + builtin_name(rule.code) +
                         " whose tensors differ in scale or zero point ('" + first->name + "' " +
                         first->quant.to_string() + ", '" + v.name + "' " + v.quant.to_string() +
                         ") is not supported");
    }
  }
  return Status::ok();
}

}  // namespace

std::vector<int64_t> Options::ints(int field) const {
  const Vector<int32_t>* v = table_ ? table_->ints_at(field) : nullptr;
  if (!v) return {};
  return std::vector<int64_t>(v->begin(), v->end());
}

const BuiltinRule* find_builtin_rule(int32_t code) {
  for (auto rules : {tensor_builtin_rules(), math_builtin_rules(), recurrent_builtin_rules(),
                     rnn_builtin_rules(), svdf_builtin_rules(), more_builtin_rules(),
                     segment_builtin_rules()})
    for (const BuiltinRule& r : rules)
      if (r.code == code) return &r;
  return nullptr;
}

Result<std::vector<Node>> lower_by_rule(const BuiltinRule& rule, Graph& graph, Node node,
                                        const std::string& where) {
  OUTPOST_RETURN_IF_ERROR(check_quantized(rule, graph, node, where));
  Lowering lowering(graph, node);
  if (rule.lower) {
    OUTPOST_RETURN_IF_ERROR(rule.lower(lowering, std::move(node), where));
  } else {
    lowering.add(std::move(node));
  }
  return lowering.take();
}

Result<std::vector<int64_t>> constant_operand(const Graph& g, const Node& n, size_t i,
                                              const std::string& what, const std::string& where) {
  if (i >= n.inputs.size() || n.inputs[i] == kNoValue)
    return invalid_model(where + ": " + what + " (input " + std::to_string(i) + ") is missing");
  const Value& v = g.value(n.inputs[i]);
  if (v.dtype != DType::kInt32 && v.dtype != DType::kInt64)
    return invalid_model(where + ": " + what + " must be int32 or int64, is " +
                         dtype_name(v.dtype));
  if (v.shape.num_elements() == 0) return std::vector<int64_t>{};
  if (!v.is_constant())
    return unsupported(where + ": " + what +
                       " computed at run time is not supported (only a constant tensor)");
  return constant_ints(v);
}

bool has_inputs(const Node& n, size_t count) {
  if (n.inputs.size() != count) return false;
  for (int id : n.inputs)
    if (id == kNoValue) return false;
  return true;
}

}  // namespace outpost::tflite
