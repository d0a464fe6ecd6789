// Shape (and dtype) inference of the recurrent layers RNN, GRU and LSTM: ir/onnx_rnn.h checks
// the attributes and operands; each output present gets its shape.
#include "ir/onnx_rnn.h"
#include "ir/shape_inference_onnx_util.h"

namespace outpost {

using namespace onnx_infer;  // NOLINT: this family's helpers

Status infer_onnx_rnn(const Node& n, Graph& g) {
  OUTPOST_ASSIGN_OR_RETURN(const RnnSpec s, onnx_rnn_spec(g, n));
  const DType dtype = in(g, n, kRnnX).dtype;
  for (size_t k = 0; k < n.outputs.size(); ++k)
    set_out(g, n, k == kRnnY ? s.y_shape() : s.state_shape(), dtype, k);
  return Status::ok();
}

}  // namespace outpost
