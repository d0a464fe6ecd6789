// What an optimized model costs against its original, measured on held-out inputs with outpost's
// runtime: agreement of the outputs (top-1 for classifiers, cosine similarity for every output),
// the error each quantized activation carries, size and latency. The body of
// `outpost optimize --report` (docs/optimize.md).
#pragma once

#include <map>
#include <string>
#include <vector>

#include "optimize/sample.h"
#include "outpost/status.h"

namespace outpost::optimize {

struct ActivationError {
  std::string name;   // the activation (a tensor name of the model)
  double cosine = 1;  // mean over the samples of cos(original, optimized), 1 = identical
  double relative_rms = 0;  // mean over the samples of rms(optimized - original) / rms(original)
};

struct ModelComparison {
  size_t samples = 0;
  // Top-1 agreement of output 0 when it is one score vector (a classifier: [K] or [1, K], K >= 2),
  // else -1.
  double top1_agreement = -1;
  double output_cosine = 1;  // the smallest over the outputs of the mean cosine similarity
  // A face detector (MediaPipe's BlazeFace outputs: boxes [1, N, 16] and scores [1, N, 1] from a
  // 128 or 192 square input): the mean IoU of the optimized model's best face with the original's,
  // over the samples where the original finds one (a sample where the optimized model finds none
  // counts 0), and how many samples that was. -1 and 0 otherwise.
  double best_box_iou = -1;
  size_t samples_with_boxes = 0;
  std::vector<ActivationError> activations;  // worst (smallest cosine) first
  double original_ms = 0, optimized_ms = 0;  // median latency
  int latency_runs = 0;
  // Per node name: its median time per run in each model (traced runs; the runtime's own nodes,
  // so a Conv the optimized model runs in int8 keeps its name, and one fused away has none).
  std::map<std::string, double> original_node_ms, optimized_node_ms;
};

// Runs both models (serialized ONNX) on `samples`; with `activations`, each of those that both
// models compute (by name) is compared too. Latency: the median of `runs` runs at `threads`
// threads on the first sample, after warm-up runs. kUsage without samples.
Result<ModelComparison> compare_onnx_models(const std::string& original, const std::string& optimized,
                                            const std::string& source, const std::vector<Sample>& samples,
                                            const std::vector<std::string>& activations, int threads, int runs);

}  // namespace outpost::optimize
