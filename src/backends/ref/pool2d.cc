// AveragePool2D and MaxPool2D on float32 NHWC, TFLite semantics: SAME/VALID windows, and the
// average divides by the number of window elements inside the input (padding is not counted).
#include <algorithm>
#include <limits>

#include "backends/ref/activation.h"
#include "backends/ref/float_kernel_factories.h"
#include "ir/padding.h"

namespace outpost {
namespace {

struct PoolGeometry {
  int64_t batch, in_h, in_w, channels, out_h, out_w;
  int64_t filter_h, filter_w, stride_h, stride_w, pad_top, pad_left;
};

class Pool2DKernel final : public Kernel {
 public:
  Pool2DKernel(bool is_max, FusedActivation act, PoolGeometry g)
      : is_max_(is_max), act_(act), g_(g) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    float* y = outputs[0].as<float>();
    const PoolGeometry& g = g_;
    const int64_t c_count = g.channels;
    for (int64_t b = 0; b < g.batch; ++b) {
      const float* x_batch = x + b * g.in_h * g.in_w * c_count;
      for (int64_t oy = 0; oy < g.out_h; ++oy) {
        const int64_t y_origin = oy * g.stride_h - g.pad_top;
        const int64_t ky_begin = std::max<int64_t>(0, -y_origin);
        const int64_t ky_end = std::min(g.filter_h, g.in_h - y_origin);
        for (int64_t ox = 0; ox < g.out_w; ++ox) {
          const int64_t x_origin = ox * g.stride_w - g.pad_left;
          const int64_t kx_begin = std::max<int64_t>(0, -x_origin);
          const int64_t kx_end = std::min(g.filter_w, g.in_w - x_origin);
          float* out = y + ((b * g.out_h + oy) * g.out_w + ox) * c_count;
          std::fill(out, out + c_count, is_max_ ? std::numeric_limits<float>::lowest() : 0.0f);
          for (int64_t ky = ky_begin; ky < ky_end; ++ky) {
            for (int64_t kx = kx_begin; kx < kx_end; ++kx) {
              const float* in = x_batch + ((y_origin + ky) * g.in_w + x_origin + kx) * c_count;
              if (is_max_) {
                for (int64_t c = 0; c < c_count; ++c) out[c] = std::max(out[c], in[c]);
              } else {
                for (int64_t c = 0; c < c_count; ++c) out[c] += in[c];
              }
            }
          }
          if (!is_max_) {
            const int64_t count = (ky_end - ky_begin) * (kx_end - kx_begin);
            // A window entirely in the padding cannot happen under SAME/VALID; guard anyway.
            const float inv = count > 0 ? 1.0f / static_cast<float>(count) : 0.0f;
            for (int64_t c = 0; c < c_count; ++c) out[c] *= inv;
          }
          apply_activation(act_, out, c_count);
        }
      }
    }
    return Status::ok();
  }

 private:
  bool is_max_;
  FusedActivation act_;
  PoolGeometry g_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_pool2d_float(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0}));
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(node, graph));
  const Shape& x = input_of(graph, node, 0).shape;
  const Shape& y = output_of(graph, node).shape;
  const std::string padding = node.attrs.get_string("padding", "valid");
  PoolGeometry g{};
  g.batch = x[0];
  g.in_h = x[1];
  g.in_w = x[2];
  g.channels = x[3];
  g.out_h = y[1];
  g.out_w = y[2];
  g.filter_h = node.attrs.get_int("filter_h", 1);
  g.filter_w = node.attrs.get_int("filter_w", 1);
  g.stride_h = node.attrs.get_int("stride_h", 1);
  g.stride_w = node.attrs.get_int("stride_w", 1);
  g.pad_top = window_geometry(padding, g.in_h, g.filter_h, g.stride_h, 1).pad_before;
  g.pad_left = window_geometry(padding, g.in_w, g.filter_w, g.stride_w, 1).pad_before;
  return std::unique_ptr<Kernel>(
      std::make_unique<Pool2DKernel>(node.op == OpKind::kMaxPool2D, act, g));
}

}  // namespace outpost
