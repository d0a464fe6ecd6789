// Quantized MatMul (uint8, int8; per-tensor parameters) with numpy's batch broadcasting, as
// TFLite's BATCH_MATMUL: each product accumulates (a - a_zero_point) * (b - b_zero_point) in
// int32, is requantized with the multiplier a_scale * b_scale / y_scale (the scales multiplied in
// float, as TFLite's GetQuantizedConvolutionMultipler), offset and saturated.
#include <vector>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"

namespace outpost {
namespace {

struct MatMulGeometry {
  int64_t batches = 1, m = 0, k = 0, n = 0;
  std::vector<int64_t> a_batch, b_batch;  // per output batch, the operands' matrix index
};

template <typename T>
class BatchMatMulQuantized final : public Kernel {
 public:
  BatchMatMulQuantized(MatMulGeometry g, quant::BinaryQuant q, quant::QuantizedMultiplier m)
      : g_(std::move(g)), q_(q), multiplier_(m) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const T* a = inputs[0].as<const T>();
    const T* b = inputs[1].as<const T>();
    T* y = outputs[0].as<T>();
    for (int64_t bi = 0; bi < g_.batches; ++bi) {
      const T* am = a + g_.a_batch[static_cast<size_t>(bi)] * g_.m * g_.k;
      const T* bm = b + g_.b_batch[static_cast<size_t>(bi)] * g_.k * g_.n;
      for (int64_t i = 0; i < g_.m; ++i)
        for (int64_t j = 0; j < g_.n; ++j) {
          int32_t total = 0;
          for (int64_t k = 0; k < g_.k; ++k)
            total += (int32_t{am[i * g_.k + k]} - q_.a.zero_point) *
                     (int32_t{bm[k * g_.n + j]} - q_.b.zero_point);
          const int32_t v =
              quant::multiply_by_quantized_multiplier(total, multiplier_) + q_.y.zero_point;
          *y++ = quant::clamp_to<T>(v, q_.act.min, q_.act.max);
        }
    }
    return Status::ok();
  }

 private:
  MatMulGeometry g_;
  quant::BinaryQuant q_;
  quant::QuantizedMultiplier multiplier_;
};

// The batch dimensions of a [..., M, K] and b [..., K, N] broadcast as numpy's: for each output
// batch (row-major), the index of the matrix each operand supplies.
Result<MatMulGeometry> geometry(const Graph& g, const Node& n, const Shape& a, const Shape& b) {
  if (a.rank() < 2 || b.rank() < 2 || a[a.rank() - 1] != b[b.rank() - 2])
    return not_handled(g, n, "a quantized MatMul needs operands [..., M, K] and [..., K, N]");
  MatMulGeometry geo;
  geo.m = a[a.rank() - 2];
  geo.k = a[a.rank() - 1];
  geo.n = b[b.rank() - 1];
  const size_t rank = std::max(a.rank(), b.rank()) - 2;
  std::vector<int64_t> out(rank), da(rank, 1), db(rank, 1);
  for (size_t d = 0; d < rank; ++d) {
    const size_t from_end = rank - d;
    if (a.rank() - 2 >= from_end) da[d] = a[a.rank() - 2 - from_end];
    if (b.rank() - 2 >= from_end) db[d] = b[b.rank() - 2 - from_end];
    if (da[d] != db[d] && da[d] != 1 && db[d] != 1)
      return not_handled(g, n, "batch dimensions that do not broadcast");
    out[d] = std::max(da[d], db[d]);
    geo.batches *= out[d];
  }
  for (int64_t o = 0; o < geo.batches; ++o) {
    int64_t rest = o, ia = 0, ib = 0, sa = 1, sb = 1;
    for (size_t d = rank; d-- > 0;) {
      const int64_t idx = rest % out[d];
      rest /= out[d];
      ia += (da[d] == 1 ? 0 : idx) * sa;
      ib += (db[d] == 1 ? 0 : idx) * sb;
      sa *= da[d];
      sb *= db[d];
    }
    geo.a_batch.push_back(ia);
    geo.b_batch.push_back(ib);
  }
  return geo;
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_batch_matmul_quantized(const Node& n, const Graph& g) {
  const Value& a = input_of(g, n, 0);
  const Value& b = input_of(g, n, 1);
  if (a.quant.empty() || b.quant.empty())
    return not_handled(g, n, "operands without quantization parameters");
  OUTPOST_ASSIGN_OR_RETURN(const quant::BinaryQuant q, quant::binary_quant(g, n, "MatMul"));
  OUTPOST_ASSIGN_OR_RETURN(MatMulGeometry geo, geometry(g, n, a.shape, b.shape));
  const float product = q.a.scale * q.b.scale;
  OUTPOST_ASSIGN_OR_RETURN(
      const quant::QuantizedMultiplier m,
      quant::bounded_multiplier(g, n, static_cast<double>(product) / static_cast<double>(q.y.scale),
                                "a scale x b scale / output scale"));
  if (a.dtype == DType::kUInt8)
    return std::unique_ptr<Kernel>(
        std::make_unique<BatchMatMulQuantized<uint8_t>>(std::move(geo), q, m));
  return std::unique_ptr<Kernel>(std::make_unique<BatchMatMulQuantized<int8_t>>(std::move(geo), q, m));
}

}  // namespace outpost
