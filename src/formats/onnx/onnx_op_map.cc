#include "formats/onnx/onnx_op_map.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>
#include <utility>

#include "formats/onnx/onnx_newer_opsets.h"
#include "formats/onnx/onnx_tensor.h"
#include "ir/control_flow.h"

namespace outpost {
namespace {

// ONNX ops whose IR op has another name (the IR op of the ONNX name has other semantics).
constexpr std::array<std::pair<const char*, OpKind>, 4> kRenamed = {{
    {"Sigmoid", OpKind::kLogistic},
    {"QuantizeLinear", OpKind::kQuantize},      // the scale and zero point as operands
    {"DequantizeLinear", OpKind::kDequantize},
    {"Mean", OpKind::kElementwiseMean},  // elementwise; ReduceMean reduces
}};

// ONNX op types that are an older form of another ONNX op, and import as that op.
constexpr std::array<std::pair<const char*, OpKind>, 2> kOlderForms = {{
    {"Upsample", OpKind::kResize},  // is_legacy_resize
    {"Scatter", OpKind::kScatterElements},  // deprecated in opset 11: the same op, no reduction
}};

// Ops of the main list that ONNX ops of the same name map to: the same concept, whatever differs
// between the formats settled into attributes at import (settle_opset_semantics below).
constexpr std::array<OpKind, 10> kSharedWithMainList = {
    OpKind::kAdd,       OpKind::kSub,     OpKind::kMul,    OpKind::kDiv,  OpKind::kConcat,
    OpKind::kRelu,      OpKind::kTanh,    OpKind::kHardSwish, OpKind::kSoftmax, OpKind::kReshape};

// The domain of ONNX's training ops, and those of its ops the importer translates (opset 1):
// the optimizers, whose one step is plain elementwise arithmetic. Not ops of ai.onnx, so a
// default-domain node of these names is unknown.
constexpr const char kPreviewTrainingDomain[] = "ai.onnx.preview.training";
constexpr std::array<std::pair<const char*, OpKind>, 3> kPreviewTrainingOps = {{
    {"Adagrad", OpKind::kAdagrad},
    {"Momentum", OpKind::kMomentum},
    {"Adam", OpKind::kAdam},
}};

bool is_default_domain(const std::string& domain) { return domain.empty() || domain == "ai.onnx"; }

// The one ONNX op that becomes no node: the importer reads it into a constant value
// (onnx_importer.cc), so map_onnx_node never sees it.
constexpr const char kConstantOp[] = "Constant";

// The sequence ops, which the importer resolves at load into tensor ops over a list of values
// (onnx_importer.cc, Importer::add_sequence_node): map_onnx_node never sees them either.
constexpr std::array<const char*, 9> kSequenceOps = {
    "SequenceEmpty", "SequenceConstruct", "SequenceInsert",     "SequenceErase",
    "SequenceAt",    "SequenceLength",    "ConcatFromSequence", "SplitToSequence",
    "SequenceMap"};

// The optional ops, which the importer resolves at load (Importer::add_optional_node): whether
// an optional holds its element is bound at load.
constexpr std::array<const char*, 3> kOptionalOps = {"Optional", "OptionalHasElement",
                                                     "OptionalGetElement"};

bool is_legacy_broadcast_op(OpKind op) {
  switch (op) {
    case OpKind::kAdd:
    case OpKind::kSub:
    case OpKind::kMul:
    case OpKind::kDiv:
    case OpKind::kPow:
    case OpKind::kAnd:
    case OpKind::kOr:
    case OpKind::kXor:
    case OpKind::kEqual:
    case OpKind::kGreater:
    case OpKind::kLess:
    case OpKind::kPRelu:
      return true;
    default:
      return false;
  }
}

// Ops whose output dtype is the attribute output_datatype (an ONNX TensorProto data type).
bool creates_typed_values(OpKind op) {
  return op == OpKind::kHannWindow || op == OpKind::kHammingWindow ||
         op == OpKind::kBlackmanWindow || op == OpKind::kMelWeightMatrix;
}

// Upsample (deprecated in opset 10) and Resize-10 are one op: inputs (x, scales) or, before
// opset 9, the `scales` attribute; asymmetric coordinates; nearest or (bi)linear.
bool is_legacy_resize(const std::string& op_type, int64_t opset) {
  return op_type == "Upsample" || (op_type == "Resize" && opset < 11);
}

// The IR's Resize in the legacy form's place: asymmetric coordinates, and the nearest rounding
// ONNX Runtime gives these ops ("simple": floor, ceil when downscaling).
Status settle_legacy_resize(const std::string& prefix, Node& node) {
  std::string mode = node.attrs.get_string("mode", "nearest");
  if (mode == "bilinear") mode = "linear";  // Upsample-7's name
  if (mode != "nearest" && mode != "linear")
    return unsupported(prefix + "mode '" + mode + "' is not supported (nearest, linear)");
  node.attrs.set("mode", mode);
  node.attrs.set("coordinate_transformation_mode", std::string("asymmetric"));
  node.attrs.set("nearest_mode", std::string("simple"));
  return Status::ok();
}

std::optional<OpKind> ir_op_for(const std::string& op_type) {
  for (const auto& [name, op] : kRenamed)
    if (op_type == name) return op;
  for (const auto& [name, op] : kOlderForms)
    if (op_type == name) return op;
  auto op = op_from_name(op_type);
  if (!op) return std::nullopt;
  for (OpKind shared : kSharedWithMainList)
    if (*op == shared) return op;
  // IR-only names (TFLite rows, the renamed targets, Onnx*) are not ONNX op types.
  if (static_cast<int>(*op) < static_cast<int>(OpKind::kAbs)) return std::nullopt;
  if (op_type.rfind("Onnx", 0) == 0) return std::nullopt;
  if (*op == OpKind::kAtan2) return std::nullopt;  // TFLite's ATAN2; ONNX has no such op
  for (const auto& entry : kRenamed)
    if (*op == entry.second) return std::nullopt;
  for (const auto& entry : kPreviewTrainingOps)
    if (*op == entry.second) return std::nullopt;
  return op;
}

// The IR op of an ONNX op of `domain`, if the importer translates it.
std::optional<OpKind> ir_op_for(const std::string& domain, const std::string& op_type) {
  if (is_default_domain(domain)) return ir_op_for(op_type);
  if (domain != kPreviewTrainingDomain) return std::nullopt;
  for (const auto& [name, op] : kPreviewTrainingOps)
    if (op_type == name) return op;
  return std::nullopt;
}

Status copy_attribute(const onnx::AttributeProto& a, const std::string& where, Node& node) {
  const std::string what = where + ": attribute '" + a.name() + "'";
  if (!a.ref_attr_name().empty())
    return unsupported(what + " refers to a function attribute, which is not supported");
  using A = onnx::AttributeProto;
  A::AttributeType type = a.type();
  if (type == A::UNDEFINED) {  // old models leave the type out: take the field that is set
    if (a.has_f())
      type = A::FLOAT;
    else if (a.has_i())
      type = A::INT;
    else if (a.has_s())
      type = A::STRING;
    else if (a.has_t())
      type = A::TENSOR;
    else if (a.ints_size())
      type = A::INTS;
    else if (a.floats_size())
      type = A::FLOATS;
    else if (a.strings_size())
      type = A::STRINGS;
  }
  switch (type) {
    case A::FLOAT:
      node.attrs.set(a.name(), a.f());
      return Status::ok();
    case A::INT:
      node.attrs.set(a.name(), static_cast<int64_t>(a.i()));
      return Status::ok();
    case A::STRING:
      node.attrs.set(a.name(), a.s());
      return Status::ok();
    case A::INTS:
      node.attrs.set(a.name(), std::vector<int64_t>(a.ints().begin(), a.ints().end()));
      return Status::ok();
    case A::FLOATS:
      node.attrs.set(a.name(), std::vector<float>(a.floats().begin(), a.floats().end()));
      return Status::ok();
    case A::STRINGS:  // the recurrent ops' activations
      node.attrs.set(a.name(), std::vector<std::string>(a.strings().begin(), a.strings().end()));
      return Status::ok();
    case A::TENSOR: {
      // One-element tensors (ConstantOfShape's value) become a scalar attribute plus its dtype.
      Value v;
      OUTPOST_RETURN_IF_ERROR(read_onnx_tensor(a.t(), OnnxTensorSource{}, what, v));
      if (v.shape.num_elements().value_or(0) != 1)
        return unsupported(what + " is a tensor of shape " + v.shape.to_string() +
                           "; only one-element tensor attributes are supported");
      node.attrs.set(a.name() + "_dtype", static_cast<int64_t>(v.dtype));
      const uint8_t* b = v.constant.bytes;
      switch (v.dtype) {
        case DType::kFloat32: {
          float f;
          std::memcpy(&f, b, 4);
          node.attrs.set(a.name(), f);
          break;
        }
        case DType::kFloat64: {
          double d;
          std::memcpy(&d, b, 8);
          node.attrs.set(a.name(), static_cast<float>(d));
          break;
        }
        case DType::kInt64: {
          int64_t i;
          std::memcpy(&i, b, 8);
          node.attrs.set(a.name() + "_int", i);
          break;
        }
        case DType::kInt32: {
          int32_t i;
          std::memcpy(&i, b, 4);
          node.attrs.set(a.name() + "_int", int64_t{i});
          break;
        }
        case DType::kInt16: {
          int16_t i;
          std::memcpy(&i, b, 2);
          node.attrs.set(a.name() + "_int", int64_t{i});
          break;
        }
        case DType::kInt8:
          node.attrs.set(a.name() + "_int", int64_t{static_cast<int8_t>(b[0])});
          break;
        case DType::kUInt8:
        case DType::kBool:
          node.attrs.set(a.name() + "_int", int64_t{b[0]});
          break;
        case DType::kUInt16: {
          uint16_t i;
          std::memcpy(&i, b, 2);
          node.attrs.set(a.name() + "_int", int64_t{i});
          break;
        }
        case DType::kUInt32: {
          uint32_t i;
          std::memcpy(&i, b, 4);
          node.attrs.set(a.name() + "_int", int64_t{i});
          break;
        }
        default:
          return unsupported(what + ": a " + dtype_name(v.dtype) +
                             " tensor attribute is not supported");
      }
      return Status::ok();
    }
    case A::GRAPH:  // If's branches, Loop's and Scan's body: the importer reads them
      if (is_control_flow(node.op)) return Status::ok();
      return unsupported(what + " holds a subgraph, which " + op_name(node.op) + " does not take");
    case A::GRAPHS:
      return unsupported(what + " holds a list of subgraphs, which is not supported");
    default:
      return unsupported(what + " has attribute type " + std::to_string(static_cast<int>(type)) +
                         ", which is not supported");
  }
}

// What changed between opsets is settled here, once: the IR node says what it computes, and
// nothing after the importer reads an opset (DESIGN.md, "The runtime, as data flows").
void settle_opset_semantics(int64_t opset, Node& node) {
  switch (node.op) {
    case OpKind::kClip:
      // Before opset 11 the bounds are the attributes min and max; after, optional inputs.
      if (opset >= 11) {
        node.attrs.erase("min");
        node.attrs.erase("max");
      }
      break;
    case OpKind::kSoftmax:
    case OpKind::kLogSoftmax:
    case OpKind::kHardmax:
      // Before opset 13 the input is read as 2-D, [outer, inner] split at `axis` (default 1);
      // from 13 the op runs along the one axis `axis` (default -1). `beta` is TFLite's: ONNX
      // has none, so one on an ONNX node means nothing.
      node.attrs.erase("beta");
      if (!node.attrs.has("axis")) node.attrs.set("axis", int64_t{opset >= 13 ? -1 : 1});
      node.attrs.set("coerce_2d", int64_t{opset < 13 ? 1 : 0});
      break;
    case OpKind::kReshape:
      // The shape is always the operand (the attribute form left before opset 5); `new_shape`
      // is TFLite's.
      node.attrs.erase("new_shape");
      break;
    case OpKind::kQuantize:
    case OpKind::kDequantize:
      // Per-axis scales (and `axis`) came with opset 13. ONNX rounds half to even.
      node.attrs.set("per_axis", int64_t{opset >= 13 ? 1 : 0});
      if (node.op == OpKind::kQuantize) node.attrs.set("rounding", std::string("half_to_even"));
      break;
    case OpKind::kRoiAlign:
      // coordinate_transformation_mode came with opset 16 (default half_pixel); before, the
      // op shifted nothing, which is output_half_pixel.
      if (opset < 16)
        node.attrs.set("coordinate_transformation_mode", std::string("output_half_pixel"));
      break;
    case OpKind::kRNN:
    case OpKind::kGRU:
    case OpKind::kLSTM:
      // `layout` (batch-first operands) came with opset 14; `output_sequence` of opset 1 left
      // in 7 and changes nothing the named outputs do not already say.
      if (opset < 14) node.attrs.erase("layout");
      node.attrs.erase("output_sequence");
      break;
    case OpKind::kBatchNormalization:
      // `training_mode` arrived in opset 14, `spatial` left in 9: an attribute of the other
      // opsets' name means nothing there.
      if (opset < 14) node.attrs.erase("training_mode");
      if (opset >= 9) node.attrs.erase("spatial");
      break;
    default:
      break;
  }
}

}  // namespace

bool is_onnx_sequence_op(const std::string& op_type) {
  for (const char* name : kSequenceOps)
    if (op_type == name) return true;
  return false;
}

bool is_onnx_optional_op(const std::string& op_type) {
  for (const char* name : kOptionalOps)
    if (op_type == name) return true;
  return false;
}

bool translates_onnx_op(const std::string& op_type) {
  return op_type == kConstantOp || is_onnx_sequence_op(op_type) || is_onnx_optional_op(op_type) ||
         ir_op_for(op_type).has_value();
}

bool translates_onnx_op(const std::string& domain, const std::string& op_type) {
  if (is_default_domain(domain)) return translates_onnx_op(op_type);
  return ir_op_for(domain, op_type).has_value();
}

std::vector<std::string> translated_onnx_ops() {
  // ir_op_for accepts only the renamed ONNX names and names of IR ops, so these are all.
  std::vector<std::string> ops = {kConstantOp};
  for (const char* name : kSequenceOps) ops.push_back(name);
  for (const char* name : kOptionalOps) ops.push_back(name);
  for (const auto& entry : kRenamed) ops.push_back(entry.first);
  for (const auto& entry : kOlderForms) ops.push_back(entry.first);
  for (size_t i = 0; i < kOpKindCount; ++i) {
    const char* name = op_name(static_cast<OpKind>(i));
    if (ir_op_for(name) && std::find(ops.begin(), ops.end(), name) == ops.end())
      ops.push_back(name);
  }
  std::sort(ops.begin(), ops.end());
  return ops;
}

std::string describe_onnx_op(const std::string& op_type, const std::string& domain, int64_t opset) {
  return "op '" + op_type + "' (domain " + (domain.empty() ? std::string("ai.onnx") : domain) +
         ", opset " + std::to_string(opset) + ")";
}

Status map_onnx_node(const onnx::NodeProto& proto, int64_t opset, const std::string& where,
                     Node& node) {
  const std::string op_text = describe_onnx_op(proto.op_type(), proto.domain(), opset);
  auto op = ir_op_for(proto.domain(), proto.op_type());
  if (!op) return unsupported(where + ": " + op_text + " is not supported");
  node.op = *op;
  for (const auto& a : proto.attribute()) {
    Status s = copy_attribute(a, where + " " + op_text, node);
    if (!s.is_ok()) return s;
  }
  const std::string prefix = where + ": " + op_text + ": ";
  if (opset < 7 && is_legacy_broadcast_op(node.op)) {
    // Before opset 7, broadcasting was opt-in and could align at `axis`; without `axis` it is
    // numpy's trailing alignment, which the IR ops do.
    if (node.attrs.has("axis"))
      return unsupported(prefix + "legacy broadcasting with attribute 'axis' is not supported");
  }
  if (node.op == OpKind::kCast) {
    OUTPOST_ASSIGN_OR_RETURN(DType to,
                             onnx_dtype(node.attrs.get_int("to", -1), prefix + "attribute 'to'"));
    node.attrs.set("to_dtype", static_cast<int64_t>(to));
  }
  if (node.op == OpKind::kEyeLike && node.attrs.has("dtype")) {
    OUTPOST_ASSIGN_OR_RETURN(
        DType to, onnx_dtype(node.attrs.get_int("dtype", -1), prefix + "attribute 'dtype'"));
    node.attrs.set("to_dtype", static_cast<int64_t>(to));
  }
  if (creates_typed_values(node.op)) {
    // The window functions' and MelWeightMatrix's output_datatype (default float).
    OUTPOST_ASSIGN_OR_RETURN(DType to, onnx_dtype(node.attrs.get_int("output_datatype", 1),
                                                  prefix + "attribute 'output_datatype'"));
    node.attrs.set("to_dtype", static_cast<int64_t>(to));
  }
  if (node.op == OpKind::kDropout && opset < 7 && node.attrs.get_int("is_test", 0) == 0)
    return unsupported(prefix + "Dropout with is_test=0 (training) is not supported");
  if (is_legacy_resize(proto.op_type(), opset))
    OUTPOST_RETURN_IF_ERROR(settle_legacy_resize(prefix, node));
  OUTPOST_RETURN_IF_ERROR(settle_newer_opset_attributes(proto, opset, prefix, node));
  settle_opset_semantics(opset, node);
  return Status::ok();
}

void place_onnx_operands(const std::string& op_type, int64_t opset, Node& node) {
  if (is_legacy_resize(op_type, opset) && node.inputs.size() > 1)
    node.inputs.insert(node.inputs.begin() + 1, kNoValue);  // no roi
}

}  // namespace outpost
