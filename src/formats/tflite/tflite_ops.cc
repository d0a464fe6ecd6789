#include "formats/tflite/tflite_ops.h"

#include <cmath>
#include <cstring>
#include <iterator>
#include <string_view>
#include <vector>

#include "formats/tflite/detection_postprocess_options.h"
#include "formats/tflite/tflite_builtin_rule.h"
#include "formats/tflite/tflite_fully_connected.h"

namespace outpost::tflite {
namespace {

// Builtin operator codes we translate (from the TFLite schema's BuiltinOperator enum).
enum Builtin : int32_t {
  kAdd = 0, kAveragePool2D = 1, kConcatenation = 2, kConv2D = 3, kDepthwiseConv2D = 4,
  kDepthToSpace = 5, kDequantize = 6, kFullyConnected = 9, kLogistic = 14, kMaxPool2D = 17,
  kMul = 18, kRelu = 19, kRelu6 = 21, kReshape = 22, kResizeBilinear = 23, kSoftmax = 25,
  kTanh = 28, kCustom = 32, kPad = 34, kMean = 40, kSub = 41, kDiv = 42, kQuantize = 114,
  kHardSwish = 117, kIf = 118, kWhile = 119, kDensify = 124, kCallOnce = 129, kVarHandle = 142,
  kReadVariable = 143, kAssignVariable = 144,
};

// The names of TFLite's BuiltinOperator enum, indexed by code: every code of the schema as
// LiteRT and TensorFlow publish it, so that messages and docs/ops.md name any operator a file
// may hold. Codes from 127 on live in OperatorCode.builtin_code only (127 itself is the
// placeholder that older readers see in deprecated_builtin_code). Each line starts with its
// first code, so that a reader can check a name against the schema.
// clang-format off
constexpr const char* kBuiltinNames[] = {
    /* 0 */ "ADD", "AVERAGE_POOL_2D", "CONCATENATION", "CONV_2D", "DEPTHWISE_CONV_2D",
    /* 5 */ "DEPTH_TO_SPACE", "DEQUANTIZE", "EMBEDDING_LOOKUP", "FLOOR", "FULLY_CONNECTED",
    /* 10 */ "HASHTABLE_LOOKUP", "L2_NORMALIZATION", "L2_POOL_2D", "LOCAL_RESPONSE_NORMALIZATION",
    /* 14 */ "LOGISTIC", "LSH_PROJECTION", "LSTM", "MAX_POOL_2D", "MUL", "RELU", "RELU_N1_TO_1",
    /* 21 */ "RELU6", "RESHAPE", "RESIZE_BILINEAR", "RNN", "SOFTMAX", "SPACE_TO_DEPTH", "SVDF",
    /* 28 */ "TANH", "CONCAT_EMBEDDINGS", "SKIP_GRAM", "CALL", "CUSTOM", "EMBEDDING_LOOKUP_SPARSE",
    /* 34 */ "PAD", "UNIDIRECTIONAL_SEQUENCE_RNN", "GATHER", "BATCH_TO_SPACE_ND",
    /* 38 */ "SPACE_TO_BATCH_ND", "TRANSPOSE", "MEAN", "SUB", "DIV", "SQUEEZE",
    /* 44 */ "UNIDIRECTIONAL_SEQUENCE_LSTM", "STRIDED_SLICE", "BIDIRECTIONAL_SEQUENCE_RNN", "EXP",
    /* 48 */ "TOPK_V2", "SPLIT", "LOG_SOFTMAX", "DELEGATE", "BIDIRECTIONAL_SEQUENCE_LSTM", "CAST",
    /* 54 */ "PRELU", "MAXIMUM", "ARG_MAX", "MINIMUM", "LESS", "NEG", "PADV2", "GREATER",
    /* 62 */ "GREATER_EQUAL", "LESS_EQUAL", "SELECT", "SLICE", "SIN", "TRANSPOSE_CONV",
    /* 68 */ "SPARSE_TO_DENSE", "TILE", "EXPAND_DIMS", "EQUAL", "NOT_EQUAL", "LOG", "SUM", "SQRT",
    /* 76 */ "RSQRT", "SHAPE", "POW", "ARG_MIN", "FAKE_QUANT", "REDUCE_PROD", "REDUCE_MAX", "PACK",
    /* 84 */ "LOGICAL_OR", "ONE_HOT", "LOGICAL_AND", "LOGICAL_NOT", "UNPACK", "REDUCE_MIN",
    /* 90 */ "FLOOR_DIV", "REDUCE_ANY", "SQUARE", "ZEROS_LIKE", "FILL", "FLOOR_MOD", "RANGE",
    /* 97 */ "RESIZE_NEAREST_NEIGHBOR", "LEAKY_RELU", "SQUARED_DIFFERENCE", "MIRROR_PAD", "ABS",
    /* 102 */ "SPLIT_V", "UNIQUE", "CEIL", "REVERSE_V2", "ADD_N", "GATHER_ND", "COS", "WHERE",
    /* 110 */ "RANK", "ELU", "REVERSE_SEQUENCE", "MATRIX_DIAG", "QUANTIZE", "MATRIX_SET_DIAG",
    /* 116 */ "ROUND", "HARD_SWISH", "IF", "WHILE", "NON_MAX_SUPPRESSION_V4",
    /* 121 */ "NON_MAX_SUPPRESSION_V5", "SCATTER_ND", "SELECT_V2", "DENSIFY", "SEGMENT_SUM",
    /* 126 */ "BATCH_MATMUL", "PLACEHOLDER_FOR_GREATER_OP_CODES", "CUMSUM", "CALL_ONCE",
    /* 130 */ "BROADCAST_TO", "RFFT2D", "CONV_3D", "IMAG", "REAL", "COMPLEX_ABS", "HASHTABLE",
    /* 137 */ "HASHTABLE_FIND", "HASHTABLE_IMPORT", "HASHTABLE_SIZE", "REDUCE_ALL",
    /* 141 */ "CONV_3D_TRANSPOSE", "VAR_HANDLE", "READ_VARIABLE", "ASSIGN_VARIABLE",
    /* 145 */ "BROADCAST_ARGS", "RANDOM_STANDARD_NORMAL", "BUCKETIZE", "RANDOM_UNIFORM",
    /* 149 */ "MULTINOMIAL", "GELU", "DYNAMIC_UPDATE_SLICE", "RELU_0_TO_1", "UNSORTED_SEGMENT_PROD",
    /* 154 */ "UNSORTED_SEGMENT_MAX", "UNSORTED_SEGMENT_SUM", "ATAN2", "UNSORTED_SEGMENT_MIN",
    /* 158 */ "SIGN", "BITCAST", "BITWISE_XOR", "RIGHT_SHIFT", "STABLEHLO_LOGISTIC",
    /* 163 */ "STABLEHLO_ADD", "STABLEHLO_DIVIDE", "STABLEHLO_MULTIPLY", "STABLEHLO_MAXIMUM",
    /* 167 */ "STABLEHLO_RESHAPE", "STABLEHLO_CLAMP", "STABLEHLO_CONCATENATE",
    /* 170 */ "STABLEHLO_BROADCAST_IN_DIM", "STABLEHLO_CONVOLUTION", "STABLEHLO_SLICE",
    /* 173 */ "STABLEHLO_CUSTOM_CALL", "STABLEHLO_REDUCE", "STABLEHLO_ABS", "STABLEHLO_AND",
    /* 177 */ "STABLEHLO_COSINE", "STABLEHLO_EXPONENTIAL", "STABLEHLO_FLOOR", "STABLEHLO_LOG",
    /* 181 */ "STABLEHLO_MINIMUM", "STABLEHLO_NEGATE", "STABLEHLO_OR", "STABLEHLO_POWER",
    /* 185 */ "STABLEHLO_REMAINDER", "STABLEHLO_RSQRT", "STABLEHLO_SELECT", "STABLEHLO_SUBTRACT",
    /* 189 */ "STABLEHLO_TANH", "STABLEHLO_SCATTER", "STABLEHLO_COMPARE", "STABLEHLO_CONVERT",
    /* 193 */ "STABLEHLO_DYNAMIC_SLICE", "STABLEHLO_DYNAMIC_UPDATE_SLICE", "STABLEHLO_PAD",
    /* 196 */ "STABLEHLO_IOTA", "STABLEHLO_DOT_GENERAL", "STABLEHLO_REDUCE_WINDOW",
    /* 199 */ "STABLEHLO_SORT", "STABLEHLO_WHILE", "STABLEHLO_GATHER", "STABLEHLO_TRANSPOSE",
    /* 203 */ "DILATE", "STABLEHLO_RNG_BIT_GENERATOR", "REDUCE_WINDOW", "STABLEHLO_COMPOSITE",
    /* 207 */ "STABLEHLO_SHIFT_LEFT", "STABLEHLO_CBRT", "STABLEHLO_CASE",
};
// clang-format on
static_assert(std::size(kBuiltinNames) == 210, "one name per code 0..209 (STABLEHLO_CASE)");

// The builtin codes translate_operator's switch translates (CUSTOM aside: it translates only
// through the custom ops it names). tests/formats/tflite/tflite_ops_test.cc checks that the two
// agree, code by code.
// The CUSTOM operators we translate: MediaPipe's transposed convolution with bias and the SSD
// post-processing of TF's Object Detection API.
constexpr std::string_view kTransposeConvBias = "Convolution2DTransposeBias";
constexpr std::string_view kDetectionPostProcess = "TFLite_Detection_PostProcess";

constexpr Builtin kTranslatedBuiltins[] = {
    kAdd, kAveragePool2D, kConcatenation, kConv2D, kDepthwiseConv2D, kDepthToSpace, kDequantize,
    kFullyConnected, kLogistic, kMaxPool2D, kMul, kRelu, kRelu6, kReshape, kResizeBilinear,
    kSoftmax, kTanh, kPad, kMean, kSub, kDiv, kQuantize, kHardSwish, kDensify,
    kIf, kWhile, kCallOnce, kVarHandle, kReadVariable, kAssignVariable,
};

}  // namespace

std::vector<int> option_field_sizes(int32_t code) {
  if (const BuiltinRule* rule = find_builtin_rule(code)) {
    std::vector<int> sizes;
    for (const char* f = rule->option_fields; *f; ++f) sizes.push_back(*f - '0');
    return sizes;
  }
  switch (code) {
    case kConv2D: return {1, 4, 4, 1, 4, 4};
    case kDepthwiseConv2D: return {1, 4, 4, 4, 1, 4, 4};
    case kAveragePool2D:
    case kMaxPool2D: return {1, 4, 4, 4, 4, 1};
    case kFullyConnected: return {1, 1, 1, 1};
    case kSoftmax: return {4};
    case kConcatenation: return {4, 1};
    case kAdd:
    case kSub: return {1, 1};
    case kMul:
    case kDiv: return {1};
    case kResizeBilinear: return {4, 4, 1, 1};
    case kReshape: return {0};
    case kMean: return {1};
    case kDepthToSpace: return {4};
    case kIf:
    case kWhile: return {4, 4};
    case kCallOnce: return {4};
    case kVarHandle: return {kOptionString, kOptionString};
    default: return {};
  }
}

namespace {

Result<std::string> activation(int8_t code, const std::string& where) {
  switch (code) {
    case kActNone: return std::string("none");
    case kActRelu: return std::string("relu");
    case kActReluN1To1: return std::string("relu_n1_to_1");
    case kActRelu6: return std::string("relu6");
    case kActTanh: return std::string("tanh");
    default: return unsupported(where + ": fused activation " + std::to_string(code) + " is not supported");
  }
}

Result<std::string> padding(int8_t code, const std::string& where) {
  if (code == kPaddingSame) return std::string("same");
  if (code == kPaddingValid) return std::string("valid");
  return invalid_model(where + ": padding " + std::to_string(code) + " is neither SAME nor VALID");
}

// TFLite's ADD and SUB run int16 tensors through a power-of-two kernel (LSTM cells' fixed point,
// other arithmetic than the general one) when pot_scale_int16 is set and every scale is a power
// of two, as its CheckedLog2 decides (log2 within 1e-3 of a whole number). Outpost runs the
// general one only: refused by name. Drops the attribute either way.
Status check_int16_scales(const Graph& g, Node& node, int32_t code, const std::string& where) {
  const bool pot = node.attrs.get_int("pot_scale_int16", 1) != 0;
  node.attrs.erase("pot_scale_int16");
  if (!pot) return Status::ok();
  auto pot_int16 = [&](int id) {
    if (id == kNoValue) return false;
    const Value& v = g.value(id);
    if (v.dtype != DType::kInt16 || v.quant.scale.size() != 1) return false;
    const float log2 = std::log(v.quant.scale[0]) * (1.0f / std::log(2.0f));
    return std::abs(log2 - std::round(log2)) < 1e-3f;
  };
  if (node.inputs.size() == 2 && node.outputs.size() == 1 && pot_int16(node.inputs[0]) &&
      pot_int16(node.inputs[1]) && pot_int16(node.outputs[0]))
    return unsupported(where + ": " + builtin_name(code) +
                       " int16 with power-of-two scales and pot_scale_int16 (TFLite's LSTM-cell "
                       "kernel) is not supported; the general int16 form (pot_scale_int16 false) "
                       "is");
  return Status::ok();
}

}  // namespace

std::string builtin_name(int32_t code) {
  if (code >= 0 && code < builtin_count()) return kBuiltinNames[code];
  return "BUILTIN_" + std::to_string(code);
}

int builtin_count() { return static_cast<int>(std::size(kBuiltinNames)); }

bool translates_builtin(int32_t code) {
  if (find_builtin_rule(code)) return true;
  for (Builtin b : kTranslatedBuiltins)
    if (code == b) return true;
  return false;
}

bool translates_custom_op(const std::string& custom_code) {
  return custom_code == kTransposeConvBias || custom_code == kDetectionPostProcess;
}

bool verify_options(const Operator& op, int32_t code, const uint8_t* buffer, size_t size) {
  const OptionsTable* options = op.builtin_options();
  if (!options) return true;
  Verifier v(buffer, size);
  if (!options->Verify(v)) return false;
  struct Access : OptionsTable {
    bool check(Verifier& v, const std::vector<int>& sizes) const {
      for (size_t i = 0; i < sizes.size(); ++i) {
        const int f = static_cast<int>(i);
        bool ok = true;
        switch (sizes[i]) {
          case 0: ok = verify_offset(v, f) && v.VerifyVector(ints_at(f)); break;
          case 1: ok = verify_scalar<int8_t>(v, f); break;
          case 4: ok = verify_scalar<int32_t>(v, f); break;
          case kOptionString: ok = verify_offset(v, f) && v.VerifyString(string_at(f)); break;
        }
        if (!ok) return false;
      }
      return true;
    }
  };
  return static_cast<const Access*>(options)->check(v, option_field_sizes(code));
}

Status translate_operator(const Operator& op, int32_t code, const std::string& custom_code, Node& node,
                          const std::string& where) {
  const OptionsTable* o = op.builtin_options();
  auto i32 = [&](int f, int32_t d) { return o ? o->int_at(f, d) : d; };
  auto i8 = [&](int f, int8_t d) { return o ? o->byte_at(f, d) : d; };
  auto f32 = [&](int f, float d) { return o ? o->float_at(f, d) : d; };
  Attributes& a = node.attrs;
  if (const BuiltinRule* rule = find_builtin_rule(code)) {
    node.op = rule->op;
    return rule->translate ? rule->translate(Options(o), node, where) : Status::ok();
  }
  auto set_activation = [&](int field) -> Status {
    OUTPOST_ASSIGN_OR_RETURN(std::string act, activation(i8(field, 0), where));
    a.set("activation", act);
    return Status::ok();
  };

  switch (code) {
    case kAdd:
    case kSub:
      // pot_scale_int16 (default true) picks TFLite's power-of-two int16 kernel where every
      // scale is one; lower_operator checks it against the tensors, then drops it.
      node.op = code == kAdd ? OpKind::kAdd : OpKind::kSub;
      a.set("pot_scale_int16", int64_t{i8(1, 1) != 0});
      return set_activation(0);
    case kMul: node.op = OpKind::kMul; return set_activation(0);
    case kDiv: node.op = OpKind::kDiv; return set_activation(0);
    case kAveragePool2D:
    case kMaxPool2D: {
      // ONNX's pools over NHWC: TFLite's SAME is SAME_UPPER (the odd pad at the end), and its
      // average never counts the padding (count_include_pad 0, the default).
      node.op = code == kAveragePool2D ? OpKind::kAveragePool : OpKind::kMaxPool;
      a.set("strides", std::vector<int64_t>{i32(2, 1), i32(1, 1)});
      a.set("kernel_shape", std::vector<int64_t>{i32(4, 1), i32(3, 1)});
      OUTPOST_ASSIGN_OR_RETURN(std::string pad, padding(i8(0, 0), where));
      a.set("auto_pad", std::string(pad == "same" ? "SAME_UPPER" : "VALID"));
      a.set("channels_last", int64_t{1});
      return set_activation(5);
    }
    case kConcatenation:
      node.op = OpKind::kConcat;
      a.set("axis", int64_t{i32(0, 0)});
      return set_activation(1);
    case kConv2D:
    case kDepthwiseConv2D: {
      // ONNX's Conv over NHWC with the weights where the file holds them: OHWI, or 1HWO for the
      // depthwise one (ir/conv_weights.h); settle_operands sets `group` from the shapes. TFLite's
      // SAME puts the odd pad at the end (SAME_UPPER); depth_multiplier follows from the shapes.
      const bool depthwise = code == kDepthwiseConv2D;
      node.op = OpKind::kConv;
      a.set("channels_last", int64_t{1});
      a.set("weights_layout", std::string(depthwise ? "1HWO" : "OHWI"));
      a.set("strides", std::vector<int64_t>{i32(2, 1), i32(1, 1)});
      a.set("dilations", depthwise ? std::vector<int64_t>{i32(6, 1), i32(5, 1)}
                                   : std::vector<int64_t>{i32(5, 1), i32(4, 1)});
      OUTPOST_ASSIGN_OR_RETURN(std::string pad, padding(i8(0, 0), where));
      a.set("auto_pad", std::string(pad == "same" ? "SAME_UPPER" : "VALID"));
      return set_activation(depthwise ? 4 : 3);
    }
    case kFullyConnected:
      // ONNX's Gemm with weights [O, I] (transB); lower_fully_connected (tflite_fully_connected.h)
      // reads and drops keep_num_dims when it adds the Reshapes around it.
      node.op = OpKind::kGemm;
      if (i8(1, 0) != 0) return unsupported(where + ": FULLY_CONNECTED with shuffled weights format is not supported");
      a.set("transB", int64_t{1});
      a.set("keep_num_dims", int64_t{i8(2, 0)});
      return set_activation(0);
    case kDepthToSpace:
      // TFLite's is ONNX's DCR order over NHWC tensors.
      node.op = OpKind::kDepthToSpace;
      a.set("blocksize", int64_t{i32(0, 0)});
      a.set("mode", std::string("DCR"));
      a.set("channels_last", int64_t{1});
      return Status::ok();
    case kDequantize: node.op = OpKind::kDequantize; return Status::ok();
    case kQuantize:
      node.op = OpKind::kQuantize;
      a.set("rounding", std::string("half_away_from_zero"));  // TFLite's std::round
      return Status::ok();
    case kDensify: node.op = OpKind::kDensify; return Status::ok();
    case kLogistic: node.op = OpKind::kLogistic; return Status::ok();
    case kRelu: node.op = OpKind::kRelu; return Status::ok();
    case kRelu6:  // Clip's older form, its bounds as attributes
      node.op = OpKind::kClip;
      a.set("min", 0.0f);
      a.set("max", 6.0f);
      return Status::ok();
    case kTanh: node.op = OpKind::kTanh; return Status::ok();
    case kHardSwish: node.op = OpKind::kHardSwish; return Status::ok();
    // Control flow and resource variables: the importer builds their nodes from the subgraphs
    // and variables they name (tflite_control_flow.cc); what is set here only says they translate.
    case kIf: node.op = OpKind::kIf; return Status::ok();
    case kWhile: node.op = OpKind::kLoop; return Status::ok();
    case kCallOnce:
    case kVarHandle:
    case kReadVariable:
    case kAssignVariable: node.op = OpKind::kIdentity; return Status::ok();
    case kPad: node.op = OpKind::kPad; return Status::ok();
    case kReshape: {
      node.op = OpKind::kReshape;
      a.set("allowzero", int64_t{1});  // TFLite's 0 is a zero-sized dimension, never a copy
      if (o && o->ints_at(0)) {
        std::vector<int64_t> shape(o->ints_at(0)->begin(), o->ints_at(0)->end());
        a.set("new_shape", shape);
      }
      return Status::ok();
    }
    case kResizeBilinear: {
      // ONNX's linear Resize of H and W; the size operand becomes `sizes` (tflite_operands.cc).
      const bool align_corners = i8(2, 0) != 0, half_pixel = i8(3, 0) != 0;
      if (align_corners && half_pixel)
        return invalid_model(where + ": align_corners and half_pixel_centers cannot both be set");
      node.op = OpKind::kResize;
      a.set("mode", std::string("linear"));
      a.set("coordinate_transformation_mode",
            std::string(align_corners ? "align_corners"
                        : half_pixel  ? "half_pixel"
                                      : "asymmetric"));
      return Status::ok();
    }
    case kMean:
      // The axes tensor becomes the attribute `axes` once the inputs are known
      // (tflite_operands.cc); an empty one reduces nothing, where ONNX's reduces everything.
      node.op = OpKind::kReduceMean;
      a.set("keepdims", int64_t{i8(0, 0)});
      a.set("noop_with_empty_axes", int64_t{1});
      return Status::ok();
    case kSoftmax:
      node.op = OpKind::kSoftmax;
      a.set("beta", f32(0, 1.0f));
      return Status::ok();
    case kCustom: {
      if (custom_code == kTransposeConvBias) {
        // MediaPipe stores TfLiteTransposeConvParams raw: int32 padding (1 SAME, 2 VALID),
        // int32 stride_width, int32 stride_height.
        const Vector<uint8_t>* opts = op.custom_options();
        if (!opts || opts->size() < 12)
          return invalid_model(where + ": Convolution2DTransposeBias needs 12 bytes of options (padding, strides)");
        int32_t p[3];
        std::memcpy(p, opts->data(), sizeof p);
        if (p[0] != 1 && p[0] != 2) return invalid_model(where + ": Convolution2DTransposeBias padding must be 1 (SAME) or 2 (VALID)");
        if (p[1] <= 0 || p[2] <= 0) return invalid_model(where + ": Convolution2DTransposeBias strides must be positive");
        // ONNX's ConvTranspose over NHWC with the weights [M, kH, kW, C] where the file holds
        // them (weights_layout OHWI). SAME is an output of input * stride with TFLite's pads,
        // which are ONNX's SAME_UPPER: the odd one at the end.
        node.op = OpKind::kConvTranspose;
        a.set("channels_last", int64_t{1});
        a.set("weights_layout", std::string("OHWI"));
        a.set("strides", std::vector<int64_t>{p[2], p[1]});
        a.set("auto_pad", std::string(p[0] == 1 ? "SAME_UPPER" : "VALID"));
        return Status::ok();
      }
      if (custom_code == kDetectionPostProcess) {
        // The SSD post-processing op of TF Object Detection API models; options: a FlexBuffer map.
        node.op = OpKind::kDetectionPostProcess;
        const Vector<uint8_t>* opts = op.custom_options();
        return read_detection_postprocess_options(opts ? opts->data() : nullptr, opts ? opts->size() : 0, a,
                                                  where);
      }
      return unsupported(where + ": custom operator '" + custom_code +
                         "' is not supported (Outpost implements the custom ops Convolution2DTransposeBias "
                         "and TFLite_Detection_PostProcess); re-export the model with builtin ops");
    }
    default:
      return unsupported(where + ": operator " + builtin_name(code) + " (builtin code " + std::to_string(code) +
                         ") is not supported yet; re-export the model without it or file an issue naming it");
  }
}

Result<std::vector<Node>> lower_operator(Graph& graph, Node node, int32_t code,
                                         const std::string& where) {
  if (const BuiltinRule* rule = find_builtin_rule(code))
    return lower_by_rule(*rule, graph, std::move(node), where);
  if (code == kAdd || code == kSub)
    OUTPOST_RETURN_IF_ERROR(check_int16_scales(graph, node, code, where));
  if (node.op == OpKind::kGemm) return lower_fully_connected(graph, std::move(node), where);
  std::vector<Node> nodes;
  nodes.push_back(std::move(node));
  return nodes;
}

}  // namespace outpost::tflite
