// The layout pass: ONNX graphs arrive NCHW; XNNPACK computes NHWC only and oneDNN's direct
// (JIT) convolutions are 2-3x faster on NHWC than on plain NCHW, which it runs as im2col + GEMM.
// This pass stores the activations between such operators channels-last, so that a chain of
// convolutions, activations, residual adds, pools and concats runs without a transpose in it.
//
// A value keeps its id; its shape becomes the order its memory is in ([N, H, W, C]), which every
// layout-blind kernel (Relu, Add, ...) reads as it is. Layout-sensitive nodes the backends run
// channels-last (Conv, MaxPool, GlobalAveragePool) get the attribute `channels_last` = 1 and
// read their geometry through `logical_nchw` (ir/channels_last.h). Where a channels-last value meets a node that
// needs NCHW (Reshape, Flatten, a graph output), and at the graph's inputs, one Transpose node
// converts it, once per value and direction. Constant operands of an elementwise node are
// permuted here, at load.
#pragma once

#include <functional>

#include "ir/graph.h"

namespace outpost {

struct ChannelsLastStats {
  int nodes = 0;       // nodes that now run channels-last
  int transposes = 0;  // Transpose nodes the pass inserted
};

// Whether a backend runs this layout-sensitive node (as imported: NCHW) channels-last.
using RunsChannelsLast = std::function<bool(const Node&, const Graph&)>;

ChannelsLastStats convert_to_channels_last(Graph& graph, const RunsChannelsLast& runs_channels_last);

}  // namespace outpost
