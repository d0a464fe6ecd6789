// Picks the importer for a model's bytes (formats/model_format.h) and returns the IR graph.
#pragma once

#include <memory>
#include <string>

#include "ir/graph.h"

namespace outpost {

Result<Graph> import_model(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                           const std::string& name, std::string* format);

}  // namespace outpost
