// The report of `outpost optimize` (docs/optimize.md, "The report"): what was asked, what the
// optimization made, and what it cost, as one JSON object and as text (the HTML page is drawn
// from the JSON, report_html.h).
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "optimize/model_comparison.h"
#include "optimize/prune_onnx.h"
#include "optimize/quantize_onnx.h"
#include "optimize/quantize_tflite.h"

namespace outpost::optimize {

// What was asked, as the report states it.
struct OptimizeRequest {
  std::string model, out;
  std::string quantize = "int8";  // int8 | dynamic | fp16 | none
  std::string method = "minmax";
  double prune = 0;  // the share of channels pruned; 0: none
  int threads = 1;
};

// What the optimization made.
struct Outcome {
  std::string bytes;
  std::optional<PrunedOnnx> pruned;
  std::optional<QuantizedOnnx> quantized;  // int8, dynamic
  std::optional<Fp16Onnx> fp16;
  std::optional<QuantizedTflite> tflite;  // int8 of a .tflite model
  size_t calibration_samples = 0;
};

// `backends`: the outpost backend of each node of the optimized model, by node name.
nlohmann::json report_json(const OptimizeRequest& request, const Outcome& outcome, size_t original_bytes,
                           const std::map<std::string, std::string>& backends,
                           const std::optional<ModelComparison>& comparison);

// The text form; `report` is report_json's.
std::string report_text(const OptimizeRequest& request, const Outcome& outcome, const nlohmann::json& report,
                        const std::optional<ModelComparison>& comparison);

}  // namespace outpost::optimize
