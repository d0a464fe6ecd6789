// AveragePool and MaxPool on float32 NHWC (channels-last nodes), TFLite semantics: the average
// divides by the number of window elements inside the input (padding is not counted), and the
// fused activation clamps the result.
#include <algorithm>
#include <limits>

#include "backends/ref/activation.h"
#include "backends/ref/float_kernel_factories.h"
#include "backends/ref/pool_geometry.h"

namespace outpost {
namespace {

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
            // Shape inference refuses a window entirely in the padding; guard anyway.
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
  OUTPOST_ASSIGN_OR_RETURN(PoolGeometry g, nhwc_pool_geometry(node, graph));
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0}));
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(node, graph));
  return std::unique_ptr<Kernel>(
      std::make_unique<Pool2DKernel>(node.op == OpKind::kMaxPool, act, g));
}

}  // namespace outpost
