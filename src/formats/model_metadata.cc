#include "formats/model_metadata.h"

#include "formats/model_format.h"

namespace outpost {

const MetadataFile* ModelMetadata::output_labels(size_t i) const {
  if (i >= outputs.size()) return nullptr;
  const MetadataFile* found = nullptr;
  for (const MetadataFile& f : outputs[i].files) {
    if (f.type != "TENSOR_AXIS_LABELS" || !f.packed || f.lines.empty()) continue;
    if (f.locale.empty()) return &f;
    if (!found) found = &f;
  }
  return found;
}

ModelMetadata read_model_metadata(const uint8_t* data, size_t size, const std::string& source) {
  auto format = detect_model_format(data, size, source);
  if (format.is_ok() && *format == ModelFormat::kTflite) return read_tflite_metadata(data, size, source);
  return ModelMetadata{};
}

}  // namespace outpost
