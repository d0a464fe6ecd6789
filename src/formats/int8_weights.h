// Weights stored as int8, the way both formats' quantized kernels read them: symmetric (zero
// point 0) over [-127, 127], one scale per output channel or one for the tensor. What the
// writers of `outpost optimize` store (formats/onnx/onnx_qdq_writer.h).
#pragma once

#include <cstdint>
#include <vector>

namespace outpost {

// The smallest int8 scale the writers store (weights all zero, an activation's range narrower
// than this): far above the denormals (1 / scale stays finite, no flush-to-zero backend makes it
// 0, which DequantizeLinear and TFLite refuse), far below any real activation's step.
constexpr float kMinInt8Scale = 1e-12f;

struct Int8Weights {
  std::vector<int8_t> values;  // the tensor's shape, row-major
  std::vector<float> scales;   // one per index of `axis`, or one
};

// scale = max |w| / 127 over the channel (non-finite weights ignored; all zeros get the
// kMinInt8Scale, never 0); q = w / scale rounded half to even
// (ONNX QuantizeLinear's rounding), clamped to [-127, 127], NaN to 0. `axis` < 0: per tensor.
Int8Weights quantize_int8_weights(const float* weights, const std::vector<int64_t>& dims, int axis);

}  // namespace outpost
