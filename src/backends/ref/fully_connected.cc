// FullyConnected on float32: the input is read as rows of I values, weights [O, I], optional
// bias [O], fused activation. keep_num_dims only changes the output shape (shape inference).
#include <algorithm>

#include "backends/ref/activation.h"
#include "backends/ref/float_kernel_factories.h"

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
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0, 1, 2}));
  OUTPOST_ASSIGN_OR_RETURN(FusedActivation act, parse_activation(node, graph));
  const Shape& w = input_of(graph, node, 1).shape;
  const int64_t in_size = w[1];
  const int64_t out_size = w[0];
  const int64_t rows = input_of(graph, node, 0).shape.num_elements().value_or(0) / in_size;
  if (has_input(node, 2) && input_of(graph, node, 2).shape.num_elements().value_or(-1) != out_size)
    return shape_mismatch(graph.source + ": " + node.describe() + ": bias has shape " +
                          input_of(graph, node, 2).shape.to_string() + ", expected " +
                          std::to_string(out_size) + " elements");
  return std::unique_ptr<Kernel>(
      std::make_unique<FullyConnectedKernel>(rows, in_size, out_size, act));
}

}  // namespace outpost
