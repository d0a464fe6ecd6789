// Which format a model's bytes are in: the one place that decides, for the importers' caller
// (runtime/model_loader.cc) and for the outline that `inspect` shows of a model that cannot run.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "outpost/status.h"

namespace outpost {

enum class ModelFormat { kTflite, kOnnx };

// "tflite" or "onnx": the name ModelStats::format and the CLI use.
const char* model_format_name(ModelFormat format);

// TFLite by its identifier 'TFL3' at byte 4; ONNX, which has no magic number, by its first
// field's tag or the name's extension. kInvalidModel naming the file otherwise.
Result<ModelFormat> detect_model_format(const uint8_t* data, size_t size, const std::string& name);

}  // namespace outpost
