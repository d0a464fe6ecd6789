// What a model file says about itself beyond its graph: its name and version, how its inputs
// are normalized, its outputs' label files. TFLite models carry it as tflite-support's
// ModelMetadata (the "TFLITE_METADATA" entry), with the files it names in a zip appended to the
// model. It is advice to applications (`outpost classify` takes labels and normalization from
// it), never needed to run the model: a file whose metadata is malformed reads as warnings, and
// the model loads all the same.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace outpost {

struct MetadataFile {
  std::string name;         // "labels.txt"
  std::string description;
  std::string type;         // "TENSOR_AXIS_LABELS", "VOCABULARY", ... ("UNKNOWN")
  std::string locale;       // of a label file, e.g. "en"; empty when not given
  bool packed = false;      // found in the archive appended to the model
  std::vector<std::string> lines;  // a label file's lines, when it is packed (labels)
};

struct TensorMetadata {
  std::string name, description;
  // Normalization, per channel or one for all: the input is (x - mean) / std, x in the units
  // of the data (pixels 0..255 for images). Empty when not given.
  std::vector<float> mean, std;
  std::vector<float> min, max;  // the range of the tensor's values, when given
  std::vector<MetadataFile> files;
};

struct ModelMetadata {
  bool present = false;  // the model has metadata (maybe unreadable: see warnings)
  std::string name, description, version, author, license, min_parser_version;
  std::vector<TensorMetadata> inputs, outputs;  // of the main subgraph, in the model's order
  std::vector<MetadataFile> files;              // the model's own and its subgraph's
  std::vector<std::string> packed;              // every file the appended archive holds
  std::vector<std::string> warnings;            // what could not be read, each naming the field

  // Output i's labels: its first packed TENSOR_AXIS_LABELS file (without a locale, or else the
  // first); null when it has none.
  const MetadataFile* output_labels(size_t i) const;
};

// Reads the metadata of a model file in any format; ONNX models give none yet. Never fails:
// what is malformed is left out and named in `warnings`.
ModelMetadata read_model_metadata(const uint8_t* data, size_t size, const std::string& source);
ModelMetadata read_tflite_metadata(const uint8_t* data, size_t size, const std::string& source);

}  // namespace outpost
