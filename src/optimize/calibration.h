// Calibration statistics for post-training quantization: what range of real values each
// activation of a model takes over a calibration set, and the scale and zero point that range
// gets. `outpost optimize --method minmax|percentile|entropy` (docs/optimize.md).
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "formats/int8_weights.h"  // kMinInt8Scale
#include "outpost/quant_params.h"
#include "outpost/status.h"

namespace outpost::optimize {

enum class CalibrationMethod {
  kMinMax,      // the smallest and largest value seen
  kPercentile,  // each tail clipped where `percentile` of the values lie inside it
  kEntropy,     // the clipping threshold that keeps the int8 distribution closest (KL divergence)
};

// "minmax" | "percentile" | "entropy"; kUsage naming the choices otherwise.
Result<CalibrationMethod> parse_calibration_method(const std::string& name);
const char* calibration_method_name(CalibrationMethod method);

struct RealRange {
  float min = 0;
  float max = 0;
};

// The values one activation took over the calibration set: the exact minimum and maximum, and a
// histogram of magnitudes for the negative and the positive values each (kHistogramBins bins of
// one width from 0; when a value lands past the last bin, adjacent bins merge and the width
// doubles until it fits, so one pass over the data suffices whatever its range). The width is a
// power of two, first chosen so the first non-zero magnitude lands in the upper half of the bins:
// binning is then exact (a multiply by a power of two), and the histogram ends up the same as
// binning every value at the smallest power-of-two width that fits the largest magnitude, whatever
// order the values came in.
class RangeObserver {
 public:
  static constexpr size_t kHistogramBins = 2048;

  // Non-finite values (NaN, infinities) are counted apart and change no statistic.
  void observe(const float* data, size_t count);

  size_t count() const { return count_; }  // finite values observed
  size_t non_finite() const { return non_finite_; }
  // The range `method` gives, always containing 0 (a quantized zero must be exact: padding,
  // ReLU) and within [min, max] seen otherwise. `percentile` (used by kPercentile) is in
  // (50, 100], e.g. 99.999. With nothing observed: [0, 0].
  RealRange range(CalibrationMethod method, double percentile = 99.999) const;

 private:
  // observe() goes by blocks of kBlock values: a block that is all finite and fits the histogram
  // takes observe_block (false otherwise, and then nothing changed), the others observe_one per
  // value, which also sets the width at the first non-zero magnitude and merges bins.
  static constexpr size_t kBlock = 512;
  bool observe_block(const float* data, size_t count);
  void observe_one(float x);
  void set_width_exponent(int exponent);
  void merge_bins(int shift);  // each bin i takes old bins [i << shift, (i + 1) << shift)
  double bin_edge(size_t bin) const;  // the lower edge of `bin`, a magnitude
  RealRange min_max_range() const;
  RealRange percentile_range(double percentile) const;
  RealRange entropy_range() const;

  size_t count_ = 0;
  size_t non_finite_ = 0;
  size_t zeros_ = 0;  // of the values in the positive bin 0, those exactly 0 (see entropy_range)
  float min_ = std::numeric_limits<float>::infinity();  // of the finite values
  float max_ = -std::numeric_limits<float>::infinity();
  // Bin width 2^width_exponent_; until a non-zero magnitude arrives there is no width, limit_ is
  // the smallest denormal (so only zeros fit) and inv_width_ 0 (so they bin at 0).
  bool has_width_ = false;
  int width_exponent_ = 0;
  double inv_width_ = 0;
  double limit_ = std::numeric_limits<float>::denorm_min();  // kHistogramBins * width
  // Negative magnitudes in [0, kHistogramBins), positive ones (and zeros) after them.
  std::vector<uint64_t> histogram_ = std::vector<uint64_t>(2 * kHistogramBins, 0);
};

// Parameters of an affine int8 quantization (real = scale * (q - zero_point)).
struct AffineInt8 {
  float scale = 1;
  int32_t zero_point = 0;
};

// Per-tensor asymmetric int8 over [-128, 127] for an activation: the range widened to hold 0,
// scale = (max - min) / 255, zero_point the rounded, clamped q of 0.0 (so 0.0 is exact). An empty
// range (max == min == 0), or one that is not finite, gets scale 1 and zero point 0: every q then
// means a whole number and the constant-zero activation dequantizes to exactly 0. A range so narrow
// that its scale would fall below kMinInt8Scale gets that scale instead.
AffineInt8 activation_int8(RealRange range);

// The same as the QuantParams the writers take (one scale, one zero point).
QuantParams activation_quant_params(RealRange range);

}  // namespace outpost::optimize
