// Helpers of the quantized kernel tests: quantization parameters, random 8-bit tensors, and the
// float arithmetic their expected values are computed with (independently of the kernels).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "support/conv_attrs.h"
#include "support/op_runner.h"

namespace outpost::qtest {

inline QuantParams qp(float scale, int64_t zero_point) {
  return QuantParams{{scale}, {zero_point}, 0};
}

inline QuantParams per_channel(std::vector<float> scales, int axis) {
  QuantParams q;
  q.zero_point.assign(scales.size(), 0);
  q.scale = std::move(scales);
  q.axis = axis;
  return q;
}

inline testing::OpInput constant(Tensor t) {
  testing::OpInput in{std::move(t)};
  in.constant = true;
  return in;
}

template <typename T>
std::vector<T> random_values(size_t n, std::mt19937& rng, int lo = std::numeric_limits<T>::min(),
                             int hi = std::numeric_limits<T>::max()) {
  std::uniform_int_distribution<int> dist(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// Real value of element i of a quantized tensor (per-channel along `axis` when it has several
// scales; `inner` is the product of the dimensions after the axis).
template <typename T>
double dequantize(const std::vector<T>& q, size_t i, const QuantParams& p, int64_t channels = 1,
                  int64_t inner = 1) {
  size_t c = 0;
  if (p.scale.size() > 1) c = static_cast<size_t>((static_cast<int64_t>(i) / inner) % channels);
  return static_cast<double>(p.scale[c]) * (static_cast<double>(q[i]) - p.zero_point[c]);
}

// The quantized value a real output should have: clamp to the activation, round, saturate.
template <typename T>
int expected_q(double real, const QuantParams& out, const std::string& activation = "none") {
  if (activation == "relu" || activation == "relu6") real = std::max(real, 0.0);
  if (activation == "relu6") real = std::min(real, 6.0);
  if (activation == "relu_n1_to_1") real = std::clamp(real, -1.0, 1.0);
  const double q = std::round(real / out.scale[0]) + static_cast<double>(out.zero_point[0]);
  return static_cast<int>(
      std::clamp<double>(q, std::numeric_limits<T>::min(), std::numeric_limits<T>::max()));
}

// Runs the op and returns output 0 as a vector of T.
template <typename T>
std::vector<T> run_quantized(OpKind op, const Attributes& attrs,
                             const std::vector<testing::OpInput>& inputs, const QuantParams& out_q,
                             Shape* shape = nullptr) {
  auto r = testing::run_op(op, attrs, inputs, {{dtype_of<T>(), out_q}});
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  if (!r.is_ok()) return {};
  const Tensor& t = r.value()[0];
  if (shape) *shape = t.shape();
  return {t.data_as<T>(), t.data_as<T>() + t.num_elements()};
}

// Every element within `tolerance` steps of the expectation; reports the first few misses.
template <typename T>
void expect_within(const std::vector<T>& got, const std::vector<int>& want, int tolerance = 1) {
  ASSERT_EQ(got.size(), want.size());
  int misses = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (std::abs(static_cast<int>(got[i]) - want[i]) > tolerance && ++misses <= 5)
      ADD_FAILURE() << "element " << i << ": got " << static_cast<int>(got[i]) << ", want "
                    << want[i];
  }
  EXPECT_EQ(misses, 0);
}

inline Attributes window_attrs(int64_t stride, int64_t dilation, const std::string& padding,
                               const std::string& activation = "none") {
  return testing::nhwc_conv_attrs(stride, dilation, padding, activation);
}

}  // namespace outpost::qtest
