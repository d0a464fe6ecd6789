// A channels-last 2-D ConvTranspose with OHWI weights on float32: TFLite's transpose
// convolution (MediaPipe's Convolution2DTransposeBias imports so). x NHWC, weights
// [Cout, kh, kw, Cin], bias [Cout]. Each input pixel scatters its weighted filter onto the output
// at (y * stride - pad_top + ky * dilation, x * stride - pad_left + kx * dilation); the output
// size and pads are the node's window (ir/onnx_window.h: TFLite's SAME is ONNX's SAME_UPPER, an
// output of in * stride with the pads total = max(0, (in - 1) * stride + k - out), before =
// total / 2). Output pixels no input reaches hold the bias.
#include <algorithm>

#include "backends/ref/activation.h"
#include "backends/ref/float_kernel_factories.h"
#include "backends/ref/transpose_conv_geometry.h"

namespace outpost {
namespace {

class TransposeConv2DKernel final : public Kernel {
 public:
  TransposeConv2DKernel(TransposeGeometry g, FusedActivation act) : g_(g), act_(act) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    const float* w = inputs[1].as<const float>();
    const float* bias = inputs.size() > 2 ? inputs[2].as<const float>() : nullptr;
    float* y = outputs[0].as<float>();
    const TransposeGeometry& g = g_;
    const int64_t in_c = g.in_c;
    const int64_t out_c = g.out_c;
    const int64_t out_pixels = g.batch * g.out_h * g.out_w;
    for (int64_t p = 0; p < out_pixels; ++p) {
      float* out = y + p * out_c;
      if (bias) {
        std::copy(bias, bias + out_c, out);
      } else {
        std::fill(out, out + out_c, 0.0f);
      }
    }
    const int64_t w_oc_stride = g.kernel_h * g.kernel_w * in_c;
    for (int64_t b = 0; b < g.batch; ++b) {
      float* y_batch = y + b * g.out_h * g.out_w * out_c;
      for (int64_t iy = 0; iy < g.in_h; ++iy) {
        const int64_t y_origin = iy * g.stride_h - g.pad_top;
        for (int64_t ix = 0; ix < g.in_w; ++ix) {
          const int64_t x_origin = ix * g.stride_w - g.pad_left;
          const float* in = x + ((b * g.in_h + iy) * g.in_w + ix) * in_c;
          for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
            const int64_t oy = y_origin + ky * g.dilation_h;
            if (oy < 0 || oy >= g.out_h) continue;
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              const int64_t ox = x_origin + kx * g.dilation_w;
              if (ox < 0 || ox >= g.out_w) continue;
              float* out = y_batch + (oy * g.out_w + ox) * out_c;
              const float* w_tap = w + (ky * g.kernel_w + kx) * in_c;
              for (int64_t oc = 0; oc < out_c; ++oc) {
                const float* wp = w_tap + oc * w_oc_stride;
                float acc = 0.0f;
                for (int64_t c = 0; c < in_c; ++c) acc += in[c] * wp[c];
                out[oc] += acc;
              }
            }
          }
        }
      }
    }
    apply_activation(act_, y, out_pixels * out_c);
    return Status::ok();
  }

 private:
  TransposeGeometry g_;
  FusedActivation act_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_transpose_conv2d_float(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(const TransposeGeometry g, transpose_conv_geometry(node, graph));
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0, 1, 2}));
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(node, graph));
  return std::unique_ptr<Kernel>(std::make_unique<TransposeConv2DKernel>(g, act));
}

}  // namespace outpost
