// TFLite importer: reads a .tflite flatbuffer (schema version 3) into the IR. Weights are
// referenced in place; every offset, index and size is checked, so a truncated or hostile file
// is an error naming what is wrong, never a crash.
#pragma once

#include <memory>
#include <string>

#include "ir/graph.h"

namespace outpost {

Result<Graph> import_tflite(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                            const std::string& source);

}  // namespace outpost
