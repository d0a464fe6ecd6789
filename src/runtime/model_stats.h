// Counts of a graph for reports: op histogram, parameters, multiply-accumulates.
#pragma once

#include "ir/graph.h"
#include "outpost/session.h"

namespace outpost {

// Adds the elements of every constant the nodes read (weights, not shape-like operands) to
// `stats.parameters`: on the graph as imported, before folding makes constants of its own.
void count_parameters(const Graph& graph, ModelStats& stats);

// Adds a node with inferred shapes to `stats.op_counts` and `stats.macs`.
void count_node(const Graph& graph, const Node& node, ModelStats& stats);

}  // namespace outpost
