// A TFLite model's SignatureDefs: named entry points, each a subgraph whose inputs and outputs
// it names (the converter keeps a SavedModel's signatures, e.g. "serving_default" with inputs
// "images" and outputs "logits", where the tensors themselves are called
// "serving_default_images:0" and "StatefulPartitionedCall:0"). A model may carry several, each
// on its own subgraph ("encode", "decode"); the session runs one.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "formats/tflite/tflite_schema.h"
#include "outpost/status.h"

namespace outpost::tflite {

struct SignatureTensor {
  std::string name;    // the signature's name for it
  int32_t tensor = 0;  // index among its subgraph's tensors
};

struct TfliteSignature {
  std::string key;
  uint32_t subgraph = 0;
  std::vector<SignatureTensor> inputs, outputs;
};

// Every signature of the model, in the file's order, each checked: its subgraph exists and
// each tensor index is one of that subgraph's tensors. kInvalidModel naming the signature and
// the field otherwise.
Result<std::vector<TfliteSignature>> read_signatures(const Model& model, const std::string& source);

// The signature called `key`, or the first when `key` is empty; null when `key` is empty and
// the model has none. kUsage naming the keys the model has when it has no `key`.
Result<const TfliteSignature*> choose_signature(const std::vector<TfliteSignature>& signatures,
                                                const std::string& key, const std::string& source);

}  // namespace outpost::tflite
