// Element types of tensors.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

namespace outpost {

enum class DType : uint8_t {
  kFloat32,
  kFloat16,
  kInt32,
  kInt64,
  kUInt8,
  kInt8,
  kInt16,
  kBool,
  kFloat64,
  kUInt16,
  kUInt32,
  kUInt64,
  kBFloat16,  // ONNX's bfloat16: the upper 16 bits of a float32 (src/core/bfloat16.h)
};

size_t dtype_size(DType dtype);
const char* dtype_name(DType dtype);  // numpy spelling: "float32", "uint8", ...
bool is_quantized_integer(DType dtype);  // uint8, int8, int16

template <typename T>
constexpr DType dtype_of();
template <> constexpr DType dtype_of<float>() { return DType::kFloat32; }
template <> constexpr DType dtype_of<int32_t>() { return DType::kInt32; }
template <> constexpr DType dtype_of<int64_t>() { return DType::kInt64; }
template <> constexpr DType dtype_of<uint8_t>() { return DType::kUInt8; }
template <> constexpr DType dtype_of<int8_t>() { return DType::kInt8; }
template <> constexpr DType dtype_of<int16_t>() { return DType::kInt16; }
template <> constexpr DType dtype_of<bool>() { return DType::kBool; }
template <> constexpr DType dtype_of<double>() { return DType::kFloat64; }
template <> constexpr DType dtype_of<uint16_t>() { return DType::kUInt16; }
template <> constexpr DType dtype_of<uint32_t>() { return DType::kUInt32; }
template <> constexpr DType dtype_of<uint64_t>() { return DType::kUInt64; }

}  // namespace outpost
