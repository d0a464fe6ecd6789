#include "outpost/tensor_summary.h"

#include <cmath>
#include <limits>

#include "core/bfloat16.h"
#include "core/float16.h"

namespace outpost::cli {
namespace {

double element(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DType::kFloat32: return t.data_as<float>()[i];
    case DType::kFloat16: return half_to_float(t.data_as<uint16_t>()[i]);
    case DType::kBFloat16: return bfloat16_to_float(t.data_as<uint16_t>()[i]);
    case DType::kInt32: return t.data_as<int32_t>()[i];
    case DType::kInt64: return static_cast<double>(t.data_as<int64_t>()[i]);
    case DType::kUInt8: return t.data_as<uint8_t>()[i];
    case DType::kInt8: return t.data_as<int8_t>()[i];
    case DType::kInt16: return t.data_as<int16_t>()[i];
    case DType::kBool: return t.data_as<uint8_t>()[i] ? 1 : 0;
    case DType::kFloat64: return t.data_as<double>()[i];
    case DType::kUInt16: return t.data_as<uint16_t>()[i];
    case DType::kUInt32: return t.data_as<uint32_t>()[i];
    case DType::kUInt64: return static_cast<double>(t.data_as<uint64_t>()[i]);
  }
  return 0;
}

}  // namespace

TensorSummary summarize(const Tensor& t) {
  TensorSummary s;
  const int64_t n = t.num_elements();
  if (n == 0) return s;
  s.min = std::numeric_limits<double>::infinity();
  s.max = -s.min;
  double sum = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double v = element(t, i);
    if (v < s.min) s.min = v;
    if (v > s.max) {
      s.max = v;
      s.argmax = i;
    }
    sum += v;
  }
  s.mean = sum / static_cast<double>(n);
  return s;
}

void fill_deterministic(Tensor& t) {
  const int64_t n = t.num_elements();
  for (int64_t i = 0; i < n; ++i) {
    const double phase = std::sin(0.01 * static_cast<double>(i) + 0.5);  // in [-1, 1]
    switch (t.dtype()) {
      case DType::kFloat32: t.data_as<float>()[i] = static_cast<float>(phase); break;
      case DType::kUInt8: t.data_as<uint8_t>()[i] = static_cast<uint8_t>(std::lround(127.5 + 127.5 * phase)); break;
      case DType::kInt8: t.data_as<int8_t>()[i] = static_cast<int8_t>(std::lround(127 * phase)); break;
      case DType::kInt32: t.data_as<int32_t>()[i] = static_cast<int32_t>(i % 7); break;
      case DType::kInt64: t.data_as<int64_t>()[i] = i % 7; break;
      case DType::kInt16: t.data_as<int16_t>()[i] = static_cast<int16_t>(std::lround(32767 * phase)); break;
      default: static_cast<uint8_t*>(t.data())[i * static_cast<int64_t>(dtype_size(t.dtype()))] = 0; break;
    }
  }
}

std::string sanitize_file_name(const std::string& name) {
  std::string s = name;
  for (char& c : s) {
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) c = '_';
  }
  if (s.empty()) s = "_";
  return s;
}

}  // namespace outpost::cli
