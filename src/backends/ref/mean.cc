// ReduceMean over the attribute's axes on float32 (TFLite's MEAN, and ONNX's wherever the axes
// are an attribute), keepdims only shaping the output. The input is walked once in memory
// order, each element added to its output cell; then each cell is divided by the number of
// elements reduced into it.
#include <array>

#include "backends/ref/float_kernel_factories.h"
#include "backends/ref/reduced_axes.h"

namespace outpost {
namespace {

constexpr size_t kMaxRank = 8;

// Neighbouring dimensions that are both reduced or both kept are merged, so e.g. a mean over
// H and W of NHWC runs as [N, H*W (reduced), C].
struct MeanPlan {
  size_t rank = 0;
  std::array<int64_t, kMaxRank> dims{};
  std::array<int64_t, kMaxRank> out_stride{};  // 0 for reduced dimensions
  std::array<bool, kMaxRank> reduced{};
  int64_t out_elements = 1;
  float count = 1.0f;  // elements averaged into each output
};

class MeanKernel final : public Kernel {
 public:
  explicit MeanKernel(MeanPlan p) : p_(p) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const float* x = inputs[0].as<const float>();
    float* y = outputs[0].as<float>();
    const MeanPlan& p = p_;
    for (int64_t i = 0; i < p.out_elements; ++i) y[i] = 0.0f;
    if (p.rank > 0) {
      const size_t inner = p.rank - 1;
      const int64_t n = p.dims[inner];
      int64_t rows = 1;
      for (size_t k = 0; k < inner; ++k) rows *= p.dims[k];
      std::array<int64_t, kMaxRank> index{};
      int64_t out_off = 0;
      for (int64_t r = 0; r < rows; ++r) {
        const float* in = x + r * n;
        if (p.reduced[inner]) {
          float acc = 0.0f;
          for (int64_t i = 0; i < n; ++i) acc += in[i];
          y[out_off] += acc;
        } else {
          float* out = y + out_off;
          for (int64_t i = 0; i < n; ++i) out[i] += in[i];
        }
        for (size_t k = inner; k-- > 0;) {
          out_off += p.out_stride[k];
          if (++index[k] < p.dims[k]) break;
          out_off -= p.out_stride[k] * p.dims[k];
          index[k] = 0;
        }
      }
    } else {
      y[0] = x[0];
    }
    for (int64_t i = 0; i < p.out_elements; ++i) y[i] /= p.count;
    return Status::ok();
  }

 private:
  MeanPlan p_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_mean_float(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(expect_float32(graph, node, {0}));
  OUTPOST_ASSIGN_OR_RETURN(const std::vector<bool> reduced, reduced_axes_mask(node, graph));
  const Shape& x = input_of(graph, node, 0).shape;

  struct Dim {
    int64_t size;
    bool reduced;
  };
  std::vector<Dim> dims;
  int64_t count = 1;
  for (size_t k = 0; k < x.rank(); ++k) {
    if (reduced[k]) count *= x[k];
    if (x[k] == 1) continue;  // contributes nothing either way
    if (!dims.empty() && dims.back().reduced == reduced[k]) {
      dims.back().size *= x[k];
    } else {
      dims.push_back({x[k], reduced[k]});
    }
  }
  if (dims.size() > kMaxRank)
    return not_handled(graph, node,
                       "mean supports up to 8 alternating dimensions, input is " + x.to_string());
  MeanPlan p;
  p.rank = dims.size();
  p.count = static_cast<float>(count);
  int64_t stride = 1;
  for (size_t k = dims.size(); k-- > 0;) {
    p.dims[k] = dims[k].size;
    p.reduced[k] = dims[k].reduced;
    p.out_stride[k] = dims[k].reduced ? 0 : stride;
    if (!dims[k].reduced) stride *= dims[k].size;
  }
  p.out_elements = output_of(graph, node).shape.num_elements().value_or(0);
  return std::unique_ptr<Kernel>(std::make_unique<MeanKernel>(p));
}

}  // namespace outpost
