// The outline of a .tflite file (formats/model_outline.h): subgraph 0's inputs and outputs with
// their shape signatures (-1: a dimension fixed only at run time), and its operators by TFLite's
// builtin names.
#include <array>

#include "formats/model_outline.h"
#include "formats/tflite/tflite_model.h"
#include "formats/tflite/tflite_ops.h"

namespace outpost {
namespace {

using namespace outpost::tflite;  // NOLINT: the accessors of this format

// TFLite's TensorType names, numpy-spelled where numpy has the type.
std::string tensor_type_name(int8_t type) {
  static constexpr std::array<const char*, 19> kNames = {
      "float32", "float16", "int32",   "uint8",    "int64",  "string", "bool",
      "int16",   "complex64", "int8",  "float64",  "complex128", "uint64", "resource",
      "variant", "uint32",  "uint16",  "int4",     "bfloat16"};
  if (type >= 0 && static_cast<size_t>(type) < kNames.size()) return kNames[static_cast<size_t>(type)];
  return "type " + std::to_string(type);
}

// The shape signature when the file has one (-1 marks a dimension set at run time), else the
// shape.
std::vector<std::string> tensor_dims(const Tensor& t) {
  const Vector<int32_t>* dims = t.shape_signature() ? t.shape_signature() : t.shape();
  std::vector<std::string> out;
  if (dims)
    for (int32_t d : *dims) out.push_back(d < 0 ? "?" : std::to_string(d));
  return out;
}

Result<OutlineTensor> outline_tensor(const SubGraph& sg, int32_t index, const std::string& where) {
  if (!sg.tensors() || index < 0 || static_cast<uint32_t>(index) >= sg.tensors()->size())
    return invalid_model(where + " refers to tensor " + std::to_string(index) + ", which does not exist");
  const Tensor& t = *sg.tensors()->Get(static_cast<uint32_t>(index));
  return OutlineTensor{t.name() ? t.name()->str() : "tensor_" + std::to_string(index),
                       tensor_type_name(t.type()), tensor_dims(t)};
}

Status outline_io(const SubGraph& sg, const Vector<int32_t>* indices, const std::string& where,
                  std::vector<OutlineTensor>& out) {
  if (!indices) return Status::ok();
  for (int32_t index : *indices) {
    OUTPOST_ASSIGN_OR_RETURN(OutlineTensor t, outline_tensor(sg, index, where));
    out.push_back(std::move(t));
  }
  return Status::ok();
}

}  // namespace

Result<ModelOutline> outline_tflite(const uint8_t* data, size_t size, const std::string& name) {
  OUTPOST_ASSIGN_OR_RETURN(const Model* model, verified_model(data, size, name));
  const auto* subgraphs = model->subgraphs();
  if (!subgraphs || subgraphs->size() == 0) return invalid_model(name + ": the model has no subgraph");
  ModelOutline outline;
  outline.format = "tflite";
  outline.version = "schema 3";
  if (subgraphs->size() > 1)
    outline.version += ", " + std::to_string(subgraphs->size()) + " subgraphs (control flow)";
  const SubGraph& sg = *subgraphs->Get(0);
  OUTPOST_RETURN_IF_ERROR(outline_io(sg, sg.inputs(), name + ": graph inputs", outline.inputs));
  OUTPOST_RETURN_IF_ERROR(outline_io(sg, sg.outputs(), name + ": graph outputs", outline.outputs));
  const auto* codes = model->operator_codes();
  if (!sg.operators()) return outline;
  for (uint32_t i = 0; i < sg.operators()->size(); ++i) {
    const Operator& op = *sg.operators()->Get(i);
    if (!codes || op.opcode_index() >= codes->size())
      return invalid_model(name + ": operator " + std::to_string(i) + ": opcode index " +
                           std::to_string(op.opcode_index()) + " is out of range");
    const OperatorCode& oc = *codes->Get(op.opcode_index());
    const int32_t code = builtin_code_of(oc);
    const std::string custom = oc.custom_code() ? oc.custom_code()->str() : "";
    const bool is_custom = builtin_name(code) == "CUSTOM";
    count_op(outline.ops, is_custom ? "custom '" + custom + "'" : builtin_name(code), static_cast<int>(i),
             is_custom ? translates_custom_op(custom) : translates_builtin(code));
    ++outline.nodes;
  }
  return outline;
}

}  // namespace outpost
