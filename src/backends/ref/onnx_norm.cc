// ONNX BatchNormalization (inference, and training_mode's batch statistics and running
// averages), InstanceNormalization, LayerNormalization (with the Mean and InvStdDev outputs)
// LRN and MeanVarianceNormalization, on float32/float64, computing in double. Variances are
// population variances.
#include <vector>

#include "backends/ref/onnx_nn_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

// Element i of a float32/float64 operand.
double real_at(const TensorView& v, int64_t i) {
  return v.dtype == DType::kFloat64 ? v.as<const double>()[i]
                                    : static_cast<double>(v.as<const float>()[i]);
}
void set_real(const TensorView& v, int64_t i, double x) {
  if (v.dtype == DType::kFloat64)
    v.as<double>()[i] = x;
  else
    v.as<float>()[i] = static_cast<float>(x);
}

Status check_float_operands(const Node& node, const Graph& graph) {
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (!has_input(node, i)) continue;
    const DType d = input_of(graph, node, i).dtype;
    if (d != DType::kFloat32 && d != DType::kFloat64) return unsupported_dtype(graph, node, d);
  }
  return Status::ok();
}

Result<std::unique_ptr<Kernel>> make_batch_norm(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t batch = x[0], channels = x[1];
  int64_t inner = 1;
  for (size_t k = 2; k < x.rank(); ++k) inner *= x[k];
  const double eps = node.attrs.get_float("epsilon", 1e-5f);
  const double momentum = node.attrs.get_float("momentum", 0.9f);
  const bool training = node.attrs.get_int("training_mode", 0) != 0;
  const size_t outputs = node.outputs.size();
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    for (int64_t c = 0; c < channels; ++c) {
      double mean = real_at(in[3], c), var = real_at(in[4], c);
      if (training) {
        double sum = 0, sq = 0;
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t i = 0; i < inner; ++i) sum += real_at(in[0], (b * channels + c) * inner + i);
        const double count = static_cast<double>(batch * inner);
        const double m = count > 0 ? sum / count : 0.0;
        for (int64_t b = 0; b < batch; ++b)
          for (int64_t i = 0; i < inner; ++i) {
            const double d = real_at(in[0], (b * channels + c) * inner + i) - m;
            sq += d * d;
          }
        const double v = count > 0 ? sq / count : 0.0;
        if (outputs > 1) set_real(out[1], c, mean * momentum + m * (1 - momentum));
        if (outputs > 2) set_real(out[2], c, var * momentum + v * (1 - momentum));
        mean = m;
        var = v;
      }
      const double scale = real_at(in[1], c) / std::sqrt(var + eps), shift = real_at(in[2], c);
      for (int64_t b = 0; b < batch; ++b)
        for (int64_t i = 0; i < inner; ++i) {
          const int64_t at = (b * channels + c) * inner + i;
          set_real(out[0], at, (real_at(in[0], at) - mean) * scale + shift);
        }
    }
  });
}

Result<std::unique_ptr<Kernel>> make_instance_norm(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t channels = x[1], planes = x[0] * x[1];
  int64_t inner = 1;
  for (size_t k = 2; k < x.rank(); ++k) inner *= x[k];
  const double eps = node.attrs.get_float("epsilon", 1e-5f);
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    for (int64_t p = 0; p < planes; ++p) {
      double sum = 0, sq = 0;
      for (int64_t i = 0; i < inner; ++i) sum += real_at(in[0], p * inner + i);
      const double mean = inner > 0 ? sum / static_cast<double>(inner) : 0.0;
      for (int64_t i = 0; i < inner; ++i) {
        const double d = real_at(in[0], p * inner + i) - mean;
        sq += d * d;
      }
      const double var = inner > 0 ? sq / static_cast<double>(inner) : 0.0;
      const int64_t c = p % channels;
      const double scale = real_at(in[1], c) / std::sqrt(var + eps), shift = real_at(in[2], c);
      for (int64_t i = 0; i < inner; ++i)
        set_real(out[0], p * inner + i, (real_at(in[0], p * inner + i) - mean) * scale + shift);
    }
  });
}

// Element offsets of a Scale/B operand broadcast over the normalized (trailing) dimensions.
std::vector<int64_t> broadcast_offsets(const Shape& inner, const Shape& param) {
  std::vector<int64_t> offsets(static_cast<size_t>(inner.num_elements().value_or(0)));
  const Broadcast b = plan_broadcast(inner, {&param});
  for_each_broadcast(
      b, [&](int64_t i, int64_t off, int64_t, int64_t) { offsets[static_cast<size_t>(i)] = off; });
  return offsets;
}

Result<std::unique_ptr<Kernel>> make_layer_norm(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  int64_t axis = node.attrs.get_int("axis", -1);
  if (axis < 0) axis += static_cast<int64_t>(x.rank());
  const Shape inner_shape(std::vector<int64_t>(x.dims().begin() + axis, x.dims().end()));
  OUTPOST_RETURN_IF_ERROR(check_rank(graph, node, inner_shape));
  const int64_t inner = inner_shape.num_elements().value_or(0);
  const int64_t outer = inner > 0 ? x.num_elements().value_or(0) / inner : 0;
  const std::vector<int64_t> scale_at =
      broadcast_offsets(inner_shape, input_of(graph, node, 1).shape);
  const bool bias = has_input(node, 2);
  const std::vector<int64_t> bias_at =
      bias ? broadcast_offsets(inner_shape, input_of(graph, node, 2).shape)
           : std::vector<int64_t>{};
  const double eps = node.attrs.get_float("epsilon", 1e-5f);
  const size_t outputs = node.outputs.size();
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    for (int64_t o = 0; o < outer; ++o) {
      double sum = 0, sq = 0;
      for (int64_t i = 0; i < inner; ++i) sum += real_at(in[0], o * inner + i);
      const double mean = inner > 0 ? sum / static_cast<double>(inner) : 0.0;
      for (int64_t i = 0; i < inner; ++i) {
        const double d = real_at(in[0], o * inner + i) - mean;
        sq += d * d;
      }
      const double inv = 1.0 / std::sqrt((inner > 0 ? sq / static_cast<double>(inner) : 0.0) + eps);
      for (int64_t i = 0; i < inner; ++i) {
        const size_t k = static_cast<size_t>(i);
        double y = (real_at(in[0], o * inner + i) - mean) * inv * real_at(in[1], scale_at[k]);
        if (bias) y += real_at(in[2], bias_at[k]);
        set_real(out[0], o * inner + i, y);
      }
      if (outputs > 1 && out[1].data) out[1].as<float>()[o] = static_cast<float>(mean);
      if (outputs > 2 && out[2].data) out[2].as<float>()[o] = static_cast<float>(inv);
    }
  });
}

Result<std::unique_ptr<Kernel>> make_lrn(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  const int64_t batch = x[0], channels = x[1];
  int64_t inner = 1;
  for (size_t k = 2; k < x.rank(); ++k) inner *= x[k];
  const int64_t size = node.attrs.get_int("size", 1);
  const double alpha = node.attrs.get_float("alpha", 1e-4f);
  const double beta = node.attrs.get_float("beta", 0.75f);
  const double bias = node.attrs.get_float("bias", 1.0f);
  const int64_t before = (size - 1) / 2, after = size - 1 - before;
  return make_kernel([=](std::span<const TensorView> in, std::span<const TensorView> out) {
    for (int64_t b = 0; b < batch; ++b)
      for (int64_t c = 0; c < channels; ++c)
        for (int64_t i = 0; i < inner; ++i) {
          double sq = 0;
          const int64_t lo = std::max<int64_t>(0, c - before);
          const int64_t hi = std::min(channels - 1, c + after);
          for (int64_t k = lo; k <= hi; ++k) {
            const double v = real_at(in[0], (b * channels + k) * inner + i);
            sq += v * v;
          }
          const int64_t at = (b * channels + c) * inner + i;
          set_real(
              out[0], at,
              real_at(in[0], at) / std::pow(bias + alpha / static_cast<double>(size) * sq, beta));
        }
  });
}

// MeanVarianceNormalization, as its ONNX function: (x - E[x]) / (sqrt(E[x^2] - E[x]^2) + 1e-9)
// over `axes`, per group of the other dimensions.
Result<std::unique_ptr<Kernel>> make_mvn(const Node& node, const Graph& graph) {
  const Shape& x = input_of(graph, node, 0).shape;
  std::vector<int64_t> axes =
      node.attrs.has("axes") ? node.attrs.get_ints("axes") : std::vector<int64_t>{0, 2, 3};
  std::vector<bool> reduced(x.rank(), false);
  for (int64_t a : axes)
    reduced[static_cast<size_t>(a < 0 ? a + static_cast<int64_t>(x.rank()) : a)] = true;
  // The group of each element: its index over the dimensions not reduced.
  const int64_t total = x.num_elements().value_or(0);
  std::vector<int64_t> group(static_cast<size_t>(total));
  int64_t groups = 1;
  {
    std::vector<int64_t> stride(x.rank(), 0), index(x.rank(), 0);
    for (size_t k = x.rank(); k-- > 0;) {
      if (reduced[k]) continue;
      stride[k] = groups;
      groups *= x[k];
    }
    int64_t g = 0;
    for (int64_t i = 0; i < total; ++i) {
      group[static_cast<size_t>(i)] = g;
      for (size_t k = x.rank(); k-- > 0;) {
        g += stride[k];
        if (++index[k] < x[k]) break;
        g -= stride[k] * x[k];
        index[k] = 0;
      }
    }
  }
  return make_kernel([group, total, sum = std::vector<double>(static_cast<size_t>(groups)),
                      sq = std::vector<double>(static_cast<size_t>(groups)),
                      count = std::vector<double>(static_cast<size_t>(groups))](
                         std::span<const TensorView> in, std::span<const TensorView> out) mutable {
    std::fill(sum.begin(), sum.end(), 0.0);
    std::fill(sq.begin(), sq.end(), 0.0);
    std::fill(count.begin(), count.end(), 0.0);
    for (int64_t i = 0; i < total; ++i) {
      const size_t g = static_cast<size_t>(group[static_cast<size_t>(i)]);
      const double v = real_at(in[0], i);
      sum[g] += v;
      sq[g] += v * v;
      count[g] += 1;
    }
    for (int64_t i = 0; i < total; ++i) {
      const size_t g = static_cast<size_t>(group[static_cast<size_t>(i)]);
      const double mean = sum[g] / count[g];
      const double var = std::max(0.0, sq[g] / count[g] - mean * mean);
      set_real(out[0], i, (real_at(in[0], i) - mean) / (std::sqrt(var) + 1e-9));
    }
  });
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_norm(const Node& node, const Graph& graph) {
  OUTPOST_RETURN_IF_ERROR(check_float_operands(node, graph));
  if (input_of(graph, node, 0).dtype != output_of(graph, node).dtype)
    return unsupported_dtype(graph, node, output_of(graph, node).dtype);
  switch (node.op) {
    case OpKind::kBatchNormalization:
      return make_batch_norm(node, graph);
    case OpKind::kInstanceNormalization:
      return make_instance_norm(node, graph);
    case OpKind::kLayerNormalization:
      return make_layer_norm(node, graph);
    case OpKind::kMeanVarianceNormalization:
      return make_mvn(node, graph);
    default:
      return make_lrn(node, graph);
  }
}

}  // namespace outpost
