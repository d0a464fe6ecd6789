// Picks the importer for a model's bytes (formats/model_format.h) and returns the IR graph.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/onnx/onnx_importer.h"
#include "ir/graph.h"
#include "outpost/session.h"

namespace outpost {

// `input_shapes` binds the graph inputs, in order, to those shapes (ir/input_shapes.h);
// `signature` picks a TFLite model's SignatureDef (formats/tflite/tflite_importer.h): ONNX
// models have none, so a key given for one is kUsage. `signatures`, when given, receives the
// model's signatures and the key of the one imported (ModelStats::signatures, ::signature).
// `external_data_files`: SessionOptions::external_data_files.
// `bindings` binds an ONNX model's sequence and optional inputs (TFLite models have none).
Result<Graph> import_model(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                           const std::string& name, std::string* format,
                           const std::vector<Shape>& input_shapes = {},
                           const std::string& signature = "", ModelStats* signatures = nullptr,
                           bool external_data_files = true, const OnnxBindings& bindings = {});

}  // namespace outpost
