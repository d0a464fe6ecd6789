// Counts of a graph for reports: op histogram, parameters, multiply-accumulates.
#pragma once

#include "ir/graph.h"
#include "outpost/session.h"

namespace outpost {

// Fills op_counts, parameters and macs of `stats` from a graph with inferred shapes.
void count_graph(const Graph& graph, ModelStats& stats);

}  // namespace outpost
