// Builds tflite-support's ModelMetadata flatbuffers and appended zip archives in tests, so that
// tests can make models with metadata, label files and every way of getting them wrong.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace outpost::testing {

struct TfMetaFile {
  std::string name;
  int8_t type = 2;  // AssociatedFileType: 2 TENSOR_AXIS_LABELS, 5 VOCABULARY, ...
  std::string locale;
};

struct TfMetaTensor {
  std::string name;
  std::vector<float> mean, std;  // NormalizationOptions; none written when both are empty
  std::vector<float> min, max;   // Stats; none written when both are empty
  std::vector<TfMetaFile> files;
};

struct TfMetadataSpec {
  std::string name, description, version;
  std::vector<TfMetaTensor> inputs, outputs;
};

// A ModelMetadata flatbuffer with file identifier "M001", as the metadata writers make it.
std::vector<uint8_t> build_model_metadata(const TfMetadataSpec& spec);

// `model` with a zip archive of `files` (name, contents) appended, every entry stored
// (uncompressed), offsets counted from the file's start as Python's zipfile writes them;
// `method` other than 0 marks the entries as compressed with it (their bytes stay as they are).
std::vector<uint8_t> append_zip(std::vector<uint8_t> model,
                                const std::vector<std::pair<std::string, std::string>>& files,
                                uint16_t method = 0);

}  // namespace outpost::testing
