// Softmax over trailing axes on float32, TFLite's arithmetic: exp(beta * (x - max)) / sum in
// float, the max subtracted so large logits cannot overflow exp. Other axes: onnx_softmax.cc.
#include <algorithm>
#include <cmath>

#include "backends/ref/float_kernel_factories.h"
#include "backends/ref/softmax_rows.h"

namespace outpost {
namespace {

class SoftmaxKernel final : public Kernel {
 public:
  SoftmaxKernel(int64_t rows, int64_t depth, float beta)
      : rows_(rows), depth_(depth), beta_(beta) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    float* y = outputs[0].as<float>();
    const int64_t n = depth_;
    for (int64_t r = 0; r < rows_; ++r) {
      const float* in = x + r * n;
      float* out = y + r * n;
      const float max = *std::max_element(in, in + n);
      float sum = 0.0f;
      for (int64_t i = 0; i < n; ++i) {
        out[i] = std::exp((in[i] - max) * beta_);
        sum += out[i];
      }
      const float inv = 1.0f / sum;
      for (int64_t i = 0; i < n; ++i) out[i] *= inv;
    }
    return Status::ok();
  }

 private:
  int64_t rows_, depth_;
  float beta_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_softmax_float(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0}));
  const auto rows = softmax_rows(node, input_of(graph, node, 0).shape);
  if (!rows) return not_handled(graph, node, "normalizes over an inner axis");
  return std::unique_ptr<Kernel>(
      std::make_unique<SoftmaxKernel>(rows->rows, rows->depth, node.attrs.get_float("beta", 1.0f)));
}

}  // namespace outpost
