// Shape (and dtype) inference of TfIdfVectorizer: tokens [C] or [N, C] (int32, int64) -> float32
// [outputs] or [N, outputs], the output length from the pool (ir/onnx_tfidf.h).
#include "ir/onnx_tfidf.h"
#include "ir/shape_inference_onnx_util.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this file's helpers

Status infer_onnx_tfidf(const Node& n, Graph& g) {
  const Value& x = in(g, n, 0);
  if (x.dtype != DType::kInt32 && x.dtype != DType::kInt64)
    return fail(g, n, std::string("tokens must be int32 or int64, are ") + dtype_name(x.dtype));
  if (x.shape.rank() != 1 && x.shape.rank() != 2)
    return fail(g, n, "tokens must be [C] or [N, C], are " + x.shape.to_string());
  OUTPOST_ASSIGN_OR_RETURN(const TfIdfPool pool, read_tfidf_pool(g, n));
  set_out(g, n, x.shape.rank() == 1 ? Shape{pool.outputs} : Shape{x.shape[0], pool.outputs},
          DType::kFloat32);
  return Status::ok();
}

}  // namespace outpost
