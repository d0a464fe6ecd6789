// ONNX Conv on oneDNN. The primitive reads and writes the planned NHWC buffers directly (the
// layout pass makes ONNX convolutions channels-last: on plain NCHW oneDNN 2.6 runs them as
// im2col + GEMM at half the speed, and applies a fused Clip in a scalar loop after it); its
// weights are reordered from OIHW into whatever blocked layout the chosen
// implementation wants, once, here. Memory objects over the planned buffers and the primitive's
// scratchpad are made in bind(), so run() only executes.
#include "backends/onednn/onednn_conv.h"

#include <omp.h>

#include <cmath>
#include <cstring>
#include <mutex>
#include <vector>

#include "backends/float_onnx_conv.h"

namespace outpost::onednn {
namespace {

using dnnl::memory;
using Tag = memory::format_tag;
using Dt = memory::data_type;

// A reorder between the planned NHWC buffer and the layout the convolution computes in, made
// once in bind(); empty when the convolution takes NHWC as it is.
struct Reorder {
  dnnl::reorder primitive;
  std::vector<dnnl_exec_arg_t> args;

  bool empty() const { return !primitive; }
  void execute(const OnednnBackend::State& state) const {
    if (!empty())
      dnnl_primitive_execute(primitive.get(), state.stream.get(), static_cast<int>(args.size()),
                             args.data());
  }
};

class ConvKernel final : public Kernel {
 public:
  ConvKernel(const OnednnBackend::State& state, dnnl::convolution_forward::primitive_desc pd,
             memory::desc nhwc_src, memory::desc nhwc_dst, memory weights, memory bias,
             bool has_bias)
      : state_(state),
        pd_(std::move(pd)),
        primitive_(pd_),
        nhwc_src_(std::move(nhwc_src)),
        nhwc_dst_(std::move(nhwc_dst)),
        weights_(std::move(weights)),
        bias_(std::move(bias)),
        has_bias_(has_bias) {}

  Status bind(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    try {
      user_src_ = memory(nhwc_src_, state_.engine, inputs[0].data);
      user_dst_ = memory(nhwc_dst_, state_.engine, outputs[0].data);
      // A blocked layout gets a buffer of its own (made here, once) and a reorder either side.
      src_ = pd_.src_desc() == nhwc_src_
                 ? user_src_
                 : memory(pd_.src_desc(), state_.engine, state_.blocked_src.data());
      dst_ = pd_.dst_desc() == nhwc_dst_
                 ? user_dst_
                 : memory(pd_.dst_desc(), state_.engine, state_.blocked_dst.data());
      if (src_ != user_src_) to_src_ = reorder(user_src_, src_);
      if (dst_ != user_dst_) from_dst_ = reorder(dst_, user_dst_);
      scratchpad_ = memory(pd_.scratchpad_desc(), state_.engine, state_.scratchpad.data());
      args_ = {{DNNL_ARG_SRC, src_.get()},
               {DNNL_ARG_WEIGHTS, weights_.get()},
               {DNNL_ARG_DST, dst_.get()},
               {DNNL_ARG_SCRATCHPAD, scratchpad_.get()}};
      if (has_bias_) args_.push_back({DNNL_ARG_BIAS, bias_.get()});
      warm_up_once();
    } catch (const dnnl::error& e) {
      return internal_error(std::string("oneDNN could not bind a convolution: ") + e.what());
    }
    return Status::ok();
  }

  // oneDNN generates its GEMM micro-kernels on the first execution in the process (about 20 ms
  // here), which made the first inference of an ONNX model twice the steady one. The first
  // convolution bound in the process runs once on the (zeroed) arena instead, at load.
  void warm_up_once() {
    static std::once_flag once;
    std::call_once(once, [this] { execute(); });
  }

  Reorder reorder(const memory& from, const memory& to) const {
    return Reorder{dnnl::reorder(from, to), {{DNNL_ARG_FROM, from.get()}, {DNNL_ARG_TO, to.get()}}};
  }

  void execute() {
    // OpenMP's thread count is per calling thread: set it where the inference runs. The C entry
    // point takes the argument array made in bind() as it is (the C++ one copies a map into a
    // new vector on every call); oneDNN 2.6 still builds its own argument map inside.
    omp_set_num_threads(state_.threads);
    to_src_.execute(state_);
    dnnl_primitive_execute(primitive_.get(), state_.stream.get(), static_cast<int>(args_.size()),
                           args_.data());
    from_dst_.execute(state_);
    state_.stream.wait();
  }

  // The weights were reordered into weights_, the bias copied into bias_, at creation.
  bool copied_its_constants() const override { return true; }

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    // A session never moves its buffers; a caller that does gets them rebound.
    if (inputs[0].data != user_src_.get_data_handle() ||
        outputs[0].data != user_dst_.get_data_handle()) {
      user_src_.set_data_handle(inputs[0].data);
      user_dst_.set_data_handle(outputs[0].data);
    }
    // oneDNN reports failures as exceptions; none may cross into the session.
    try {
      execute();
    } catch (const dnnl::error& e) {
      return internal_error(std::string("oneDNN convolution failed: ") + e.what());
    }
    return Status::ok();
  }

 private:
  const OnednnBackend::State& state_;
  dnnl::convolution_forward::primitive_desc pd_;
  dnnl::convolution_forward primitive_;
  memory::desc nhwc_src_, nhwc_dst_;  // the planned buffers
  memory weights_, bias_, user_src_, user_dst_, src_, dst_, scratchpad_;
  bool has_bias_;
  Reorder to_src_, from_dst_;
  std::vector<dnnl_exec_arg_t> args_;
};

}  // namespace

dnnl::convolution_forward::desc inference_conv_desc(const memory::desc& src,
                                                    const memory::desc& weights,
                                                    const memory::desc& bias, bool has_bias,
                                                    const memory::desc& dst,
                                                    const memory::dims& strides,
                                                    const memory::dims& dilates,
                                                    const memory::dims& pad_l,
                                                    const memory::dims& pad_r) {
  using dnnl::algorithm;
  using dnnl::prop_kind;
  if (has_bias)
    return {prop_kind::forward_inference, algorithm::convolution_direct, src, weights, bias, dst,
            strides, dilates, pad_l, pad_r};
  return {prop_kind::forward_inference, algorithm::convolution_direct, src, weights, dst,
          strides, dilates, pad_l, pad_r};
}

std::unique_ptr<Kernel> make_conv_kernel(const OnednnBackend::State& state,
                                         dnnl::convolution_forward::primitive_desc pd,
                                         memory::desc nhwc_src, memory::desc nhwc_dst,
                                         const memory::desc& model_weights_desc,
                                         const void* model_weights, const memory::desc& bias_desc,
                                         const void* model_bias) {
  // The weights reordered into the primitive's layout: a copy it owns, as is the bias's.
  memory user_w(model_weights_desc, state.engine, const_cast<void*>(model_weights));
  memory packed_w(pd.weights_desc(), state.engine);
  dnnl::reorder(user_w, packed_w).execute(state.stream, user_w, packed_w);
  memory bias;
  if (model_bias != nullptr) {
    bias = memory(bias_desc, state.engine);
    std::memcpy(bias.get_data_handle(), model_bias, bias_desc.get_size());
  }
  state.stream.wait();
  return std::make_unique<ConvKernel>(state, std::move(pd), std::move(nhwc_src),
                                      std::move(nhwc_dst), std::move(packed_w), std::move(bias),
                                      model_bias != nullptr);
}

namespace {

// Below this many input channels a spatial convolution stays on NHWC (a stem over RGB).
constexpr int64_t kBlockedMinChannels = 16;

memory::dims dims_of(const Shape& s) { return memory::dims(s.dims().begin(), s.dims().end()); }

}  // namespace

bool takes_onnx_conv(const Node& n, const Graph& g) {
  auto conv = float_onnx_conv2d(g, n);
  // Grouped and depthwise convolutions run faster on XNNPACK (docs/design/backends.md).
  return conv.is_ok() && conv.value().group == 1;
}

Result<std::unique_ptr<Kernel>> make_onnx_conv(const Node& n, const Graph& g,
                                               const OnednnBackend::State& state) {
  if (!is_channels_last(n))
    return not_handled(g, n, "oneDNN runs convolutions channels-last (the layout pass makes them so)");
  OUTPOST_ASSIGN_OR_RETURN(const FloatOnnxConv2D conv, float_onnx_conv2d(g, n));
  if (conv.group != 1) return not_handled(g, n, "grouped convolutions run on XNNPACK");
  const Value& w = input_of(g, n, 1);
  const bool has_bias = has_input(n, 2);
  const OnnxWindow& win = conv.window;
  const int64_t out_c = conv.out_channels;
  try {
    // Logical NCHW dimensions, NHWC memory. Spatial convolutions (kernel larger than 1x1) over
    // enough channels compute faster in oneDNN's blocked layout (nChw8c on AVX2), even with a
    // reorder either side (docs/design/backends.md); the rest read and write NHWC in place.
    const memory::desc nhwc_src(dims_of(conv.x), Dt::f32, Tag::nhwc);
    const memory::desc nhwc_dst(dims_of(conv.y), Dt::f32, Tag::nhwc);
    const bool spatial = w.shape[2] * w.shape[3] > 1;
    const bool blocked = spatial && conv.in_channels >= kBlockedMinChannels;
    const memory::desc src_md = blocked ? memory::desc(dims_of(conv.x), Dt::f32, Tag::any) : nhwc_src;
    const memory::desc dst_md = blocked ? memory::desc(dims_of(conv.y), Dt::f32, Tag::any) : nhwc_dst;
    const memory::dims w_dims = dims_of(w.shape);
    const memory::desc w_any(w_dims, Dt::f32, Tag::any);
    const memory::desc b_md({out_c}, Dt::f32, Tag::a);
    const memory::dims strides{win.strides[0], win.strides[1]};
    const memory::dims dilates{win.dilations[0] - 1, win.dilations[1] - 1};
    const memory::dims pad_l{win.pad_begin[0], win.pad_begin[1]};
    const memory::dims pad_r{win.pad_end[0], win.pad_end[1]};
    const dnnl::convolution_forward::desc desc = inference_conv_desc(
        src_md, w_any, b_md, has_bias, dst_md, strides, dilates, pad_l, pad_r);
    // The JIT convolutions split their work for the thread count current when the primitive
    // is made (and then ask OpenMP for exactly that many threads): make it ours first.
    omp_set_num_threads(state.threads);
    dnnl::primitive_attr attr;
    attr.set_scratchpad_mode(dnnl::scratchpad_mode::user);
    // A Relu or Clip folded in by ir/passes/activation_fusion, applied as the output is written.
    if (n.attrs.has("activation_min")) {
      const float lo = n.attrs.get_float("activation_min", 0.0f);
      const float hi = n.attrs.get_float("activation_max", INFINITY);
      dnnl::post_ops ops;
      if (lo == 0.0f && std::isinf(hi))
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      else
        ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_clip, lo, hi);
      attr.set_post_ops(ops);
    } else if (n.attrs.get_int("swish", 0) != 0) {
      dnnl::post_ops ops;  // x * sigmoid(alpha x), alpha 1: SiLU
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_swish, 1.0f, 0.0f);
      attr.set_post_ops(ops);
    }
    dnnl::convolution_forward::primitive_desc pd(desc, attr, state.engine);
    state.scratchpad.need(pd.scratchpad_desc().get_size());
    if (pd.src_desc() != nhwc_src) state.blocked_src.need(pd.src_desc().get_size());
    if (pd.dst_desc() != nhwc_dst) state.blocked_dst.need(pd.dst_desc().get_size());

    // Weights: OIHW from the model.
    return make_conv_kernel(state, std::move(pd), nhwc_src, nhwc_dst,
                            {w_dims, Dt::f32, Tag::oihw}, w.constant_as<float>(), b_md,
                            has_bias ? input_of(g, n, 2).constant_as<float>() : nullptr);
  } catch (const dnnl::error& e) {
    return not_handled(g, n, std::string("oneDNN refuses it (") + e.what() + ")");
  }
}

}  // namespace outpost::onednn
