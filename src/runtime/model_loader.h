// Picks the importer for a model's bytes (formats/model_format.h) and returns the IR graph.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace outpost {

// `input_shapes` binds the graph inputs, in order, to those shapes (ir/input_shapes.h).
Result<Graph> import_model(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                           const std::string& name, std::string* format,
                           const std::vector<Shape>& input_shapes = {});

}  // namespace outpost
