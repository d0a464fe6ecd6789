#include "runtime/model_loader.h"

#include <chrono>

#include "core/log.h"
#include "formats/model_format.h"
#include "formats/onnx/onnx_importer.h"
#include "formats/tflite/tflite_importer.h"

namespace outpost {
namespace {

// What was imported and how long it took: the first thing to look at when a model loads slowly
// or is not the graph the user expected.
Result<Graph> logged(Result<Graph> graph, const std::string& name, const std::string& format,
                     size_t size, std::chrono::steady_clock::time_point start) {
  if (graph.is_ok()) {
    OUTPOST_LOG_DEBUG(name << ": imported " << format << " model (" << size << " bytes): "
                           << graph->nodes.size() << " nodes, " << graph->values.size()
                           << " values, " << graph->inputs.size() << " inputs, "
                           << graph->outputs.size() << " outputs in "
                           << std::chrono::duration<double, std::milli>(
                                  std::chrono::steady_clock::now() - start)
                                  .count()
                           << " ms");
  }
  return graph;
}

}  // namespace

Result<Graph> import_model(const uint8_t* data, size_t size, std::shared_ptr<const void> keep_alive,
                           const std::string& name, std::string* format,
                           const std::vector<Shape>& input_shapes, const std::string& signature,
                           ModelStats* signatures, bool external_data_files,
                           const OnnxBindings& bindings) {
  const auto start = std::chrono::steady_clock::now();
  OUTPOST_ASSIGN_OR_RETURN(const ModelFormat which, detect_model_format(data, size, name));
  *format = model_format_name(which);
  if (which == ModelFormat::kTflite) {
    std::vector<tflite::TfliteSignature> found;
    auto graph = import_tflite(data, size, std::move(keep_alive), name, input_shapes, signature, &found);
    if (signatures) {
      signatures->signatures.clear();
      for (const tflite::TfliteSignature& s : found) {
        ModelSignature entry{s.key, {}, {}};
        for (const tflite::SignatureTensor& t : s.inputs) entry.inputs.push_back(t.name);
        for (const tflite::SignatureTensor& t : s.outputs) entry.outputs.push_back(t.name);
        signatures->signatures.push_back(std::move(entry));
      }
      signatures->signature = !signature.empty() ? signature : found.empty() ? "" : found.front().key;
    }
    return logged(std::move(graph), name, *format, size, start);
  }
  if (!signature.empty())
    return usage_error(name + ": ONNX models have no signatures, so there is no signature '" + signature +
                       "' to run (leave out --signature)");
  return logged(import_onnx(data, size, name, input_shapes, external_data_files, bindings), name, *format, size,
                start);
}

}  // namespace outpost
