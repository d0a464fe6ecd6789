#include "optimize/prune_onnx.h"

#include <onnx/onnx_pb.h>

#include "formats/onnx/onnx_qdq_writer.h"  // parse_onnx_model

namespace outpost::optimize {

Result<PrunedOnnx> prune_onnx(const std::string& model_bytes, const std::string& source, double sparsity) {
  onnx::ModelProto model;
  OUTPOST_RETURN_IF_ERROR(parse_onnx_model(model_bytes, source, model));
  PrunedOnnx result;
  OUTPOST_ASSIGN_OR_RETURN(result.bytes, prune_onnx_channels(model, sparsity, source, &result.summary));
  return result;
}

}  // namespace outpost::optimize
