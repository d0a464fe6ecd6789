#include "formats/tflite/tflite_importer.h"

namespace outpost {

Result<Graph> import_tflite(const uint8_t*, size_t, std::shared_ptr<const void>, const std::string& source) {
  return unsupported(source + ": TFLite import is being written");
}

}  // namespace outpost
