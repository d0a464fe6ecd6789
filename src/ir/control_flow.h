// Control flow, expanded into plain nodes: an If whose condition is known becomes its branch's
// nodes; a Loop whose trip count and condition are known becomes one iteration's nodes followed
// by itself for the rest; a Scan becomes one copy of its body per slice. Each copy of a body
// gets values of its own (a value is written once), so iterations never share a value.
//
// Constant folding expands a node when it reaches it (ir/passes/constant_folding.h), so what an
// expansion makes is inferred, folded and planned like any node. A node whose deciding values
// come from the model's input waits for them (wait_for_value): the session then evaluates it
// with each run's data, where every value is known.
#pragma once

#include <vector>

#include "ir/graph.h"

namespace outpost {

// A Loop or Scan expands into at most this many copies of body nodes in all: beyond, the model
// is refused (kUnsupported), since each copy is a node the session keeps.
constexpr int64_t kMaxUnrolledNodes = 1 << 18;
// And a Loop runs at most this many iterations (each carries the scan outputs so far along).
constexpr int64_t kMaxLoopIterations = 1 << 14;

bool is_control_flow(OpKind op);

// Every value `node` reads: its inputs (kNoValue left out) and, for control flow, what its
// subgraphs read from enclosing scopes. Every value it writes: its outputs and its subgraphs'.
std::vector<int> values_read(const Node& node);
std::vector<int> values_written(const Node& node);

// The nodes that replace `node` (If, Loop or Scan) in g.nodes; new values are added to g.
// wait_for_value's status when a value that decides the expansion is not a constant; other
// errors name the node.
Result<std::vector<Node>> expand_control_flow(Graph& g, const Node& node);

}  // namespace outpost
