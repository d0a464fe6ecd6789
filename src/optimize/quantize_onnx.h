// Static int8 post-training quantization of an ONNX model: the activations' ranges measured by
// running the float model on a calibration set (outpost's own runtime, every activation made an
// output), then the model rewritten in QDQ form (formats/onnx/onnx_qdq_writer.h): int8 weights
// per output channel, int8 activations per tensor. The result loads in outpost, where the
// quantized convolutions run on int8 kernels, and in ONNX Runtime.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "formats/onnx/onnx_fp16_writer.h"
#include "formats/onnx/onnx_qdq_writer.h"
#include "optimize/calibration.h"
#include "optimize/sample.h"
#include "outpost/session.h"

namespace outpost::optimize {

struct QuantizeOptions {
  CalibrationMethod method = CalibrationMethod::kMinMax;
  double percentile = 99.999;  // of kPercentile
  bool per_channel = true;
  std::set<std::string> keep_float;  // node names or op types left in float
  int threads = 0;                   // for the calibration runs (0: every available core)
};

struct QuantizedOnnx {
  std::string bytes;  // the serialized QDQ model
  OnnxQdqAnalysis analysis;
  OnnxQdqWriteSummary summary;
  std::map<std::string, RealRange> ranges;            // per activation, as calibrated
  std::map<std::string, QuantParams> activation_params;
};

// Called after each calibration sample: (samples done, samples in all).
using Progress = std::function<void(size_t, size_t)>;

// kUsage without calibration samples; a sample that does not fit the model's inputs is
// kShapeMismatch naming its file. `source` names the model in messages.
Result<QuantizedOnnx> quantize_onnx_int8(const std::string& model_bytes, const std::string& source,
                                         const std::vector<Sample>& calibration, const QuantizeOptions& options,
                                         const Progress& progress = {});

// Weights alone made int8 (per output channel where the opset allows), activations left in float:
// no calibration (`--quantize dynamic`).
Result<QuantizedOnnx> quantize_onnx_weights_int8(const std::string& model_bytes, const std::string& source,
                                                 const QuantizeOptions& options);

struct Fp16Onnx {
  std::string bytes;
  OnnxFp16Summary summary;
};

// Float32 weights stored as float16 (`--quantize fp16`).
Result<Fp16Onnx> onnx_fp16_weights(const std::string& model_bytes, const std::string& source);

// Opens `bytes` (an ONNX or TFLite model: the session tells them apart) as a session on `threads`
// threads, for calibration and reports.
Result<std::unique_ptr<Session>> open_model_bytes(const std::string& bytes, const std::string& name, int threads);

// Copies `sample` into the session's inputs (kShapeMismatch naming the sample's file).
Status feed_sample(Session& session, const Sample& sample);

}  // namespace outpost::optimize
