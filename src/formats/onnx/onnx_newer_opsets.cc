#include "formats/onnx/onnx_newer_opsets.h"

#include <onnx/onnx_pb.h>

#include "ir/constant_ints.h"

namespace outpost {
namespace {

// ONNX's TensorProto.UINT8: QuantizeLinear's output type when neither a zero point nor
// output_dtype says otherwise.
constexpr int64_t kOnnxUInt8 = 2;

bool has_operand(const onnx::NodeProto& proto, int index) {
  return proto.input_size() > index && !proto.input(index).empty();
}

// Split-18 may give the number of outputs instead of their sizes: equal chunks of
// ceil(extent / num_outputs), the last one smaller where the extent does not divide.
Status settle_split(const onnx::NodeProto& proto, const std::string& prefix, Node& node) {
  if (!node.attrs.has("num_outputs")) return Status::ok();
  const int64_t n = node.attrs.get_int("num_outputs", 0);
  if (has_operand(proto, 1))
    return invalid_model(prefix + "both the split input and num_outputs are given");
  if (n != proto.output_size())
    return invalid_model(prefix + "num_outputs is " + std::to_string(n) + " but the node has " +
                         std::to_string(proto.output_size()) + " outputs");
  return Status::ok();
}

// Resize-18's new attributes at their defaults change nothing; antialias 1 and axes are left to
// Resize's shape inference, which refuses them by name.
void settle_resize(Node& node) {
  if (node.attrs.has("antialias") && node.attrs.get_int("antialias", 0) == 0)
    node.attrs.erase("antialias");
  if (node.attrs.get_string("keep_aspect_ratio_policy", "stretch") == "stretch")
    node.attrs.erase("keep_aspect_ratio_policy");
}

// GridSample-20 names its interpolations linear and cubic (the IR: bilinear, bicubic, the names
// of opset 16, whose 4-D form is the one the IR runs).
void settle_grid_sample(Node& node) {
  const std::string mode = node.attrs.get_string("mode", "linear");
  node.attrs.set("mode", mode == "linear" ? std::string("bilinear")
                         : mode == "cubic" ? std::string("bicubic")
                                           : mode);
}

// Quantize/DequantizeLinear-21's blocked quantization (a scale per block of block_size along
// `axis`) is not the IR's per-tensor or per-axis form; QuantizeLinear-21's output_dtype matters
// only where no zero point gives the output's type.
Status settle_quantize(const onnx::NodeProto& proto, const std::string& prefix, Node& node) {
  if (node.attrs.get_int("block_size", 0) != 0)
    return unsupported(prefix + "blocked quantization (block_size " +
                       std::to_string(node.attrs.get_int("block_size", 0)) +
                       ", opset 21) is not supported");
  node.attrs.erase("block_size");
  node.attrs.erase("saturate");  // float8 outputs only, whose types are refused
  const int64_t output_dtype = node.attrs.get_int("output_dtype", 0);
  if (output_dtype != 0 && output_dtype != kOnnxUInt8 && !has_operand(proto, 2))
    return unsupported(prefix + "output_dtype " + std::to_string(output_dtype) +
                       " without a zero point (opset 21) is not supported");
  node.attrs.erase("output_dtype");
  return Status::ok();
}

}  // namespace

Status settle_newer_opset_attributes(const onnx::NodeProto& proto, int64_t opset,
                                     const std::string& prefix, Node& node) {
  if (opset < 18) return Status::ok();
  switch (node.op) {
    case OpKind::kSplit:
      return settle_split(proto, prefix, node);
    case OpKind::kPad:
      if (has_operand(proto, 3))
        return unsupported(prefix + "the axes input (opset 18) is not supported");
      return Status::ok();
    case OpKind::kResize:
      settle_resize(node);
      return Status::ok();
    case OpKind::kCast:
    case OpKind::kCastLike:
      node.attrs.erase("saturate");  // float8 targets only, whose types are refused
      return Status::ok();
    case OpKind::kQuantize:
    case OpKind::kDequantize:
      return settle_quantize(proto, prefix, node);
    case OpKind::kGridSample:
      if (opset >= 20) settle_grid_sample(node);
      return Status::ok();
    case OpKind::kDFT:
      // DFT-20 takes its axis as input 2 (settle_newer_opset_operands), by default -2: the
      // last signal axis, before the real/imaginary one. DFT-17's attribute (default 1) is gone.
      if (opset >= 20) node.attrs.set("axis", int64_t{-2});
      return Status::ok();
    default:
      return Status::ok();
  }
}

Status settle_newer_opset_operands(const std::string& op_type, int64_t opset,
                                   const std::string& prefix, const Graph& graph, Node& node) {
  if (op_type != "DFT" || opset < 20 || node.inputs.size() < 3) return Status::ok();
  if (node.inputs[2] != kNoValue) {
    const Value& axis = graph.value(node.inputs[2]);
    if (!axis.is_constant() || (axis.dtype != DType::kInt64 && axis.dtype != DType::kInt32) ||
        axis.shape.num_elements().value_or(0) != 1)
      return unsupported(prefix + "an axis that is not a constant int scalar is not supported");
    node.attrs.set("axis", constant_ints(axis)[0]);
  }
  node.inputs.resize(2);
  return Status::ok();
}

}  // namespace outpost
