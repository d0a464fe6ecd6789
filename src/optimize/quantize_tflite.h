// Static int8 post-training quantization of a TFLite model: the activations' ranges measured by
// running the float model on a calibration set (outpost's runtime, every activation made an
// output), one range per group of tensors TFLite's int8 kernels want to share parameters, then
// the model rewritten in int8 with float input and output (formats/tflite/tflite_int8_writer.h),
// which outpost and TFLite's own interpreter load.
#pragma once

#include <string>
#include <vector>

#include "formats/tflite/tflite_int8_writer.h"
#include "optimize/calibration.h"
#include "optimize/quantize_onnx.h"  // QuantizeOptions, Progress, feed_sample, open_model_bytes
#include "optimize/sample.h"

namespace outpost::optimize {

struct QuantizedTflite {
  std::string bytes;
  tflite::Int8Analysis analysis;
  tflite::Int8WriteSummary summary;
  int fused_activations = 0;           // RELU / RELU6 fused into the operator before them
  std::vector<QuantParams> params;     // per group
};

// kUsage without calibration samples or with --keep-float (not for TFLite yet).
Result<QuantizedTflite> quantize_tflite_int8(const std::string& model_bytes, const std::string& source,
                                             const std::vector<Sample>& calibration, const QuantizeOptions& options,
                                             const Progress& progress = {});

}  // namespace outpost::optimize
