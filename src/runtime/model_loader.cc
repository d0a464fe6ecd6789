#include "runtime/model_loader.h"

#include <cstring>

#include "formats/onnx/onnx_importer.h"
#include "formats/tflite/tflite_importer.h"

namespace outpost {

Result<Graph> import_model(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                           const std::string& name, std::string* format) {
  if (size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0) {
    *format = "tflite";
    return import_tflite(data, size, std::move(keep_alive), name);
  }
  // ONNX has no magic number: a ModelProto starts with field 1 (ir_version, tag 0x08).
  if ((size > 0 && data[0] == 0x08) || (name.size() > 5 && name.compare(name.size() - 5, 5, ".onnx") == 0)) {
    *format = "onnx";
    return import_onnx(data, size, name);
  }
  if (size < 8) return invalid_model(name + ": file is too short (" + std::to_string(size) + " bytes) to be a model");
  return invalid_model(name + ": not a recognised model format (a TFLite file has the identifier 'TFL3' at byte 4)");
}

}  // namespace outpost
