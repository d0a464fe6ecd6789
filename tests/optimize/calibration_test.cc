// Calibration statistics (optimize/calibration.h): the observer's exact min/max and histograms
// against data whose answer is known or computed here by sorting, the clipping of the
// percentile and entropy methods on a tail they should cut and on data they should keep whole,
// and the int8 parameters and rounding the quantizer builds on them.
#include "optimize/calibration.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <random>
#include <vector>

namespace outpost::optimize {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
constexpr float kInf = std::numeric_limits<float>::infinity();

std::vector<float> normal_values(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> pick(0.0f, 1.0f);
  std::vector<float> x(n);
  for (float& v : x) v = pick(rng);
  return x;
}

// The value with `fraction` of x below it (x is copied: nth_element reorders).
float quantile(std::vector<float> x, double fraction) {
  const size_t k = static_cast<size_t>(fraction * static_cast<double>(x.size()));
  std::nth_element(x.begin(), x.begin() + static_cast<std::ptrdiff_t>(k), x.end());
  return x[k];
}

RangeObserver observed(const std::vector<float>& x) {
  RangeObserver observer;
  observer.observe(x.data(), x.size());
  return observer;
}

TEST(CalibrationMethod, NamesParseBackAndOthersAreUsageErrors) {
  for (CalibrationMethod method : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile,
                                   CalibrationMethod::kEntropy}) {
    Result<CalibrationMethod> parsed = parse_calibration_method(calibration_method_name(method));
    ASSERT_TRUE(parsed.is_ok()) << calibration_method_name(method);
    EXPECT_EQ(*parsed, method);
  }
  EXPECT_STREQ(calibration_method_name(CalibrationMethod::kEntropy), "entropy");
  for (const char* bad : {"kl", "", "MinMax"}) {
    Result<CalibrationMethod> parsed = parse_calibration_method(bad);
    ASSERT_FALSE(parsed.is_ok()) << bad;
    EXPECT_EQ(parsed.status().code(), StatusCode::kUsage);
    EXPECT_EQ(parsed.status().message(), std::string("--method: unknown calibration method '") +
                                             bad + "'; choose minmax, percentile or entropy");
  }
}

TEST(RangeObserver, NothingObservedIsTheZeroRange) {
  RangeObserver observer;
  for (CalibrationMethod method : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile,
                                   CalibrationMethod::kEntropy}) {
    const RealRange r = observer.range(method);
    EXPECT_EQ(r.min, 0.0f);
    EXPECT_EQ(r.max, 0.0f);
  }
  EXPECT_EQ(observer.count(), 0u);
}

TEST(RangeObserver, MinMaxIsExactAcrossCallsAndHoldsZero) {
  RangeObserver observer;
  const std::vector<float> first = {0.5f, 3.25f, -1.75f};
  const std::vector<float> second = {2.0f, -7.125f, 1.0f};
  observer.observe(first.data(), first.size());
  observer.observe(second.data(), second.size());
  RealRange r = observer.range(CalibrationMethod::kMinMax);
  EXPECT_EQ(r.min, -7.125f);
  EXPECT_EQ(r.max, 3.25f);
  EXPECT_EQ(observer.count(), 6u);

  const RealRange positive = observed({2.0f, 5.0f}).range(CalibrationMethod::kMinMax);
  EXPECT_EQ(positive.min, 0.0f);  // widened to hold 0
  EXPECT_EQ(positive.max, 5.0f);
  const RealRange negative = observed({-2.0f, -5.0f}).range(CalibrationMethod::kMinMax);
  EXPECT_EQ(negative.min, -5.0f);
  EXPECT_EQ(negative.max, 0.0f);
}

TEST(RangeObserver, NonFiniteValuesAreCountedAndSkipped) {
  const RangeObserver observer = observed({1.0f, kNaN, -kInf, -2.0f, kInf, 0.0f, kNaN});
  EXPECT_EQ(observer.count(), 3u);
  EXPECT_EQ(observer.non_finite(), 4u);
  for (CalibrationMethod method : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile,
                                   CalibrationMethod::kEntropy}) {
    const RealRange r = observer.range(method);
    EXPECT_EQ(r.min, -2.0f) << calibration_method_name(method);
    EXPECT_EQ(r.max, 1.0f) << calibration_method_name(method);
  }
  // Only non-finite values: nothing observed.
  const RangeObserver none = observed({kNaN, kInf});
  EXPECT_EQ(none.count(), 0u);
  EXPECT_EQ(none.range(CalibrationMethod::kMinMax).max, 0.0f);
}

TEST(RangeObserver, AllZerosGiveTheZeroRangeByEveryMethod) {
  const RangeObserver observer = observed(std::vector<float>(1000, 0.0f));
  EXPECT_EQ(observer.count(), 1000u);
  for (CalibrationMethod method : {CalibrationMethod::kMinMax, CalibrationMethod::kPercentile,
                                   CalibrationMethod::kEntropy}) {
    const RealRange r = observer.range(method, 90);
    EXPECT_EQ(r.min, 0.0f);
    EXPECT_EQ(r.max, 0.0f);
  }
}

// 1, 2, ..., 1000 and one 4000: the width ends at 2 (bins [2j, 2j + 2)), so keeping 100.5 values
// in the tail puts the edge at 902 (99 values of 902..1000, and 4000) exactly, however many
// merges the counts went through on the way.
TEST(RangeObserver, RebinningKeepsEveryCountWhateverTheOrder) {
  std::vector<float> ramp(1000);
  for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i + 1);
  const float huge = 4000.0f;
  const double percentile = 100.0 * (1.0 - 100.5 / 1001.0);

  RangeObserver small_first;
  small_first.observe(ramp.data(), ramp.size());  // merges as the ramp grows
  small_first.observe(&huge, 1);
  RangeObserver huge_first;
  huge_first.observe(&huge, 1);
  huge_first.observe(ramp.data(), ramp.size());

  for (const RangeObserver* observer : {&small_first, &huge_first}) {
    EXPECT_EQ(observer->count(), 1001u);
    const RealRange minmax = observer->range(CalibrationMethod::kMinMax);
    EXPECT_EQ(minmax.min, 0.0f);
    EXPECT_EQ(minmax.max, huge);
    const RealRange clipped = observer->range(CalibrationMethod::kPercentile, percentile);
    EXPECT_EQ(clipped.max, 902.0f);
    EXPECT_EQ(clipped.min, 0.0f);
    // Keeping fewer than one value in the tail clips nothing.
    EXPECT_EQ(observer->range(CalibrationMethod::kPercentile, 99.99).max, huge);
  }
}

// The width set by 1.0 leaves room for magnitudes below 2.0: exactly 2.0 must merge bins.
TEST(RangeObserver, AMagnitudeExactlyAtTheLastEdgeMergesBins) {
  RangeObserver observer;
  const float one = 1.0f;
  const std::vector<float> edges = {2.0f, -2.0f, 1.0f};
  observer.observe(&one, 1);
  observer.observe(edges.data(), edges.size());
  const RealRange r = observer.range(CalibrationMethod::kPercentile, 99.99);
  EXPECT_EQ(r.min, -2.0f);
  EXPECT_EQ(r.max, 2.0f);
}

// 1, 2, ..., 1000 in bins of 0.5 and a tail of exactly 250 values: the edge 750.5 leaves
// 751..1000 above it (250, allowed), the edge 750 one more.
TEST(RangeObserver, PercentileEdgeLeavesAtMostTheTailAbove) {
  std::vector<float> ramp(1000);
  for (size_t i = 0; i < ramp.size(); ++i) ramp[i] = static_cast<float>(i + 1);
  const RealRange r = observed(ramp).range(CalibrationMethod::kPercentile, 75);
  EXPECT_EQ(r.max, 750.5f);
  EXPECT_EQ(r.min, 0.0f);
}

TEST(RangeObserver, TinyThenHugeMagnitudesStillBinTogether) {
  RangeObserver observer;
  const std::vector<float> tiny = {1e-30f, -3e-30f, std::numeric_limits<float>::denorm_min()};
  const std::vector<float> huge = {-1e30f, 3e38f};
  observer.observe(tiny.data(), tiny.size());
  observer.observe(huge.data(), huge.size());
  const RealRange r = observer.range(CalibrationMethod::kMinMax);
  EXPECT_EQ(r.min, -1e30f);
  EXPECT_EQ(r.max, 3e38f);
  const RealRange all = observer.range(CalibrationMethod::kPercentile, 99.99);
  EXPECT_EQ(all.min, -1e30f);
  EXPECT_EQ(all.max, 3e38f);
}

TEST(RangeObserver, PercentileClipsAnOutlierAmongAMillionNormals) {
  std::vector<float> x = normal_values(1000000, 7);
  const float q9999 = quantile(x, 0.9999);
  const float q0001 = quantile(x, 0.0001);
  x[x.size() / 2] = 1000.0f;
  x[x.size() / 3] = -500.0f;
  const RangeObserver observer = observed(x);

  const RealRange r = observer.range(CalibrationMethod::kPercentile, 99.999);
  EXPECT_GT(r.max, q9999);
  EXPECT_LT(r.max, 10.0f);
  EXPECT_LT(r.min, q0001);
  EXPECT_GT(r.min, -10.0f);

  const RealRange whole = observer.range(CalibrationMethod::kPercentile, 100);
  const RealRange minmax = observer.range(CalibrationMethod::kMinMax);
  EXPECT_EQ(whole.min, minmax.min);
  EXPECT_EQ(whole.max, minmax.max);
  EXPECT_EQ(minmax.max, 1000.0f);
  EXPECT_EQ(minmax.min, -500.0f);
}

TEST(RangeObserver, PercentileStaysWithinTheValuesSeen) {
  // All positive: the negative side gives nothing to clip and the range still starts at 0; the
  // top edge never passes the largest value.
  std::vector<float> x(5000);
  for (size_t i = 0; i < x.size(); ++i) x[i] = 1.0f + static_cast<float>(i % 50) * 0.01f;
  const RealRange r = observed(x).range(CalibrationMethod::kPercentile, 99.0);
  EXPECT_EQ(r.min, 0.0f);
  EXPECT_LE(r.max, 1.49f);
  EXPECT_GT(r.max, 1.4f);
}

TEST(RangeObserver, EntropyClipsTheOutlierOfANormalDistribution) {
  std::vector<float> x = normal_values(1000000, 11);
  x[12345] = 20.0f;
  const RangeObserver observer = observed(x);
  const RealRange r = observer.range(CalibrationMethod::kEntropy);
  EXPECT_GT(r.max, 2.5f);
  EXPECT_LT(r.max, 10.0f);
  EXPECT_LT(r.min, -2.5f);
  EXPECT_GE(r.min, observer.range(CalibrationMethod::kMinMax).min);
}

// Half the values exactly 0, as after a ReLU: int8 holds 0 exactly, so the zeros must not pull
// the threshold into the body of the positive half.
TEST(RangeObserver, EntropyIsNotPulledInByTheZerosOfAReLU) {
  std::vector<float> x = normal_values(1000000, 13);
  for (float& v : x) v = std::max(v, 0.0f);
  const RealRange r = observed(x).range(CalibrationMethod::kEntropy);
  EXPECT_GT(r.max, 2.5f);
  EXPECT_EQ(r.min, 0.0f);
}

TEST(RangeObserver, EntropyKeepsAUniformDistributionWhole) {
  std::mt19937 rng(3);
  std::uniform_real_distribution<float> pick(0.0f, 1.0f);
  std::vector<float> x(1000000);
  for (float& v : x) v = pick(rng);
  const RealRange r = observed(x).range(CalibrationMethod::kEntropy);
  EXPECT_GE(r.max, 0.9f);
  EXPECT_LE(r.max, *std::max_element(x.begin(), x.end()));
  EXPECT_EQ(r.min, 0.0f);
}

TEST(RangeObserver, EntropyFallsBackToMinMaxOnFewDistinctMagnitudes) {
  std::vector<float> x;
  for (int i = 0; i < 10000; ++i) x.push_back(static_cast<float>(i % 20) - 5.0f);
  x.push_back(300.0f);  // would be clipped if the search ran
  const RealRange r = observed(x).range(CalibrationMethod::kEntropy);
  EXPECT_EQ(r.min, -5.0f);
  EXPECT_EQ(r.max, 300.0f);
}

float quantized(float real, AffineInt8 q) {
  return std::nearbyint(real / q.scale) + static_cast<float>(q.zero_point);
}

TEST(ActivationInt8, MapsTheRangeOntoTheInt8RangeWithAnExactZero) {
  for (RealRange range : {RealRange{-1.0f, 3.0f}, RealRange{-6.5f, 0.25f}, RealRange{-0.001f, 0.9f},
                          RealRange{-100.0f, 100.0f}}) {
    const AffineInt8 q = activation_int8(range);
    EXPECT_FLOAT_EQ(q.scale, (range.max - range.min) / 255.0f);
    EXPECT_NEAR(quantized(range.min, q), -128.0f, 1.0f) << range.min;
    EXPECT_NEAR(quantized(range.max, q), 127.0f, 1.0f) << range.max;
    EXPECT_GE(q.zero_point, -128);
    EXPECT_LE(q.zero_point, 127);
    const float zero = quantized(0.0f, q);
    EXPECT_EQ(zero, static_cast<float>(q.zero_point));
    EXPECT_EQ(q.scale * (zero - static_cast<float>(q.zero_point)), 0.0f);  // dequantized
  }
}

TEST(ActivationInt8, ZeroPointRoundsHalfToEven) {
  // scale 1 exactly: q of 0.0 is -128 + 127.5 = -0.5, and -128 + 126.5 = -1.5.
  const AffineInt8 half = activation_int8({-127.5f, 127.5f});
  EXPECT_EQ(half.scale, 1.0f);
  EXPECT_EQ(half.zero_point, 0);
  const AffineInt8 one_and_half = activation_int8({-126.5f, 128.5f});
  EXPECT_EQ(one_and_half.scale, 1.0f);
  EXPECT_EQ(one_and_half.zero_point, -2);
}

TEST(ActivationInt8, RangesOnOneSideOfZeroPutZeroAtTheEnd) {
  const AffineInt8 positive = activation_int8({2.0f, 6.0f});  // widened to [0, 6]
  EXPECT_EQ(positive.zero_point, -128);
  EXPECT_FLOAT_EQ(positive.scale, 6.0f / 255.0f);
  const AffineInt8 negative = activation_int8({-5.1f, -1.0f});  // widened to [-5.1, 0]
  EXPECT_EQ(negative.zero_point, 127);
  EXPECT_FLOAT_EQ(negative.scale, 5.1f / 255.0f);
}

TEST(ActivationInt8, EmptyAndDegenerateRanges) {
  const AffineInt8 empty = activation_int8({0.0f, 0.0f});
  EXPECT_EQ(empty.scale, 1.0f);
  EXPECT_EQ(empty.zero_point, 0);
  const AffineInt8 nan = activation_int8({kNaN, 1.0f});
  EXPECT_EQ(nan.scale, 1.0f);
  EXPECT_EQ(nan.zero_point, 0);
  // A range so narrow its scale would be denormal gets the floor, and 0 stays exact.
  const AffineInt8 tiny = activation_int8({-1e-38f, 1e-38f});
  EXPECT_EQ(tiny.scale, kMinInt8Scale);
  EXPECT_EQ(quantized(0.0f, tiny), static_cast<float>(tiny.zero_point));
  // The widest float range: max - min overflows float, not the scale.
  const float big = std::numeric_limits<float>::max();
  const AffineInt8 wide = activation_int8({-big, big});
  EXPECT_TRUE(std::isfinite(wide.scale));
  EXPECT_NEAR(wide.zero_point, 0, 1);
}

}  // namespace
}  // namespace outpost::optimize
