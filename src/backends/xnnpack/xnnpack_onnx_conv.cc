// ONNX Conv (NCHW, 2-D, float32, constant weights) on XNNPACK, which computes NHWC: the weights
// are reordered OIHW -> OHWI and packed once; each run transposes the input to NHWC in a buffer
// made here, runs the convolution, and transposes the output back. The two transposes are
// memory-bound and cost little beside the convolution; the layout pass that removes them
// between consecutive convolutions (docs/design/backends.md) is not built yet.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "backends/float_onnx_conv.h"
#include "backends/xnnpack/xnnpack_factories.h"
#include "backends/xnnpack/xnnpack_operator.h"

namespace outpost::xnn {
namespace {

struct Layout {
  size_t batch, channels, height, width;
};

// out[c][r] = in[r][c] for an rows x cols matrix, in 32 x 32 tiles so that both the strided
// reads and the strided writes stay within a few cache lines.
void transpose(const float* in, float* out, size_t rows, size_t cols) {
  constexpr size_t kTile = 32;
  for (size_t r0 = 0; r0 < rows; r0 += kTile) {
    const size_t r1 = std::min(rows, r0 + kTile);
    for (size_t c0 = 0; c0 < cols; c0 += kTile) {
      const size_t c1 = std::min(cols, c0 + kTile);
      for (size_t r = r0; r < r1; ++r)
        for (size_t c = c0; c < c1; ++c) out[c * rows + r] = in[r * cols + c];
    }
  }
}

// [N, C, H, W] -> [N, H, W, C]: per image, the [C, HW] matrix transposed.
void to_nhwc(const float* in, float* out, const Layout& l) {
  const size_t image = l.channels * l.height * l.width;
  for (size_t n = 0; n < l.batch; ++n)
    transpose(in + n * image, out + n * image, l.channels, l.height * l.width);
}

// [N, H, W, C] -> [N, C, H, W].
void to_nchw(const float* in, float* out, const Layout& l) {
  const size_t image = l.channels * l.height * l.width;
  for (size_t n = 0; n < l.batch; ++n)
    transpose(in + n * image, out + n * image, l.height * l.width, l.channels);
}

class NchwConvKernel final : public Kernel {
 public:
  NchwConvKernel(OperatorPtr op, Layout in, Layout out, pthreadpool_t pool)
      : op_(std::move(op)),
        in_(in),
        out_(out),
        pool_(pool),
        nhwc_in_(in.batch * in.channels * in.height * in.width + 16),
        nhwc_out_(out.batch * out.channels * out.height * out.width + 16) {}

  Status bind(std::span<const TensorView>, std::span<const TensorView>) override {
    const xnn_status s = xnn_setup_convolution2d_nhwc_f32(
        op_.get(), in_.batch, in_.height, in_.width, nhwc_in_.data(), nhwc_out_.data(), pool_);
    if (s != xnn_status_success) return internal_error("XNNPACK setup failed: " + status_name(s));
    return Status::ok();
  }

  void run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    to_nhwc(inputs[0].as<const float>(), nhwc_in_.data(), in_);
    xnn_run_operator(op_.get(), pool_);
    to_nchw(nhwc_out_.data(), outputs[0].as<float>(), out_);
  }

 private:
  OperatorPtr op_;
  Layout in_, out_;
  pthreadpool_t pool_;
  // Made once here; XNNPACK may read a few bytes past the input's end, hence its slack.
  std::vector<float> nhwc_in_;
  std::vector<float> nhwc_out_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_conv(const Node& n, const Graph& g, pthreadpool_t pool) {
  OUTPOST_ASSIGN_OR_RETURN(const FloatOnnxConv2D conv, float_onnx_conv2d(g, n));
  const Value& x = input_of(g, n, 0);
  const Value& w = input_of(g, n, 1);
  const Value& y = output_of(g, n);
  const OnnxWindow& win = conv.window;
  const int64_t group = conv.group, in_c = conv.in_channels, out_c = conv.out_channels;

  // OIHW -> OHWI: within each group, XNNPACK's [group_out, KH, KW, group_in].
  const int64_t kh = w.shape[2], kw = w.shape[3], gi = w.shape[1];
  std::vector<float> ohwi(static_cast<size_t>(out_c * kh * kw * gi));
  const float* oihw = w.constant_as<float>();
  for (int64_t o = 0; o < out_c; ++o)
    for (int64_t i = 0; i < gi; ++i)
      for (int64_t p = 0; p < kh * kw; ++p)
        ohwi[static_cast<size_t>((o * kh * kw + p) * gi + i)] = oihw[(o * gi + i) * kh * kw + p];

  xnn_operator_t op = nullptr;
  OUTPOST_RETURN_IF_ERROR(check_create(
      xnn_create_convolution2d_nhwc_f32(
          static_cast<uint32_t>(win.pad_begin[0]), static_cast<uint32_t>(win.pad_end[1]),
          static_cast<uint32_t>(win.pad_end[0]), static_cast<uint32_t>(win.pad_begin[1]),
          static_cast<uint32_t>(kh), static_cast<uint32_t>(kw),
          static_cast<uint32_t>(win.strides[0]), static_cast<uint32_t>(win.strides[1]),
          static_cast<uint32_t>(win.dilations[0]), static_cast<uint32_t>(win.dilations[1]),
          static_cast<uint32_t>(group), static_cast<size_t>(gi), static_cast<size_t>(out_c / group),
          static_cast<size_t>(in_c), static_cast<size_t>(out_c), ohwi.data(),
          has_input(n, 2) ? input_of(g, n, 2).constant_as<float>() : nullptr,
          // A Relu or Clip folded in by runtime/activation_fusion.
          n.attrs.get_float("activation_min", -INFINITY),
          n.attrs.get_float("activation_max", INFINITY), 0, &op),
      g, n));
  const Layout in{static_cast<size_t>(x.shape[0]), static_cast<size_t>(in_c),
                  static_cast<size_t>(x.shape[2]), static_cast<size_t>(x.shape[3])};
  const Layout out{static_cast<size_t>(y.shape[0]), static_cast<size_t>(out_c),
                   static_cast<size_t>(y.shape[2]), static_cast<size_t>(y.shape[3])};
  return std::unique_ptr<Kernel>(std::make_unique<NchwConvKernel>(OperatorPtr(op), in, out, pool));
}

}  // namespace outpost::xnn
