// Building the single-operator models of the TFLite conformance suite (tflite_cases.h): the
// TFLite codes the cases name, and CaseModel, one model under construction. Shared by the case
// files of the suite.
#pragma once

#include <bit>
#include <cmath>
#include <string>
#include <vector>

#include "conformance/tflite_cases.h"
#include "support/tflite_builder.h"

namespace outpost::testing::conformance {

// TFLite TensorType codes.
enum Type : int8_t {
  kF32 = 0, kI32 = 2, kU8 = 3, kI64 = 4, kBool = 6, kI16 = 7, kI8 = 9, kF64 = 10, kResource = 13,
  kU32 = 15, kU16 = 16,
};

inline const char* type_name(int8_t t) {
  switch (t) {
    case kF32: return "float32";
    case kI32: return "int32";
    case kU8: return "uint8";
    case kI64: return "int64";
    case kBool: return "bool";
    case kI8: return "int8";
    case kI16: return "int16";
    case kF64: return "float64";
    case kU32: return "uint32";
    case kU16: return "uint16";
    default: return "?";
  }
}

struct Quant {
  float scale = 0;  // 0: not quantized
  int64_t zero_point = 0;
};

// The quantization an 8-bit case gives every quantized tensor of an op that requires one.
inline Quant quant_of(int8_t t) {
  if (t == kU8) return {0.05f, 128};
  if (t == kI8) return {0.05f, -3};
  return {};
}

// The range of an input of this type when the case does not say.
inline InputRange default_range(int8_t t) {
  switch (t) {
    case kI32:
    case kI64: return {-10, 10};
    case kU16:
    case kU32: return {0, 20};
    case kU8: return {0, 255};
    case kI8: return {-128, 127};
    case kI16: return {-32768, 32767};
    case kBool: return {0, 1};
    default: return {-3, 3};
  }
}

inline int32_t float_bits(float f) { return std::bit_cast<int32_t>(f); }

// Builtin codes and BuiltinOptions union types of TFLite's schema.
enum Code : int32_t {
  ADD = 0, CONCATENATION = 2, FLOOR = 8, EMBEDDING_LOOKUP = 7, L2_NORMALIZATION = 11,
  LOCAL_RESPONSE_NORMALIZATION = 13, LOGISTIC = 14, RELU = 19, RELU_N1_TO_1 = 20, TANH = 28,
  SPACE_TO_DEPTH = 26, GATHER = 36, BATCH_TO_SPACE_ND = 37, SPACE_TO_BATCH_ND = 38,
  TRANSPOSE = 39, SQUEEZE = 43, STRIDED_SLICE = 45, EXP = 47, TOPK_V2 = 48, SPLIT = 49,
  LOG_SOFTMAX = 50, CAST = 53, PRELU = 54, MAXIMUM = 55, ARG_MAX = 56, MINIMUM = 57, LESS = 58,
  NEG = 59, PADV2 = 60, GREATER = 61, GREATER_EQUAL = 62, LESS_EQUAL = 63, SELECT = 64,
  SLICE = 65, SIN = 66, TILE = 69, EXPAND_DIMS = 70, EQUAL = 71, NOT_EQUAL = 72, LOG = 73,
  SUM = 74, SQRT = 75, RSQRT = 76, SHAPE = 77, POW = 78, ARG_MIN = 79, REDUCE_PROD = 81,
  REDUCE_MAX = 82, PACK = 83, LOGICAL_OR = 84, ONE_HOT = 85, LOGICAL_AND = 86, LOGICAL_NOT = 87,
  UNPACK = 88, REDUCE_MIN = 89, SQUARE = 92, ZEROS_LIKE = 93, FILL = 94, RANGE = 96,
  RESIZE_NEAREST_NEIGHBOR = 97, LEAKY_RELU = 98, SQUARED_DIFFERENCE = 99, MIRROR_PAD = 100,
  ABS = 101, SPLIT_V = 102, CEIL = 104, REVERSE_V2 = 105, ADD_N = 106, GATHER_ND = 107, COS = 108,
  ELU = 111, ROUND = 116, HARD_SWISH = 117, SELECT_V2 = 123, BATCH_MATMUL = 126, CUMSUM = 128,
  BROADCAST_TO = 130, GELU = 150, RELU_0_TO_1 = 152, SIGN = 158, TRANSPOSE_CONV = 67,
  UNIDIRECTIONAL_SEQUENCE_LSTM = 44,
  LSTM = 16, RNN = 24, UNIDIRECTIONAL_SEQUENCE_RNN = 35, BIDIRECTIONAL_SEQUENCE_RNN = 46,
  BIDIRECTIONAL_SEQUENCE_LSTM = 52, SVDF = 27,
  // The builtins the importer translated before its rules.
  AVERAGE_POOL_2D = 1, CONV_2D = 3, DEPTHWISE_CONV_2D = 4, DEPTH_TO_SPACE = 5, DEQUANTIZE = 6,
  FULLY_CONNECTED = 9, MAX_POOL_2D = 17, MUL = 18, RELU6 = 21, RESHAPE = 22,
  RESIZE_BILINEAR = 23, SOFTMAX = 25, PAD = 34, MEAN = 40, SUB = 41, DIV = 42, QUANTIZE = 114,
  FLOOR_DIV = 90, FLOOR_MOD = 95,
};
enum OptionsType : uint8_t {
  kL2NormOptions = 12, kLrnOptions = 13, kSpaceToDepthOptions = 19, kGatherOptions = 23,
  kReducerOptions = 27, kSqueezeOptions = 30, kStridedSliceOptions = 32, kSplitOptions = 35,
  kCastOptions = 37, kArgMaxOptions = 40, kShapeOptions = 55, kArgMinOptions = 57,
  kPackOptions = 59, kOneHotOptions = 61, kUnpackOptions = 64, kResizeNearestOptions = 74,
  kLeakyReluOptions = 75, kMirrorPadOptions = 77, kSplitVOptions = 79, kBatchMatMulOptions = 101,
  kCumsumOptions = 102, kGeluOptions = 116, kTransposeConvOptions = 49,
  kUnidirectionalSequenceLstmOptions = 71,
  kSvdfOptions = 6, kRnnOptions = 7, kLstmOptions = 14, kSequenceRnnOptions = 31,
  kBidirectionalSequenceLstmOptions = 69, kBidirectionalSequenceRnnOptions = 70,
  kConv2DOptions = 1, kDepthwiseConv2DOptions = 2, kPool2DOptions = 5,
  kFullyConnectedOptions = 8, kSoftmaxOptions = 9, kConcatenationOptions = 10, kAddOptions = 11,
  kResizeBilinearOptions = 15, kMulOptions = 21, kSubOptions = 28, kDivOptions = 29,
  kDepthToSpaceOptions = 94,
};

// One single-operator model under construction.
class CaseModel {
 public:
  int input(std::vector<int32_t> shape, int8_t type, Quant q = {}, InputRange range = {NAN, NAN}) {
    inputs_.push_back({std::vector<int64_t>(shape.begin(), shape.end()), type,
                       std::isnan(range.lo) ? default_range(type) : range});
    const int t = tensor(std::move(shape), type, q, 0);
    spec_.inputs.push_back(t);
    return t;
  }
  int ints(std::vector<int32_t> shape, std::vector<int32_t> values) {
    spec_.buffers.push_back(bytes_of(values));
    return tensor(std::move(shape), kI32, {}, static_cast<uint32_t>(spec_.buffers.size()));
  }
  int floats(std::vector<int32_t> shape, std::vector<float> values) {
    spec_.buffers.push_back(bytes_of(values));
    return tensor(std::move(shape), kF32, {}, static_cast<uint32_t>(spec_.buffers.size()));
  }
  int raw(std::vector<int32_t> shape, int8_t type, Quant q, std::vector<uint8_t> bytes) {
    spec_.buffers.push_back(std::move(bytes));
    return tensor(std::move(shape), type, q, static_cast<uint32_t>(spec_.buffers.size()));
  }
  // A constant quantized per channel along `dim`, zero points 0 (TFLite's int8 weights).
  int per_channel(std::vector<int32_t> shape, int8_t type, std::vector<float> scales, int32_t dim,
                  std::vector<uint8_t> bytes) {
    spec_.buffers.push_back(std::move(bytes));
    const int t = tensor(std::move(shape), type, {}, static_cast<uint32_t>(spec_.buffers.size()));
    tensors()[static_cast<size_t>(t)].zero_point.assign(scales.size(), 0);
    tensors()[static_cast<size_t>(t)].scale = std::move(scales);
    tensors()[static_cast<size_t>(t)].quantized_dimension = dim;
    return t;
  }
  // A variable tensor without data: state TFLite keeps across invocations (an LSTM's).
  int variable(std::vector<int32_t> shape, int8_t type) {
    const int t = tensor(std::move(shape), type, {}, 0);
    tensors()[static_cast<size_t>(t)].is_variable = true;
    return t;
  }
  int output(std::vector<int32_t> shape, int8_t type, Quant q = {}) {
    const int t = tensor(std::move(shape), type, q, 0);
    spec_.outputs.push_back(t);
    return t;
  }
  void op(int32_t code, std::vector<int32_t> inputs, std::vector<int32_t> outputs,
          uint8_t options_type = 0, std::vector<TfOptionField> fields = {},
          std::vector<TfOptionVector> vectors = {}) {
    TfOperatorSpec o;
    o.builtin_code = code;
    o.version = code == BROADCAST_TO ? 2 : 1;  // TFLite registers BROADCAST_TO from version 2
    o.inputs = std::move(inputs);
    o.outputs = std::move(outputs);
    o.options_type = options_type;
    o.options = std::move(fields);
    o.option_vectors = std::move(vectors);
    operators().push_back(std::move(o));
  }
  // Starts subgraph k (1, 2, ...; returned) for IF, WHILE and CALL_ONCE to call: tensors and
  // operators go there until end_subgraph(). Its inputs are param()s, its outputs result()s.
  int begin_subgraph() {
    spec_.more_subgraphs.emplace_back();
    current_ = spec_.more_subgraphs.size();
    return static_cast<int>(current_);
  }
  void end_subgraph() { current_ = 0; }
  int param(std::vector<int32_t> shape, int8_t type, Quant q = {}) {
    const int t = tensor(std::move(shape), type, q, 0);
    spec_.more_subgraphs[current_ - 1].inputs.push_back(t);
    return t;
  }
  void result(int t) { spec_.more_subgraphs[current_ - 1].outputs.push_back(t); }
  // A tensor an operator computes, neither input nor output.
  int temp(std::vector<int32_t> shape, int8_t type, Quant q = {}) { return tensor(std::move(shape), type, q, 0); }
  // Options with strings (VAR_HANDLE's container and shared_name) on the last operator.
  void strings(std::vector<TfOptionString> fields) { operators().back().option_strings = std::move(fields); }
  // A SignatureDef: which subgraph runs as the model, and the names of its inputs and outputs.
  void signature(TfSignatureSpec s) { spec_.signatures.push_back(std::move(s)); }
  TfliteCase done(const std::string& op, const std::string& params, int8_t type) const {
    return {op + "/" + params + "/" + type_name(type), op, build_tflite(spec_), inputs_};
  }

 private:
  int tensor(std::vector<int32_t> shape, int8_t type, Quant q, uint32_t buffer) {
    TfTensorSpec t;
    t.shape = std::move(shape);
    t.type = type;
    t.buffer = buffer;
    t.name = (current_ ? "s" + std::to_string(current_) + "_t" : "t") + std::to_string(tensors().size());
    if (q.scale != 0) {
      t.scale = {q.scale};
      t.zero_point = {q.zero_point};
    }
    tensors().push_back(std::move(t));
    return static_cast<int>(tensors().size()) - 1;
  }
  std::vector<TfTensorSpec>& tensors() { return current_ ? spec_.more_subgraphs[current_ - 1].tensors : spec_.tensors; }
  std::vector<TfOperatorSpec>& operators() {
    return current_ ? spec_.more_subgraphs[current_ - 1].operators : spec_.operators;
  }

  TfModelSpec spec_;
  size_t current_ = 0;  // the subgraph tensors and operators go to; 0: the main one
  std::vector<CaseInput> inputs_;
};

using Cases = std::vector<TfliteCase>;

// The cases of the builtins the TFLite importer translated before its rules (ADD, CONV_2D, ...;
// tflite_cases_first_builtins.cc).
void first_builtin_cases(Cases& out);
// IF, WHILE, CALL_ONCE and resource variables: models of several subgraphs
// (tflite_cases_control_flow.cc).
void control_flow_cases(Cases& out);
// The cases of TFLite's 16x8 quantization: int16 activations, int8 weights, int64 bias
// (tflite_cases_int16.cc).
void int16_cases(Cases& out);

// The cases of the recurrent builtins other than UNIDIRECTIONAL_SEQUENCE_LSTM (RNN, LSTM and
// their sequence and bidirectional forms, SVDF; tflite_cases_recurrent.cc).
void recurrent_cases(Cases& out);
// The cases of the builtins of tflite_more_builtins.cc (tflite_cases_more_builtins.cc).
void more_builtin_cases(Cases& out);
// The segment reductions, diagonals, scatters, L2 pooling, FAKE_QUANT and 3-D convolutions
// (tflite_cases_segment_builtins.cc).
void segment_builtin_cases(Cases& out);

}  // namespace outpost::testing::conformance
