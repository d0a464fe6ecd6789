// TFLite importer: reads a .tflite flatbuffer (schema version 3) into the IR. Weights are
// referenced in place; every offset, index and size is checked, so a truncated or hostile file
// is an error naming what is wrong, never a crash.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "formats/tflite/tflite_signatures.h"
#include "ir/graph.h"

namespace outpost {

// `input_shapes` binds the graph inputs, in order, to those shapes where the model's
// shape_signature lets them vary (ir/input_shapes.h); inputs beyond it keep their declared shapes.
// `signature` picks the SignatureDef whose subgraph becomes the graph, its inputs and outputs
// named as the signature names them (in the subgraph's order); empty: the model's first
// signature, or subgraph 0 when it has none. A key the model lacks is kUsage listing its keys.
// `signatures`, when given, receives every signature of the model.
Result<Graph> import_tflite(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                            const std::string& source, const std::vector<Shape>& input_shapes = {},
                            const std::string& signature = "",
                            std::vector<tflite::TfliteSignature>* signatures = nullptr);

}  // namespace outpost
