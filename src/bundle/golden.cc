#include "bundle/golden.h"

#include <cmath>
#include <cstring>

namespace outpost::bundle {
namespace {

template <typename T>
double value_at(const Tensor& t, int64_t i) {
  return static_cast<double>(t.data_as<T>()[i]);
}

double element(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32:
      return value_at<float>(t, i);
    case DType::kInt32:
      return value_at<int32_t>(t, i);
    case DType::kInt64:
      return value_at<int64_t>(t, i);
    case DType::kUInt8:
      return value_at<uint8_t>(t, i);
    case DType::kInt8:
      return value_at<int8_t>(t, i);
    case DType::kInt16:
      return value_at<int16_t>(t, i);
    case DType::kBool:
      return value_at<bool>(t, i);
    case DType::kFloat64:
      return value_at<double>(t, i);
    case DType::kUInt16:
      return value_at<uint16_t>(t, i);
    case DType::kUInt32:
      return value_at<uint32_t>(t, i);
    case DType::kUInt64:
      return value_at<uint64_t>(t, i);
    case DType::kFloat16:
    case DType::kBFloat16:
      return static_cast<const uint16_t*>(t.data())[i];  // compared bitwise
  }
  return 0;
}

}  // namespace

void fill_golden_input(Tensor& t, uint32_t seed) {
  uint32_t state = seed * 2654435761u + 12345u;
  auto next = [&state] {  // xorshift32: tiny, and the same everywhere
    state ^= state << 13;
    state ^= state >> 17;
    state ^= state << 5;
    return state;
  };
  const int64_t n = t.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t r = next();
    switch (t.dtype()) {
      case DType::kFloat32:
        t.data_as<float>()[i] = static_cast<float>(r % 2001) / 1000.0f - 1.0f;
        break;
      case DType::kFloat16:
        static_cast<uint16_t*>(t.data())[i] = static_cast<uint16_t>(0x3800 + r % 0x400);
        break;
      case DType::kBFloat16:  // [0.5, 1), as the float16 values
        static_cast<uint16_t*>(t.data())[i] = static_cast<uint16_t>(0x3f00 + r % 0x80);
        break;
      case DType::kInt32:
        t.data_as<int32_t>()[i] = static_cast<int32_t>(r % 10);
        break;
      case DType::kInt64:
        t.data_as<int64_t>()[i] = static_cast<int64_t>(r % 10);
        break;
      case DType::kUInt8:
        t.data_as<uint8_t>()[i] = static_cast<uint8_t>(r >> 24);
        break;
      case DType::kInt8:
        t.data_as<int8_t>()[i] = static_cast<int8_t>(static_cast<int>(r >> 24) - 128);
        break;
      case DType::kInt16:
        t.data_as<int16_t>()[i] = static_cast<int16_t>(static_cast<int>(r >> 16) - 32768);
        break;
      case DType::kBool:
        t.data_as<bool>()[i] = (r & 1) != 0;
        break;
      case DType::kFloat64:
        t.data_as<double>()[i] = static_cast<double>(r % 2001) / 1000.0 - 1.0;
        break;
      case DType::kUInt16:
        t.data_as<uint16_t>()[i] = static_cast<uint16_t>(r >> 16);
        break;
      case DType::kUInt32:
        t.data_as<uint32_t>()[i] = r % 10;
        break;
      case DType::kUInt64:
        t.data_as<uint64_t>()[i] = r % 10;
        break;
    }
  }
}

Comparison compare_to_golden(const Tensor& actual, const Tensor& expected,
                             const std::string& name) {
  Comparison c;
  if (actual.dtype() != expected.dtype() || actual.shape() != expected.shape()) {
    c.ok = false;
    c.message = "output '" + name + "' is " + dtype_name(actual.dtype()) + " " +
                actual.shape().to_string() + " but the golden vector is " +
                dtype_name(expected.dtype()) + " " + expected.shape().to_string();
    return c;
  }
  const int64_t n = expected.num_elements();
  if (expected.dtype() == DType::kFloat32) {
    double largest = 0;
    for (int64_t i = 0; i < n; ++i) largest = std::max(largest, std::fabs(element(expected, i)));
    c.tolerance = 1e-4 * largest;
  } else if (is_quantized_integer(expected.dtype())) {
    c.tolerance = 1;  // one quantization step
  }
  for (int64_t i = 0; i < n; ++i) {
    const double a = element(actual, i), e = element(expected, i);
    const double err =
        std::isnan(a) != std::isnan(e) ? INFINITY : (std::isnan(a) ? 0 : std::fabs(a - e));
    if (err > c.max_error || (std::isinf(err) && c.max_error != err)) {
      c.max_error = err;
      c.worst_index = i;
    }
  }
  if (c.max_error > c.tolerance) {
    c.ok = false;
    char buf[256];
    std::snprintf(buf, sizeof(buf),
                  "output '%s' differs from its golden vector at element %lld: got %.9g, expected "
                  "%.9g (tolerance %.3g)",
                  name.c_str(), static_cast<long long>(c.worst_index),
                  element(actual, c.worst_index), element(expected, c.worst_index), c.tolerance);
    c.message = buf;
  }
  return c;
}

}  // namespace outpost::bundle
