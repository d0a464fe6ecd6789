// TFLite's int16 SOFTMAX (int16 -> int16, zero points 0, output scale 1/32768) over the last
// axis, in its fixed point: each difference from the row's maximum is scaled so that [-65535, 0]
// covers [-10, 0] (multiplier input_scale * beta * 65535 / 10) and recentred into int16; exp is
// read from a 513-entry table with linear interpolation (Q0.15); the sum of exps (Q16.15) is
// normalized by its leading zeros and inverted through a second table of 1 / (1 + x) over
// [0, 1]; each output is exp * reciprocal, shifted back with rounding, clamped to [0, 32767].
// The tables are built as TFLite's gen_lut builds them: each sample less half the error the
// interpolation makes at the step's midpoint.
#include <array>
#include <bit>
#include <cmath>
#include <vector>

#include "backends/ref/quantized_common.h"
#include "backends/ref/quantized_kernel_factories.h"
#include "backends/ref/softmax_rows.h"

namespace outpost {
namespace {

// 512 steps over [lo, hi] and the value at hi (for the last step's slope), Q0.15 of func.
using Int16Table = std::array<int16_t, 513>;

// TfLiteRound: half away from zero.
double round_away(double v) { return std::round(v); }

Int16Table make_table(double (*func)(double), double lo, double hi) {
  Int16Table table{};
  const double step = (hi - lo) / 512;
  const double half_step = step / 2;
  auto clamp16 = [](double v) { return std::min(std::max(v, -32768.0), 32767.0); };
  for (int i = 0; i < 512; ++i) {
    const double val = func(lo + i * step);
    const double midpoint = func(lo + i * step + half_step);
    const double next = func(lo + (i + 1) * step);
    const double sample = round_away(val * 32768.0);
    const double interpolated = round_away((next * 32768.0 + round_away(val * 32768.0)) / 2);
    const double bias = round_away((interpolated - round_away(midpoint * 32768.0)) / 2);
    table[static_cast<size_t>(i)] = static_cast<int16_t>(clamp16(sample - bias));
  }
  table[512] = static_cast<int16_t>(clamp16(round_away(func(hi) * 32768.0)));
  return table;
}

// The table's value at int16 `v`: entry 256 + v / 128, plus the slope times v's low 7 bits.
int16_t lookup(int16_t v, const Int16Table& table) {
  const auto index = static_cast<size_t>(256 + (v >> 7));
  const int32_t offset = v & 0x7f;
  const int32_t base = table[index];
  const int32_t slope = table[index + 1] - table[index];
  return static_cast<int16_t>(base + ((slope * offset + 64) >> 7));
}

int16_t saturate16(int32_t v) { return static_cast<int16_t>(std::clamp(v, -32768, 32767)); }

class SoftmaxInt16 final : public Kernel {
 public:
  SoftmaxInt16(SoftmaxRows rows, quant::QuantizedMultiplier multiplier)
      : rows_(rows),
        multiplier_(multiplier),
        exp_(make_table([](double x) { return std::exp(x); }, -10.0, 0.0)),
        reciprocal_(make_table([](double x) { return 1.0 / (1.0 + x); }, 0.0, 1.0)),
        exps_(static_cast<size_t>(rows.depth)) {}

  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    const int16_t* x = inputs[0].as<const int16_t>();
    int16_t* y = outputs[0].as<int16_t>();
    const int64_t depth = rows_.depth;
    for (int64_t r = 0; r < rows_.rows; ++r, x += depth, y += depth) {
      int32_t max_val = -32768;
      for (int64_t j = 0; j < depth; ++j) max_val = std::max<int32_t>(max_val, x[j]);
      int32_t sum = 0;  // Q16.15
      for (int64_t j = 0; j < depth; ++j) {
        const int32_t scaled = quant::multiply_by_quantized_multiplier(x[j] - max_val, multiplier_);
        exps_[static_cast<size_t>(j)] = lookup(saturate16(scaled + 32767), exp_);
        sum += exps_[static_cast<size_t>(j)];
      }
      // The row's maximum contributes exp(0) = 32767 or so: the sum is positive.
      const int headroom_plus_one = std::countl_zero(static_cast<uint32_t>(sum));
      const auto shifted =
          static_cast<int32_t>(((int64_t{sum} << (headroom_plus_one - 1)) + (1 << 13)) >> 14);
      // x = sum - 1 over [0, 1], recentred from [0, 65535] into int16.
      const int16_t reciprocal = lookup(saturate16(shifted - ((1 << 15) + (1 << 16))), reciprocal_);
      const int right_shift = 31 - headroom_plus_one;
      const int64_t round = int64_t{1} << (right_shift - 1);
      for (int64_t j = 0; j < depth; ++j) {
        const auto v = static_cast<int32_t>(
            (int64_t{exps_[static_cast<size_t>(j)]} * reciprocal + round) >> right_shift);
        y[j] = static_cast<int16_t>(std::clamp(v, 0, 32767));
      }
    }
    return Status::ok();
  }

 private:
  SoftmaxRows rows_;
  quant::QuantizedMultiplier multiplier_;
  Int16Table exp_, reciprocal_;
  std::vector<int16_t> exps_;  // scratch of one row, made at creation
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_softmax_int16(const Node& n, const Graph& g) {
  const Value& x = input_of(g, n, 0);
  const Value& y = output_of(g, n);
  if (x.dtype != DType::kInt16) return not_handled(g, n, "input is not int16");
  if (y.dtype != DType::kInt16)
    return not_handled(g, n, std::string("int16 Softmax into ") + dtype_name(y.dtype) +
                                 " is not supported (only int16)");
  const auto rows = softmax_rows(n, x.shape);
  if (!rows) return not_handled(g, n, "int16 Softmax normalizes over trailing axes only");
  OUTPOST_ASSIGN_OR_RETURN(auto xq, quant::per_tensor_quant(g, n, x, "input"));
  OUTPOST_ASSIGN_OR_RETURN(auto yq, quant::per_tensor_quant(g, n, y, "output"));
  if (xq.zero_point != 0 || yq.zero_point != 0)
    return not_handled(g, n, "int16 Softmax needs zero points 0 (TFLite's)");
  if (std::abs(yq.scale - 1.0f / 32768) > 0.001f / 32768)
    return not_handled(g, n, "int16 Softmax needs the output scale 1/32768 (TFLite's)");
  const float beta = n.attrs.get_float("beta", 1.0f);
  OUTPOST_ASSIGN_OR_RETURN(
      quant::QuantizedMultiplier m,
      quant::bounded_multiplier(g, n, static_cast<double>(xq.scale * beta) / (10.0 / 65535.0),
                                "input multiplier (input scale x beta x 65535 / 10)"));
  return std::unique_ptr<Kernel>(std::make_unique<SoftmaxInt16>(*rows, m));
}

}  // namespace outpost
