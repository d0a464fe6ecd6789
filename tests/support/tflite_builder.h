// Builds TFLite flatbuffers in tests, field by field, so tests can make models the converter
// never would: unsupported ops, absurd shapes, indices out of range, old-style opcodes.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace outpost::testing {

struct TfTensorSpec {
  std::vector<int32_t> shape;
  int8_t type = 0;  // TFLite TensorType: 0 float32, 1 float16, 2 int32, 3 uint8, 9 int8
  uint32_t buffer = 0;
  std::string name;
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
  std::vector<int32_t> shape_signature;  // -1: a dimension set at run time; empty: none written
  bool is_variable = false;              // state TFLite keeps across invocations (an LSTM's)
};

// One scalar field of an options table: field index, byte size (1 or 4) and value.
struct TfOptionField {
  int field;
  int size;
  int32_t value;
};

// A vector-of-int32 field of an options table (SqueezeOptions' squeeze_dims).
struct TfOptionVector {
  int field;
  std::vector<int32_t> values;
};

// A string field of an options table (VarHandleOptions' container and shared_name).
struct TfOptionString {
  int field;
  std::string value;
};

struct TfOperatorSpec {
  int32_t builtin_code = 0;
  std::string custom_code;
  std::vector<int32_t> inputs, outputs;
  uint8_t options_type = 0;  // BuiltinOptions union type; 0: none
  std::vector<TfOptionField> options;
  std::vector<TfOptionVector> option_vectors;
  std::vector<TfOptionString> option_strings;
  int32_t version = 1;  // the operator code's version (TFLite registers some ops from 2 on)
  std::vector<uint8_t> custom_options;
};

// A subgraph after the first (spec.tensors, operators, inputs and outputs make subgraph 0): what
// IF, WHILE and CALL_ONCE call, by index (1, 2, ...), or what a signature names.
struct TfSubgraphSpec {
  std::vector<TfTensorSpec> tensors;
  std::vector<TfOperatorSpec> operators;
  std::vector<int32_t> inputs, outputs;
};

// A SignatureDef: its key, subgraph and the names it gives that subgraph's tensors.
struct TfSignatureSpec {
  std::string key;
  uint32_t subgraph = 0;
  std::vector<std::pair<std::string, uint32_t>> inputs, outputs;  // name, tensor index
};

struct TfModelSpec {
  std::vector<TfTensorSpec> tensors;
  std::vector<std::vector<uint8_t>> buffers;  // buffer 0 (empty) is added in front
  std::vector<TfOperatorSpec> operators;
  std::vector<int32_t> inputs, outputs;
  uint32_t version = 3;
  bool old_style_opcodes = false;  // only deprecated_builtin_code, as files before schema 3a
  std::vector<TfSubgraphSpec> more_subgraphs;  // subgraphs 1, 2, ... sharing the buffers
  std::vector<TfSignatureSpec> signatures;
  // Model.metadata entries: a name and a buffer index (1 is spec.buffers[0]).
  std::vector<std::pair<std::string, uint32_t>> metadata;
};

std::vector<uint8_t> build_tflite(const TfModelSpec& spec);

// A float32 model: out = in0 + in1, both [1, 2, 2, 1].
TfModelSpec add_model_spec();

template <typename T>
std::vector<uint8_t> bytes_of(const std::vector<T>& values) {
  const auto* p = reinterpret_cast<const uint8_t*>(values.data());
  return std::vector<uint8_t>(p, p + values.size() * sizeof(T));
}

}  // namespace outpost::testing
