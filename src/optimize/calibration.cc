// Calibration statistics: one pass of min/max and magnitude histograms per activation, and the
// three ways of turning them into a range (calibration.h).
#include "optimize/calibration.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace outpost::optimize {
namespace {

constexpr size_t kBins = RangeObserver::kHistogramBins;
constexpr int kBinsLog2 = 11;
static_assert(size_t{1} << kBinsLog2 == kBins, "the width arithmetic assumes 2^kBinsLog2 bins");

// int8 has 128 non-negative levels; the entropy search quantizes a clipped histogram into as many.
constexpr size_t kEntropyLevels = 128;

// A float's bits as an integer that orders like the float: negative floats have their magnitude
// bits flipped. NaNs order past the infinities on their sign's side, so the extremes of a block
// in this order are non-finite exactly when the block holds a non-finite value.
int32_t order_key(float x) {
  int32_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  return bits ^ ((bits >> 31) & 0x7fffffff);
}

float from_order_key(int32_t key) {
  const int32_t bits = key ^ ((key >> 31) & 0x7fffffff);
  float x;
  std::memcpy(&x, &bits, sizeof x);
  return x;
}

struct BlockSummary {
  float min = 0;
  float max = 0;
  size_t zeros = 0;  // +0 and -0
};

// Integer keys in independent lanes: integer minima vectorize where float ones (with their NaN
// rules) do not, and the lanes need not wait on each other.
constexpr size_t kLanes = 8;

// `count` >= 1.
BlockSummary summary_of(const float* data, size_t count) {
  int32_t lo[kLanes];
  int32_t hi[kLanes];
  uint32_t zeros[kLanes] = {};
  std::fill(lo, lo + kLanes, order_key(data[0]));
  std::fill(hi, hi + kLanes, order_key(data[0]));
  // The keys of +0 and -0 are 0 and -1; unsigned, so that the key of a NaN cannot overflow.
  const auto is_zero = [](int32_t key) { return static_cast<uint32_t>(key) + 1u <= 1u ? 1u : 0u; };
  size_t i = 0;
  for (; i + kLanes <= count; i += kLanes) {
    for (size_t k = 0; k < kLanes; ++k) {
      const int32_t key = order_key(data[i + k]);
      lo[k] = std::min(lo[k], key);
      hi[k] = std::max(hi[k], key);
      zeros[k] += is_zero(key);
    }
  }
  for (; i < count; ++i) {  // the tail, into lane 0
    const int32_t key = order_key(data[i]);
    lo[0] = std::min(lo[0], key);
    hi[0] = std::max(hi[0], key);
    zeros[0] += is_zero(key);
  }
  BlockSummary summary{from_order_key(*std::min_element(lo, lo + kLanes)),
                       from_order_key(*std::max_element(hi, hi + kLanes)), 0};
  for (uint32_t lane_zeros : zeros) summary.zeros += lane_zeros;
  return summary;
}

// The exponent k with 2^(k-1) <= m < 2^k, for a positive finite m.
int magnitude_exponent(double m) {
  int exponent = 0;
  std::frexp(m, &exponent);
  return exponent;
}

RealRange containing_zero(double lo, double hi) {
  return {static_cast<float>(std::min(lo, 0.0)), static_cast<float>(std::max(hi, 0.0))};
}

// The smallest u >= 1 with at most `tail` values in bins u and above: the tightest bin edge that
// clips no more than `tail` values of this half of the histogram.
size_t clip_edge(const uint64_t* half, double tail) {
  size_t edge = kBins;
  double above = 0;
  while (edge > 1 && above + static_cast<double>(half[edge - 1]) <= tail) {
    above += static_cast<double>(half[edge - 1]);
    --edge;
  }
  return edge;
}

double x_log_x(double x) { return x > 0 ? x * std::log(x) : 0; }

// Prefix sums over the combined magnitude histogram h, so that each candidate threshold of the
// entropy search costs one pass over the levels instead of one over the bins.
struct HistogramPrefix {
  std::vector<double> mass;      // sum of h[j] for j < i
  std::vector<double> non_zero;  // number of j < i with h[j] > 0
  std::vector<double> mass_log;  // sum of h[j] log h[j] for j < i
  std::vector<double> bin;       // h itself
  double zeros = 0;              // exact zeros, kept out of h (see clipping_divergence)
};

HistogramPrefix prefix_of(const std::vector<double>& h, double zeros) {
  HistogramPrefix p{std::vector<double>(h.size() + 1, 0), std::vector<double>(h.size() + 1, 0),
                    std::vector<double>(h.size() + 1, 0), h, zeros};
  for (size_t j = 0; j < h.size(); ++j) {
    p.mass[j + 1] = p.mass[j] + h[j];
    p.non_zero[j + 1] = p.non_zero[j] + (h[j] > 0 ? 1 : 0);
    p.mass_log[j + 1] = p.mass_log[j] + x_log_x(h[j]);
  }
  return p;
}

// KL(P || Q) for clipping the histogram after `clip` bins, as TensorRT's calibrator defines it:
// P is the first `clip` bins with the mass beyond them added to the last one; Q quantizes the
// first `clip` bins as they were (without that mass) into kEntropyLevels levels, each level's
// mass spread evenly over the bins of the level where P is non-zero. Both are normalized and the
// bins where P is 0 are skipped. Since Q is constant over each level's non-zero bins, the sum
// over bins collapses to one over levels:
//   KL = (sum_j P_j log P_j - sum_k PL_k log(L_k / nz_k)) / N - log N + log R,
// with N = sum P, R = sum Q (before normalizing), L_k the level's mass in Q, PL_k in P and nz_k
// its non-zero bins. Infinite (a P bin with no Q mass) is returned as +infinity.
// One departure: exact zeros are a point of their own in both P and Q, not part of bin 0.
// int8 holds 0.0 exactly whatever the threshold, and mixed into bin 0 the zeros of a ReLU
// (often half the values) would make every level but the narrowest look badly quantized, pulling
// the threshold far into the body of the distribution. As a point of equal mass in P and Q they
// add nothing to the sum over bins and count only in N and R.
double clipping_divergence(const HistogramPrefix& p, size_t clip) {
  const double clipped = p.mass.back() - p.mass[clip];
  const double total = p.mass.back() + p.zeros;
  const double kept = p.mass[clip] + p.zeros;
  const double last = p.bin[clip - 1] + clipped;
  if (kept <= 0) return std::numeric_limits<double>::infinity();
  const double p_log_p = p.mass_log[clip - 1] + x_log_x(last);
  const size_t per_level = clip / kEntropyLevels;
  double p_log_q = 0;
  for (size_t level = 0; level < kEntropyLevels; ++level) {
    const size_t begin = level * per_level;
    const bool is_last = level + 1 == kEntropyLevels;
    const size_t end = is_last ? clip : begin + per_level;
    const double q_mass = p.mass[end] - p.mass[begin];
    double p_mass = q_mass;
    double non_zero = p.non_zero[end] - p.non_zero[begin];
    if (is_last) {  // P's last bin also holds the clipped mass
      p_mass += clipped;
      non_zero += (last > 0 ? 1 : 0) - (p.bin[clip - 1] > 0 ? 1 : 0);
    }
    if (p_mass <= 0) continue;
    if (q_mass <= 0) return std::numeric_limits<double>::infinity();
    p_log_q += p_mass * std::log(q_mass / non_zero);
  }
  return (p_log_p - p_log_q) / total - std::log(total) + std::log(kept);
}

}  // namespace

Result<CalibrationMethod> parse_calibration_method(const std::string& name) {
  if (name == "minmax") return CalibrationMethod::kMinMax;
  if (name == "percentile") return CalibrationMethod::kPercentile;
  if (name == "entropy") return CalibrationMethod::kEntropy;
  return usage_error("--method: unknown calibration method '" + name +
                     "'; choose minmax, percentile or entropy");
}

const char* calibration_method_name(CalibrationMethod method) {
  switch (method) {
    case CalibrationMethod::kMinMax:
      return "minmax";
    case CalibrationMethod::kPercentile:
      return "percentile";
    case CalibrationMethod::kEntropy:
      return "entropy";
  }
  return "unknown";
}

void RangeObserver::observe(const float* data, size_t count) {
  for (size_t start = 0; start < count; start += kBlock) {
    const size_t n = std::min(kBlock, count - start);
    if (observe_block(data + start, n)) continue;
    for (size_t i = start; i < start + n; ++i) observe_one(data[i]);
  }
}

bool RangeObserver::observe_block(const float* data, size_t count) {
  // First the block's extremes; the block stays in L1 for the second loop, which can then bin
  // without checking each value.
  const BlockSummary block = summary_of(data, count);
  if (!(-block.min < limit_ && block.max < limit_)) return false;  // NaN fails too
  // Bins below 2^-116 (no magnitude above that seen yet) need a factor past float's range.
  if (!(inv_width_ <= std::numeric_limits<float>::max())) return false;
  // Exact: a float times a power of two, below kBins by the test above (a product that is
  // denormal is below 1 and bins at 0 however it rounds).
  const auto inv_width = static_cast<float>(inv_width_);
  // A local: stores through a member pointer could otherwise alias the other members.
  uint64_t* negative = histogram_.data();  // the positive half follows
  for (size_t i = 0; i < count; ++i) {
    const float x = data[i];
    const auto bin = static_cast<int32_t>(std::fabs(x) * inv_width);
    // Chosen by arithmetic, not a branch: the signs of activations are often as good as random.
    ++negative[bin + (x >= 0 ? kBins : 0)];
  }
  min_ = std::min(min_, block.min);
  max_ = std::max(max_, block.max);
  zeros_ += block.zeros;
  count_ += count;
  return true;
}

void RangeObserver::observe_one(float x) {
  if (!std::isfinite(x)) {
    ++non_finite_;
    return;
  }
  ++count_;
  min_ = std::min(min_, x);
  max_ = std::max(max_, x);
  const double magnitude = std::fabs(x);
  if (magnitude == 0) {
    ++zeros_;
  } else if (!(magnitude < limit_)) {
    // Its exponent k fits bins of width 2^(k - kBinsLog2): that puts the first non-zero
    // magnitude in the upper half.
    const int needed = magnitude_exponent(magnitude) - kBinsLog2;
    if (has_width_) {
      merge_bins(needed - width_exponent_);
    } else {
      set_width_exponent(needed);
    }
  }
  const auto bin = static_cast<size_t>(magnitude * inv_width_);
  ++histogram_[(x < 0 ? 0 : kBins) + bin];
}

void RangeObserver::set_width_exponent(int exponent) {
  has_width_ = true;
  width_exponent_ = exponent;
  inv_width_ = std::ldexp(1.0, -exponent);
  limit_ = std::ldexp(1.0, kBinsLog2 + exponent);
}

void RangeObserver::merge_bins(int shift) {
  // Past kBinsLog2 every bin lands in bin 0 already; a bigger shift would only be undefined.
  const int bin_shift = std::min(shift, kBinsLog2);
  for (uint64_t* half : {histogram_.data(), histogram_.data() + kBins}) {
    // In place, upwards: bin j >> shift is below j and already holds only merged counts.
    for (size_t j = 1; j < kBins; ++j) {
      const uint64_t moved = half[j];
      half[j] = 0;
      half[j >> bin_shift] += moved;
    }
  }
  set_width_exponent(width_exponent_ + shift);
}

double RangeObserver::bin_edge(size_t bin) const {
  return std::ldexp(static_cast<double>(bin), width_exponent_);
}

RealRange RangeObserver::range(CalibrationMethod method, double percentile) const {
  if (count_ == 0) return {};
  switch (method) {
    case CalibrationMethod::kMinMax:
      return min_max_range();
    case CalibrationMethod::kPercentile:
      return percentile_range(percentile);
    case CalibrationMethod::kEntropy:
      return entropy_range();
  }
  return min_max_range();
}

RealRange RangeObserver::min_max_range() const { return containing_zero(min_, max_); }

RealRange RangeObserver::percentile_range(double percentile) const {
  // Without a width every value was 0; at 100 the bin edges would only round minmax up.
  if (!has_width_ || percentile >= 100) return min_max_range();
  const double tail = (1 - percentile / 100) * static_cast<double>(count_);
  const double hi = bin_edge(clip_edge(histogram_.data() + kBins, tail));
  const double lo = -bin_edge(clip_edge(histogram_.data(), tail));
  return containing_zero(std::max(lo, static_cast<double>(min_)),
                         std::min(hi, static_cast<double>(max_)));
}

RealRange RangeObserver::entropy_range() const {
  if (!has_width_) return min_max_range();
  // A range this narrow quantizes at about the floor scale however it is clipped: no gain.
  const double largest = std::max(std::fabs(min_), std::fabs(max_));
  if (largest < 255.0 * kMinInt8Scale) return min_max_range();
  std::vector<double> h(kBins);
  size_t non_empty = 0;
  for (size_t j = 0; j < kBins; ++j) {
    h[j] = static_cast<double>(histogram_[j] + histogram_[kBins + j] - (j == 0 ? zeros_ : 0));
    non_empty += h[j] > 0 ? 1 : 0;
  }
  // Too few distinct magnitudes to tell a tail from the body: clipping would be a guess.
  if (non_empty < kEntropyLevels) return min_max_range();
  const HistogramPrefix prefix = prefix_of(h, static_cast<double>(zeros_));
  size_t best_clip = kBins;
  double best = std::numeric_limits<double>::infinity();
  for (size_t clip = kEntropyLevels; clip <= kBins; ++clip) {
    const double divergence = clipping_divergence(prefix, clip);
    if (divergence < best) {
      best = divergence;
      best_clip = clip;
    }
  }
  const double threshold = bin_edge(best_clip);
  return containing_zero(std::max(-threshold, static_cast<double>(min_)),
                         std::min(threshold, static_cast<double>(max_)));
}

AffineInt8 activation_int8(RealRange range) {
  const double lo = std::min(static_cast<double>(range.min), 0.0);
  const double hi = std::max(static_cast<double>(range.max), 0.0);
  // A NaN or infinite bound is no range to quantize. (hi - lo) cannot overflow in double.
  if (!(std::isfinite(lo) && std::isfinite(hi)) || hi == lo) return {1.0f, 0};
  const float scale = std::max(static_cast<float>((hi - lo) / 255.0), kMinInt8Scale);
  const double zero = std::nearbyint(-128.0 - lo / static_cast<double>(scale));
  return {scale, static_cast<int32_t>(std::clamp(zero, -128.0, 127.0))};
}

QuantParams activation_quant_params(RealRange range) {
  const AffineInt8 p = activation_int8(range);
  QuantParams q;
  q.scale = {p.scale};
  q.zero_point = {p.zero_point};
  return q;
}

}  // namespace outpost::optimize
