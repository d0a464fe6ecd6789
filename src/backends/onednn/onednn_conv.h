// oneDNN's share of the backend: the engine and stream a session's kernels use, and the
// convolution factory.
#pragma once

#include <memory>
#include <oneapi/dnnl/dnnl.hpp>

#include "backends/onednn/onednn_backend.h"

namespace outpost {

struct OnednnBackend::State {
  dnnl::engine engine;
  mutable dnnl::stream stream;  // executing on it does not change the backend
  int threads = 1;
};

namespace onednn {

// ONNX Conv, 2-D, float32, constant weights (and bias), group 1, channels-last (NHWC) in and
// out; the node as imported (NCHW) qualifies when make_onnx_conv takes it once channels-last.
bool takes_onnx_conv(const Node& n, const Graph& g);
Result<std::unique_ptr<Kernel>> make_onnx_conv(const Node& n, const Graph& g,
                                               const OnednnBackend::State& state);

}  // namespace onednn
}  // namespace outpost
