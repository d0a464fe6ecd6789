// bfloat16 (the upper half of an IEEE float32: 8 exponent bits, 7 mantissa bits) <-> float.
// bfloat16 -> float is exact; float -> bfloat16 rounds to nearest even, as ONNX's Cast
// specifies (NaN stays a quiet NaN, infinities stay infinite).
#pragma once

#include <cstdint>
#include <cstring>

namespace outpost {

inline float bfloat16_to_float(uint16_t b) {
  const uint32_t bits = static_cast<uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, sizeof f);
  return f;
}

inline uint16_t float_to_bfloat16(float f) {
  uint32_t x;
  std::memcpy(&x, &f, 4);
  if ((x & 0x7fffffffu) > 0x7f800000u)  // NaN: keep the sign, make it quiet
    return static_cast<uint16_t>((x >> 16) | 0x0040u);
  // Adding 0x7fff plus the lowest kept bit carries into the kept half exactly when the dropped
  // half is above one half, or exactly one half and the kept value is odd.
  x += 0x7fffu + ((x >> 16) & 1u);
  return static_cast<uint16_t>(x >> 16);
}

}  // namespace outpost
