// A .tflite model as plain data that can be edited and written back: what `outpost optimize`
// rewrites (the int8 writer, tflite_int8_writer.h, and calibration's extra outputs). Read through
// the verified accessors of tflite_schema.h; written with flatbuffers' builder. Options tables are
// copied field by field in the layout the reader knows (option_field_sizes); fields past it are
// ones no reader of ours reads, and are dropped. Models that keep data outside the flatbuffer
// (buffers with an offset), sparse tensors or options of an unknown layout are refused by name.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "outpost/status.h"

namespace outpost::tflite {

struct OptionFieldData {
  bool present = false;
  int size = 0;        // 1 or 4 (a scalar), 0 (a vector of int32), kOptionString
  uint32_t bits = 0;   // a scalar's bytes (a float's too)
  std::vector<int32_t> ints;
  std::string text;
};

struct OperatorData {
  uint32_t opcode_index = 0;
  std::vector<int32_t> inputs, outputs;
  uint8_t options_type = 0;             // the BuiltinOptions union's type; 0: none
  std::vector<OptionFieldData> options;  // by field index
  std::vector<uint8_t> custom_options;
};

struct TensorData {
  std::vector<int32_t> shape, shape_signature;
  int8_t type = 0;  // TensorType
  uint32_t buffer = 0;
  std::string name;
  std::vector<float> scale;
  std::vector<int64_t> zero_point;
  int32_t quantized_dimension = 0;
  bool is_variable = false;
};

struct SubgraphData {
  std::vector<TensorData> tensors;
  std::vector<OperatorData> operators;
  std::vector<int32_t> inputs, outputs;
  std::string name;
};

struct OperatorCodeData {
  int32_t builtin = 0;
  std::string custom;
  int32_t version = 1;
};

struct SignatureData {
  std::string key;
  uint32_t subgraph = 0;
  std::vector<std::pair<std::string, uint32_t>> inputs, outputs;  // name, tensor index
};

struct ModelData {
  uint32_t version = 3;
  std::vector<OperatorCodeData> codes;
  std::vector<SubgraphData> subgraphs;
  std::string description;
  std::vector<std::vector<uint8_t>> buffers;  // buffer 0 is the empty one, by convention
  std::vector<std::pair<std::string, uint32_t>> metadata;  // name, buffer index
  std::vector<SignatureData> signatures;

  // The index of the operator code for builtin `code` (version `version`), added when missing.
  uint32_t code_index(int32_t code, int32_t version = 1);
  // A new buffer holding `bytes`; its index.
  uint32_t add_buffer(std::vector<uint8_t> bytes);
};

// kInvalidModel for a file that is not a valid .tflite; kUnsupported for what the writer cannot
// carry over (see above), naming it.
Result<ModelData> read_model_data(const uint8_t* data, size_t size, const std::string& source);

// The model serialized (file identifier "TFL3"), its buffers 16-byte aligned.
Result<std::string> write_model_data(const ModelData& model);

}  // namespace outpost::tflite
