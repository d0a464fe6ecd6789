#include "formats/tflite/tflite_model.h"

#include <algorithm>

namespace outpost::tflite {

Result<const Model*> verified_model(const uint8_t* data, size_t size, const std::string& source) {
  if (size < 8) return invalid_model(source + ": file is too short to be a TFLite model");
  if (size >= FLATBUFFERS_MAX_BUFFER_SIZE)
    return invalid_model(source + ": file is larger than 2 GiB, which a TFLite flatbuffer cannot address");
  Verifier::Options options;
  options.max_depth = 16;
  options.max_tables = 10'000'000;
  Verifier verifier(data, size, options);
  if (!verifier.VerifyBuffer<Model>("TFL3"))
    return invalid_model(source + ": the TFLite flatbuffer is truncated or corrupt (its structure fails verification)");
  const Model* model = flatbuffers::GetRoot<Model>(data);
  if (model->version() != 3)
    return invalid_model(source + ": TFLite schema version " + std::to_string(model->version()) +
                         " is not supported (expected 3)");
  return model;
}

int32_t builtin_code_of(const OperatorCode& code) {
  return std::max<int32_t>(code.builtin_code(), code.deprecated_builtin_code());
}

}  // namespace outpost::tflite
