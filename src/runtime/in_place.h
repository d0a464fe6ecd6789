// In-place elementwise nodes: a float32 elementwise node (an activation, or Add/Sub/Mul/Div)
// whose output has the size of one of its inputs, an input no later step reads, writes over
// that input: the planner gives both values one buffer. A chain of them (Conv -> Add -> Relu ->
// Mul ...) then lives in one buffer instead of one per value. Graph inputs are never written
// over (a caller may run again on the same input) and constants are not in the arena.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace outpost {

// For each value id, the value whose buffer it uses: itself, or the input it overwrites (the
// first of a chain).
std::vector<int> in_place_buffers(const Graph& graph);

}  // namespace outpost
