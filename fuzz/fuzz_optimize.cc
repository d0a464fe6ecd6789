// libFuzzer target: the model rewriters of `outpost optimize` on hostile files, without running
// a model. An input whose bytes 4..7 are "TFL3" takes the TFLite path (read as editable data,
// activations fused, analysed for int8 and written with fixed parameters, written back as it
// is); any other the ONNX path (parsed, analysed for QDQ and written, the weights-only form, fp16
// weights, channel pruning). No input may crash, read out of bounds or hit undefined behaviour.
#include <onnx/onnx_pb.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "formats/onnx/onnx_channel_pruner.h"
#include "formats/onnx/onnx_fp16_writer.h"
#include "formats/onnx/onnx_qdq_writer.h"
#include "formats/tflite/tflite_int8_writer.h"

namespace {

outpost::QuantParams fixed_params() {
  outpost::QuantParams p;
  p.scale = {0.05f};
  p.zero_point = {-3};
  return p;
}

void rewrite_tflite(const uint8_t* data, size_t size) {
  // The verifier wants the buffer aligned as a file mapping would be.
  std::vector<max_align_t> aligned((size + sizeof(max_align_t) - 1) / sizeof(max_align_t));
  std::memcpy(aligned.data(), data, size);
  auto model = outpost::tflite::read_model_data(reinterpret_cast<const uint8_t*>(aligned.data()), size, "fuzz.tflite");
  if (!model.is_ok()) return;
  (void)outpost::tflite::write_model_data(*model);
  outpost::tflite::fuse_activations(*model);
  auto analysis = outpost::tflite::analyse_tflite_for_int8(*model, "fuzz.tflite");
  if (!analysis.is_ok()) return;
  (void)outpost::tflite::tflite_with_activation_outputs(*model, *analysis);
  const std::vector<outpost::QuantParams> params(analysis->tied.size(), fixed_params());
  (void)outpost::tflite::write_tflite_int8(*model, *analysis, params);
}

void rewrite_onnx(const uint8_t* data, size_t size) {
  onnx::ModelProto model;
  if (!outpost::parse_onnx_model(std::string(reinterpret_cast<const char*>(data), size), "fuzz.onnx", model).is_ok())
    return;
  (void)outpost::write_onnx_fp16_weights(model, "fuzz.onnx");
  (void)outpost::prune_onnx_channels(model, 0.5, "fuzz.onnx");
  auto analysis = outpost::analyse_onnx_for_qdq(model, {}, "fuzz.onnx");
  if (!analysis.is_ok()) return;
  (void)outpost::onnx_with_extra_outputs(model, analysis->activations);
  std::map<std::string, outpost::QuantParams> params;
  for (const auto& name : analysis->activations) params[name] = fixed_params();
  (void)outpost::write_onnx_qdq(model, *analysis, params, {});
  (void)outpost::write_onnx_qdq(model, outpost::weights_only(*analysis), {}, {});
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0)
    rewrite_tflite(data, size);
  else
    rewrite_onnx(data, size);
  return 0;
}
