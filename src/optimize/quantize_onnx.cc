#include "optimize/quantize_onnx.h"

#include <onnx/onnx_pb.h>

#include <memory>
#include <unordered_map>

namespace outpost::optimize {
namespace {

// The nodes of `a` that read or write one of `bad` go back to float, with `why`; the activations
// are then those the remaining nodes touch.
void keep_in_float(OnnxQdqAnalysis& a, const std::map<std::string, std::string>& bad) {
  std::vector<OnnxQdqNode> kept;
  for (auto& q : a.nodes) {
    auto in = bad.find(q.input);
    auto out = bad.find(q.output);
    if (in == bad.end() && out == bad.end()) {
      kept.push_back(std::move(q));
      continue;
    }
    a.kept_float.push_back({q.node, (in != bad.end() ? in : out)->second});
  }
  a.nodes = std::move(kept);
  std::vector<std::string> activations;
  for (const auto& name : a.activations) {
    for (const auto& q : a.nodes)
      if (q.input == name || q.output == name) {
        activations.push_back(name);
        break;
      }
  }
  a.activations = std::move(activations);
}

// The observed tensor of activation `name` after a run: a graph input's sample tensor, or the
// session's output of that name.
const Tensor* activation_tensor(const Session& session, const Sample& sample, const std::string& name) {
  const int input = session.input_index(name);
  if (input >= 0) return &sample.inputs[static_cast<size_t>(input)];
  const int output = session.output_index(name);
  return output >= 0 ? &session.output(static_cast<size_t>(output)) : nullptr;
}

}  // namespace

Result<std::unique_ptr<Session>> open_model_bytes(const std::string& bytes, const std::string& name, int threads) {
  auto owned = std::make_shared<std::string>(bytes);
  SessionOptions options;
  options.threads = threads;
  return Session::open_buffer(reinterpret_cast<const uint8_t*>(owned->data()), owned->size(), owned, name, options);
}

Status feed_sample(Session& session, const Sample& sample) {
  if (sample.inputs.size() != session.num_inputs())
    return shape_mismatch(sample.source + ": " + std::to_string(sample.inputs.size()) + " tensors for a model of " +
                          std::to_string(session.num_inputs()) + " inputs");
  for (size_t i = 0; i < sample.inputs.size(); ++i) {
    Status s = session.set_input(i, sample.inputs[i]);
    if (!s.is_ok()) return s.with_context(sample.source);
  }
  return Status::ok();
}

Result<QuantizedOnnx> quantize_onnx_int8(const std::string& model_bytes, const std::string& source,
                                         const std::vector<Sample>& calibration, const QuantizeOptions& options,
                                         const Progress& progress) {
  if (calibration.empty())
    return usage_error("int8 quantization needs calibration inputs (--calibrate DIR or FILES: images or .npy)");
  onnx::ModelProto model;
  OUTPOST_RETURN_IF_ERROR(parse_onnx_model(model_bytes, source, model));
  QuantizedOnnx result;
  OUTPOST_ASSIGN_OR_RETURN(result.analysis, analyse_onnx_for_qdq(model, options.keep_float, source));
  OnnxQdqAnalysis& analysis = result.analysis;
  if (analysis.nodes.empty()) return unsupported(source + ": no Conv, Gemm or MatMul with constant weights to quantize");

  OUTPOST_ASSIGN_OR_RETURN(std::string calibrated, onnx_with_extra_outputs(model, analysis.activations));
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_model_bytes(calibrated, source + " (calibration)", options.threads));
  std::unordered_map<std::string, RangeObserver> observers;
  for (size_t k = 0; k < calibration.size(); ++k) {
    OUTPOST_RETURN_IF_ERROR(feed_sample(*session, calibration[k]));
    OUTPOST_RETURN_IF_ERROR(session->run());
    std::map<std::string, std::string> not_float;
    for (const auto& name : analysis.activations) {
      const Tensor* t = activation_tensor(*session, calibration[k], name);
      if (!t) return internal_error(source + ": activation '" + name + "' is not an output of the calibration model");
      if (t->dtype() != DType::kFloat32) {
        not_float[name] = "'" + name + "' is " + dtype_name(t->dtype()) + ", not float32";
        continue;
      }
      observers[name].observe(t->data_as<float>(), static_cast<size_t>(t->num_elements()));
    }
    if (!not_float.empty()) keep_in_float(analysis, not_float);
    if (progress) progress(k + 1, calibration.size());
  }
  if (analysis.nodes.empty()) return unsupported(source + ": no node left to quantize (" + analysis.kept_float[0].reason + ")");
  for (const auto& name : analysis.activations) {
    const RangeObserver& o = observers[name];
    if (o.non_finite() > 0)
      return invalid_model(source + ": activation '" + name + "' took " + std::to_string(o.non_finite()) +
                           " non-finite values (NaN or infinity) on the calibration inputs");
    const RealRange range = o.range(options.method, options.percentile);
    result.ranges[name] = range;
    result.activation_params[name] = activation_quant_params(range);
  }
  OnnxQdqOptions write_options;
  write_options.per_channel = options.per_channel;
  OUTPOST_ASSIGN_OR_RETURN(result.bytes,
                           write_onnx_qdq(model, analysis, result.activation_params, write_options, &result.summary));
  return result;
}

Result<QuantizedOnnx> quantize_onnx_weights_int8(const std::string& model_bytes, const std::string& source,
                                                 const QuantizeOptions& options) {
  onnx::ModelProto model;
  OUTPOST_RETURN_IF_ERROR(parse_onnx_model(model_bytes, source, model));
  QuantizedOnnx result;
  OUTPOST_ASSIGN_OR_RETURN(OnnxQdqAnalysis analysis, analyse_onnx_for_qdq(model, options.keep_float, source));
  result.analysis = weights_only(std::move(analysis));
  if (result.analysis.nodes.empty())
    return unsupported(source + ": no Conv, Gemm or MatMul with constant weights to quantize");
  OnnxQdqOptions write_options;
  write_options.per_channel = options.per_channel;
  OUTPOST_ASSIGN_OR_RETURN(result.bytes, write_onnx_qdq(model, result.analysis, {}, write_options, &result.summary));
  return result;
}

Result<Fp16Onnx> onnx_fp16_weights(const std::string& model_bytes, const std::string& source) {
  onnx::ModelProto model;
  OUTPOST_RETURN_IF_ERROR(parse_onnx_model(model_bytes, source, model));
  Fp16Onnx result;
  OUTPOST_ASSIGN_OR_RETURN(result.bytes, write_onnx_fp16_weights(model, source, &result.summary));
  if (result.summary.converted == 0)
    return unsupported(source + ": no float32 weights of " + std::to_string(kMinFp16Elements) +
                       " elements or more to store as float16");
  return result;
}

}  // namespace outpost::optimize
