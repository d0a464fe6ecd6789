// TFLite's CONV_2D on float32, a channels-last Conv with OHWI weights (conv_geometry.h): NHWC
// input, optional bias, strides, dilations, pads, and the fused activation (FloatOutputClamp).
#include <algorithm>

#include "backends/ref/activation.h"
#include "backends/ref/conv_geometry.h"
#include "backends/ref/float_kernel_factories.h"

namespace outpost {
namespace {

class Conv2DKernel final : public Kernel {
 public:
  Conv2DKernel(ConvGeometry g, FloatOutputClamp clamp) : g_(g), clamp_(clamp) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    const float* w = inputs[1].as<const float>();
    const float* bias = inputs.size() > 2 ? inputs[2].as<const float>() : nullptr;
    float* y = outputs[0].as<float>();
    const ConvGeometry& g = g_;
    const int64_t in_c = g.in_c;
    const int64_t w_oc_stride = g.kernel_h * g.kernel_w * in_c;  // one output channel's filter
    for (int64_t b = 0; b < g.batch; ++b) {
      const float* x_batch = x + b * g.in_h * g.in_w * in_c;
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        const int64_t y_origin = oy * g.stride_h - g.pad_top;
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          const int64_t x_origin = ox * g.stride_w - g.pad_left;
          float* out = y + ((b * g.out_h + oy) * g.out_w + ox) * g.out_c;
          if (bias) {
            std::copy(bias, bias + g.out_c, out);
          } else {
            std::fill(out, out + g.out_c, 0.0f);
          }
          for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
            const int64_t iy = y_origin + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              const int64_t ix = x_origin + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const float* in = x_batch + (iy * g.in_w + ix) * in_c;
              const float* w_tap = w + (ky * g.kernel_w + kx) * in_c;
              for (int64_t oc = 0; oc < g.out_c; ++oc) {
                const float* wp = w_tap + oc * w_oc_stride;
                float acc = 0.0f;
                for (int64_t c = 0; c < in_c; ++c) acc += in[c] * wp[c];
                out[oc] += acc;
              }
            }
          }
          clamp_.apply(out, g.out_c);
        }
      }
    }
    return Status::ok();
  }

 private:
  ConvGeometry g_;
  FloatOutputClamp clamp_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_conv2d_float(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(ConvGeometry g, tflite_conv_geometry(node, graph, /*depthwise=*/false));
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0, 1, 2}));
  OUTPOST_ASSIGN_OR_RETURN(FloatOutputClamp clamp, float_output_clamp(node, graph));
  return std::unique_ptr<Kernel>(std::make_unique<Conv2DKernel>(g, clamp));
}

}  // namespace outpost
