#include "formats/model_format.h"

#include <cstring>

namespace outpost {

const char* model_format_name(ModelFormat format) {
  return format == ModelFormat::kTflite ? "tflite" : "onnx";
}

Result<ModelFormat> detect_model_format(const uint8_t* data, size_t size, const std::string& name) {
  if (size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0) return ModelFormat::kTflite;
  // A ModelProto starts with field 1 (ir_version, tag 0x08).
  const bool onnx_name = name.size() > 5 && name.compare(name.size() - 5, 5, ".onnx") == 0;
  if ((size > 0 && data[0] == 0x08) || onnx_name) return ModelFormat::kOnnx;
  if (size < 8)
    return invalid_model(name + ": file is too short (" + std::to_string(size) +
                         " bytes) to be a model");
  return invalid_model(name +
                       ": not a recognised model format (a TFLite file has the identifier 'TFL3' "
                       "at byte 4)");
}

}  // namespace outpost
