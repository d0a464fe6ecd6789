#include "optimize/quantize_tflite.h"

#include <cstddef>
#include <cstring>
#include <memory>

namespace outpost::optimize {

Result<QuantizedTflite> quantize_tflite_int8(const std::string& model_bytes, const std::string& source,
                                             const std::vector<Sample>& calibration, const QuantizeOptions& options,
                                             const Progress& progress) {
  if (calibration.empty())
    return usage_error("int8 quantization needs calibration inputs (--calibrate DIR or FILES: images or .npy)");
  if (!options.keep_float.empty()) return usage_error("--keep-float: not built for TFLite models yet");
  // The bytes are copied into aligned storage: the flatbuffer verifier wants an aligned base.
  std::vector<max_align_t> aligned((model_bytes.size() + sizeof(max_align_t) - 1) / sizeof(max_align_t));
  std::memcpy(aligned.data(), model_bytes.data(), model_bytes.size());
  OUTPOST_ASSIGN_OR_RETURN(tflite::ModelData model, tflite::read_model_data(reinterpret_cast<const uint8_t*>(aligned.data()),
                                                                            model_bytes.size(), source));
  QuantizedTflite result;
  result.fused_activations = tflite::fuse_activations(model);
  OUTPOST_ASSIGN_OR_RETURN(result.analysis, tflite::analyse_tflite_for_int8(model, source));
  OUTPOST_ASSIGN_OR_RETURN(std::string calibrated, tflite::tflite_with_activation_outputs(model, result.analysis));
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_model_bytes(calibrated, source + " (calibration)", options.threads));
  std::vector<RangeObserver> observers(result.analysis.tied.size());
  for (size_t k = 0; k < calibration.size(); ++k) {
    OUTPOST_RETURN_IF_ERROR(feed_sample(*session, calibration[k]));
    OUTPOST_RETURN_IF_ERROR(session->run());
    for (size_t group = 0; group < result.analysis.tied.size(); ++group)
      for (int32_t t : result.analysis.tied[group]) {
        const std::string name = tflite::activation_output_name(t);
        const int input = session->input_index(name);
        const int output = session->output_index(name);
        const Tensor* v = input >= 0 ? &calibration[k].inputs[static_cast<size_t>(input)]
                                     : output >= 0 ? &session->output(static_cast<size_t>(output)) : nullptr;
        if (!v || v->dtype() != DType::kFloat32)
          return internal_error(source + ": activation tensor " + std::to_string(t) + " was not observed as float32");
        observers[group].observe(v->data_as<float>(), static_cast<size_t>(v->num_elements()));
      }
    if (progress) progress(k + 1, calibration.size());
  }
  for (size_t group = 0; group < observers.size(); ++group) {
    const RangeObserver& o = observers[group];
    if (o.non_finite() > 0)
      return invalid_model(source + ": an activation took non-finite values (NaN or infinity) on the calibration inputs");
    // A group whose parameters TFLite's kernel fixes (a LOGISTIC's output) takes those.
    const auto& fixed = result.analysis.fixed[group];
    result.params.push_back(fixed ? *fixed : activation_quant_params(o.range(options.method, options.percentile)));
  }
  OUTPOST_ASSIGN_OR_RETURN(result.bytes,
                           tflite::write_tflite_int8(std::move(model), result.analysis, result.params, &result.summary));
  return result;
}

}  // namespace outpost::optimize
