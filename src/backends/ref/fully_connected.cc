// TFLite's FULLY_CONNECTED on float32, a Gemm of fully_connected_form: rows of x [rows, I],
// weights [O, I], optional bias [O], fused activation; each sum accumulates in float, in order.
#include "backends/ref/activation.h"
#include "backends/ref/float_kernel_factories.h"
#include "backends/ref/fully_connected_form.h"

namespace outpost {
namespace {

class FullyConnectedKernel final : public Kernel {
 public:
  FullyConnectedKernel(int64_t rows, int64_t in_size, int64_t out_size, FusedActivation act)
      : rows_(rows), in_size_(in_size), out_size_(out_size), act_(act) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    const float* w = inputs[1].as<const float>();
    const float* bias = inputs.size() > 2 ? inputs[2].as<const float>() : nullptr;
    float* y = outputs[0].as<float>();
    const int64_t n_in = in_size_;
    for (int64_t r = 0; r < rows_; ++r) {
      const float* in = x + r * n_in;
      float* out = y + r * out_size_;
      for (int64_t o = 0; o < out_size_; ++o) {
        const float* wp = w + o * n_in;
        float acc = 0.0f;
        for (int64_t i = 0; i < n_in; ++i) acc += in[i] * wp[i];
        out[o] = acc + (bias ? bias[o] : 0.0f);
      }
      apply_activation(act_, out, out_size_);
    }
    return Status::ok();
  }

 private:
  int64_t rows_, in_size_, out_size_;
  FusedActivation act_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_fully_connected_float(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(const FullyConnectedForm form, fully_connected_form(node, graph));
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0, 1, 2}));
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(node, graph));
  return std::unique_ptr<Kernel>(
      std::make_unique<FullyConnectedKernel>(form.rows, form.depth, form.units, act));
}

}  // namespace outpost
