// Softmax over the last axis on float32: exp(beta * (x - max)) / sum, the max subtracted so
// large logits cannot overflow exp.
#include <algorithm>
#include <cmath>

#include "backends/ref/float_kernel_factories.h"

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
  const Shape& s = input_of(graph, node, 0).shape;
  const int64_t depth = s[s.rank() - 1];
  const int64_t total = s.num_elements().value_or(0);
  const int64_t rows = depth > 0 ? total / depth : 0;
  return std::unique_ptr<Kernel>(
      std::make_unique<SoftmaxKernel>(rows, depth, node.attrs.get_float("beta", 1.0f)));
}

}  // namespace outpost
