// Weights resident once: after a session's kernels are made, a constant that only kernels with
// their own copy read (Kernel::copied_its_constants: packed weights, oneDNN's reordered ones) is
// let go, so that the imported bytes and the packed ones do not both stay in memory.
#pragma once

#include <cstddef>
#include <vector>

#include "ir/graph.h"

namespace outpost {

// The constants of `graph` that may be let go: read only by nodes whose kernel copied them
// (`copied[k]` for graph.nodes[k]), or by none (weights a pass replaced, such as the OIHW
// original of a convolution the layout pass made channels-last); never a graph output or a kept
// state's starting value.
std::vector<int> constants_read_only_by_copies(const Graph& graph, const std::vector<bool>& copied);

// Lets go of the value's bytes (freed with the last holder of their memory); the value stays a
// constant of the graph, with no data. Returns the bytes it held.
size_t release_constant(Value& value);

}  // namespace outpost
