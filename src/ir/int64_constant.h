// A 1-D int64 constant added to a graph: the shape, pads or axes operand that an importer
// (TFLite's PAD) or a pass (the layout pass's rewritten shapes and axes) writes itself.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ir/graph.h"

namespace outpost {

// Adds the constant and returns its value id.
int add_int64_constant(Graph& graph, const std::string& name, const std::vector<int64_t>& ints);

}  // namespace outpost
