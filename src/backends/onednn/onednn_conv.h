// oneDNN's share of the backend: the engine and stream a session's kernels use, and the
// convolution factory.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <oneapi/dnnl/dnnl.hpp>

#include "backends/onednn/onednn_backend.h"

namespace outpost {

// Memory every convolution of a session needs only while it runs (its scratchpad, and the
// blocked copies of its input and output): kernels run one at a time, so one buffer of the
// largest size serves them all. Factories state their sizes first; binding, after every kernel
// is made, allocates once.
class SharedBuffer {
 public:
  void need(size_t bytes) { bytes_ = std::max(bytes_, bytes); }
  void* data() {
    if (!data_ && bytes_ > 0) data_.reset(static_cast<uint8_t*>(std::aligned_alloc(64, round_up(bytes_))));
    return data_.get();
  }

 private:
  static size_t round_up(size_t n) { return (n + 63) / 64 * 64; }
  struct Free {
    void operator()(uint8_t* p) const { std::free(p); }
  };
  size_t bytes_ = 0;
  std::unique_ptr<uint8_t, Free> data_;
};

struct OnednnBackend::State {
  dnnl::engine engine;
  mutable dnnl::stream stream;  // executing on it does not change the backend
  int threads = 1;
  mutable SharedBuffer scratchpad, blocked_src, blocked_dst;
};

namespace onednn {

// A convolution primitive over the planned NHWC buffers (a reorder either side when `pd` computes
// in a blocked layout), float32 and int8 alike: the model's weights (laid out as
// `model_weights_desc` says) are reordered into pd's layout and its bias (none: nullptr) copied,
// once, here. oneDNN's failures are its exceptions (dnnl::error), for the caller to catch.
std::unique_ptr<Kernel> make_conv_kernel(const OnednnBackend::State& state,
                                         dnnl::convolution_forward::primitive_desc pd,
                                         dnnl::memory::desc nhwc_src, dnnl::memory::desc nhwc_dst,
                                         const dnnl::memory::desc& model_weights_desc,
                                         const void* model_weights,
                                         const dnnl::memory::desc& bias_desc,
                                         const void* model_bias);

// The forward-inference convolution descriptor of these memory descriptors and window, with
// the bias or without (`has_bias`), float32 and int8 alike.
dnnl::convolution_forward::desc inference_conv_desc(
    const dnnl::memory::desc& src, const dnnl::memory::desc& weights,
    const dnnl::memory::desc& bias, bool has_bias, const dnnl::memory::desc& dst,
    const dnnl::memory::dims& strides, const dnnl::memory::dims& dilates,
    const dnnl::memory::dims& pad_l, const dnnl::memory::dims& pad_r);

// An int8 convolution (x, w and y int8; x and y per tensor, w symmetric per tensor or per output
// channel; an int32 bias), group 1 or depthwise with multiplier 1, on a CPU with VNNI (AVX-512
// VNNI or AVX-VNNI), where oneDNN's kernels beat XNNPACK's (docs/design/backends.md). TFLite's,
// and ONNX's lowered ones.
bool takes_int8_conv(const Node& n, const Graph& g);
Result<std::unique_ptr<Kernel>> make_int8_conv(const Node& n, const Graph& g,
                                               const OnednnBackend::State& state);

// ONNX Conv, 2-D, float32, constant weights (and bias), group 1, channels-last (NHWC) in and
// out; the node as imported (NCHW) qualifies when make_onnx_conv takes it once channels-last.
bool takes_onnx_conv(const Node& n, const Graph& g);
Result<std::unique_ptr<Kernel>> make_onnx_conv(const Node& n, const Graph& g,
                                               const OnednnBackend::State& state);

}  // namespace onednn
}  // namespace outpost
