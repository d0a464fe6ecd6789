// DepthwiseConv2D on float32: NHWC input, weights [1, H, W, C*M]; output channel c*M + m
// filters input channel c. Stride, dilation, SAME/VALID padding, optional bias, activation.
#include <algorithm>

#include "backends/ref/activation.h"
#include "backends/ref/float_kernel_factories.h"
#include "ir/padding.h"

namespace outpost {
namespace {

struct DepthwiseGeometry {
  int64_t batch, in_h, in_w, in_c, out_h, out_w, multiplier;
  int64_t kernel_h, kernel_w, stride_h, stride_w, dilation_h, dilation_w, pad_top, pad_left;
};

class DepthwiseConv2DKernel final : public Kernel {
 public:
  DepthwiseConv2DKernel(DepthwiseGeometry g, FusedActivation act) : g_(g), act_(act) {}

  void run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    const float* w = inputs[1].as<const float>();
    const float* bias = inputs.size() > 2 ? inputs[2].as<const float>() : nullptr;
    float* y = outputs[0].as<float>();
    const DepthwiseGeometry& g = g_;
    const int64_t in_c = g.in_c;
    const int64_t m_count = g.multiplier;
    const int64_t out_c = in_c * m_count;
    for (int64_t b = 0; b < g.batch; ++b) {
      const float* x_batch = x + b * g.in_h * g.in_w * in_c;
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        const int64_t y_origin = oy * g.stride_h - g.pad_top;
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          const int64_t x_origin = ox * g.stride_w - g.pad_left;
          float* out = y + ((b * g.out_h + oy) * g.out_w + ox) * out_c;
          if (bias) {
            std::copy(bias, bias + out_c, out);
          } else {
            std::fill(out, out + out_c, 0.0f);
          }
          for (int64_t ky = 0; ky < g.kernel_h; ++ky) {
            const int64_t iy = y_origin + ky * g.dilation_h;
            if (iy < 0 || iy >= g.in_h) continue;
            for (int64_t kx = 0; kx < g.kernel_w; ++kx) {
              const int64_t ix = x_origin + kx * g.dilation_w;
              if (ix < 0 || ix >= g.in_w) continue;
              const float* in = x_batch + (iy * g.in_w + ix) * in_c;
              const float* w_tap = w + (ky * g.kernel_w + kx) * out_c;
              if (m_count == 1) {  // the common case, kept as one contiguous loop
                for (int64_t c = 0; c < in_c; ++c) out[c] += in[c] * w_tap[c];
              } else {
                for (int64_t c = 0; c < in_c; ++c) {
                  const float v = in[c];
                  float* o = out + c * m_count;
                  const float* wp = w_tap + c * m_count;
                  for (int64_t m = 0; m < m_count; ++m) o[m] += v * wp[m];
                }
              }
            }
          }
          apply_activation(act_, out, out_c);
        }
      }
    }
  }

 private:
  DepthwiseGeometry g_;
  FusedActivation act_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_depthwise_conv2d_float(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0, 1, 2}));
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(node, graph));
  const Shape& x = input_of(graph, node, 0).shape;
  const Shape& w = input_of(graph, node, 1).shape;
  const Shape& y = output_of(graph, node).shape;
  const std::string padding = node.attrs.get_string("padding", "valid");
  DepthwiseGeometry g{};
  g.batch = x[0];
  g.in_h = x[1];
  g.in_w = x[2];
  g.in_c = x[3];
  g.out_h = y[1];
  g.out_w = y[2];
  // Shape inference checked weights [1, H, W, C*M]; M follows from the shapes, which also
  // covers models that leave depth_multiplier unset.
  g.multiplier = g.in_c > 0 ? w[3] / g.in_c : 1;
  g.kernel_h = w[1];
  g.kernel_w = w[2];
  g.stride_h = node.attrs.get_int("stride_h", 1);
  g.stride_w = node.attrs.get_int("stride_w", 1);
  g.dilation_h = node.attrs.get_int("dilation_h", 1);
  g.dilation_w = node.attrs.get_int("dilation_w", 1);
  g.pad_top = window_geometry(padding, g.in_h, g.kernel_h, g.stride_h, g.dilation_h).pad_before;
  g.pad_left = window_geometry(padding, g.in_w, g.kernel_w, g.stride_w, g.dilation_w).pad_before;
  return std::unique_ptr<Kernel>(std::make_unique<DepthwiseConv2DKernel>(g, act));
}

}  // namespace outpost
