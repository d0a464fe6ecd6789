// ONNX models with float16 weights, the writer side of `outpost optimize --quantize fp16`
// (docs/optimize.md): every float32 initializer of at least kMinFp16Elements elements becomes a
// float16 one read through a Cast to float32 under its old name, so every node computes as before
// (in float32, on CPUs without fp16 arithmetic) from weights half the size. Outpost folds the
// Casts at load; ONNX Runtime runs them once per inference unless its optimizer folds them.
#pragma once

#include <string>
#include <vector>

#include "outpost/status.h"

namespace onnx {
class ModelProto;
}

namespace outpost {

// Smaller initializers (scalars, a Clip's bounds, shapes' scales) stay float32: they save nothing
// and may hold values float16 does not.
constexpr int64_t kMinFp16Elements = 16;

struct OnnxFp16Summary {
  int converted = 0;                  // initializers made float16
  std::vector<std::string> kept;      // left float32: a value beyond float16's range (65504)
  double largest_relative_error = 0;  // the largest |fp16 - fp32| / max|tensor| over those converted
};

// The serialized model; kUnsupported for opsets before 6 (Cast's `to` as a string then).
Result<std::string> write_onnx_fp16_weights(const onnx::ModelProto& model, const std::string& source,
                                            OnnxFp16Summary* summary = nullptr);

}  // namespace outpost
