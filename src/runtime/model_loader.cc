#include "runtime/model_loader.h"

#include <chrono>
#include <cstring>

#include "core/log.h"
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
                           const std::string& name, std::string* format) {
  const auto start = std::chrono::steady_clock::now();
  if (size >= 8 && std::memcmp(data + 4, "TFL3", 4) == 0) {
    *format = "tflite";
    return logged(import_tflite(data, size, std::move(keep_alive), name), name, *format, size,
                  start);
  }
  // ONNX has no magic number: a ModelProto starts with field 1 (ir_version, tag 0x08).
  if ((size > 0 && data[0] == 0x08) || (name.size() > 5 && name.compare(name.size() - 5, 5, ".onnx") == 0)) {
    *format = "onnx";
    return logged(import_onnx(data, size, name), name, *format, size, start);
  }
  if (size < 8) return invalid_model(name + ": file is too short (" + std::to_string(size) + " bytes) to be a model");
  return invalid_model(name + ": not a recognised model format (a TFLite file has the identifier 'TFL3' at byte 4)");
}

}  // namespace outpost
