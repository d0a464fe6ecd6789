// MelWeightMatrix: the [dft_length / 2 + 1, num_mel_bins] matrix that maps a onesided power
// spectrum to mel bands. The band edges are num_mel_bins + 2 points spaced evenly on the mel
// scale (mel = 2595 log10(1 + hz / 700)) from lower_edge_hertz to upper_edge_hertz, each turned
// back into hertz and then into a spectrum bin, floor((dft_length + 1) * hz / sample_rate); band
// i is the triangle that rises from edge i to edge i + 1 and falls to edge i + 2, in bins.
#include <algorithm>
#include <cmath>
#include <vector>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

double float_at(const TensorView& t) {
  return t.dtype == DType::kFloat64 ? t.as<const double>()[0] : t.as<const float>()[0];
}

double hz_to_mel(double hz) { return 2595 * std::log10(1 + hz / 700); }
double mel_to_hz(double mel) { return 700 * (std::pow(10, mel / 2595) - 1); }

// The band edges in spectrum bins. Hostile operands (a sample rate near 0, edges far apart) give
// any double: it is bounded so that the integer arithmetic after cannot overflow, and the loops
// only ever visit the bins that exist.
void band_edges(int64_t bins, int64_t dft_length, int64_t sample_rate, double lower, double upper,
                std::vector<int64_t>& edges) {
  const double low_mel = hz_to_mel(lower), high_mel = hz_to_mel(upper);
  const double step = (high_mel - low_mel) / static_cast<double>(bins + 2);
  constexpr double kBound = 0x1p40;
  for (int64_t i = 0; i < bins + 2; ++i) {
    const double hz = mel_to_hz(static_cast<double>(i) * step + low_mel);
    double bin = std::floor(static_cast<double>(dft_length + 1) * hz /
                            static_cast<double>(sample_rate));
    if (std::isnan(bin)) bin = 0;
    edges[static_cast<size_t>(i)] = static_cast<int64_t>(std::clamp(bin, -kBound, kBound));
  }
}

template <typename T>
void fill_bands(const std::vector<int64_t>& edges, int64_t bins, int64_t rows, T* out) {
  std::fill(out, out + rows * bins, T(0));
  const auto put = [&](int64_t row, int64_t band, double v) {
    if (row >= 0 && row < rows) out[row * bins + band] = static_cast<T>(v);
  };
  for (int64_t i = 0; i < bins; ++i) {
    const int64_t lo = edges[static_cast<size_t>(i)], mid = edges[static_cast<size_t>(i + 1)],
                  hi = edges[static_cast<size_t>(i + 2)];
    if (mid == lo) {
      put(mid, i, 1);
    } else {
      for (int64_t j = std::max<int64_t>(lo, 0); j <= std::min(mid, rows - 1); ++j)
        put(j, i, static_cast<double>(j - lo) / static_cast<double>(mid - lo));
    }
    if (hi > mid)
      for (int64_t j = std::max<int64_t>(mid, 0); j < std::min(hi, rows); ++j)
        put(j, i, static_cast<double>(hi - j) / static_cast<double>(hi - mid));
  }
}

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_mel_weight_matrix(const Node& node, const Graph& graph) {
  const Shape planned = output_of(graph, node).shape;  // [dft_length / 2 + 1, num_mel_bins]
  const std::string where = where_of(graph, node);
  CheckedRunFn fn;
  if (!visit_float(output_of(graph, node).dtype, [&](auto tag) {
        using T = typename decltype(tag)::type;
        fn = [=, edges = std::vector<int64_t>(static_cast<size_t>(planned[1] + 2))](
                 std::span<const TensorView> in, std::span<const TensorView> out) mutable {
          const int64_t bins = int_at(in[0].dtype, in[0].data, 0),
                        dft_length = int_at(in[1].dtype, in[1].data, 0),
                        sample_rate = int_at(in[2].dtype, in[2].data, 0);
          if (bins != planned[1]) return extent_mismatch(where, "num_mel_bins", bins, planned[1]);
          if (dft_length < 0 || dft_length / 2 + 1 != planned[0])
            return extent_mismatch(where, "dft_length / 2 + 1", dft_length / 2 + 1, planned[0]);
          if (sample_rate <= 0)
            return shape_mismatch(where + ": sample_rate must be positive, is " +
                                  std::to_string(sample_rate));
          band_edges(bins, dft_length, sample_rate, float_at(in[3]), float_at(in[4]), edges);
          fill_bands(edges, bins, planned[0], out[0].as<T>());
          return Status::ok();
        };
      }))
    return unsupported_dtype(graph, node, output_of(graph, node).dtype);
  return make_checked_kernel(std::move(fn));
}

}  // namespace outpost
