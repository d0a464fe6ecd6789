// ONNX TensorProto -> IR constant: element types, dims, raw or typed data, and external data
// files next to the model. Raw bytes are used in place where the parsed message stays alive.
#pragma once

#include <memory>
#include <string>

#include "ir/graph.h"
#include "outpost/tensor.h"

namespace onnx {
class TensorProto;
}

namespace outpost {

// The ONNX TensorProto.DataType code of an element type -> DType; kUnsupported for strings,
// bfloat16 and complex types, kInvalidModel for unknown codes. `where` prefixes messages.
Result<DType> onnx_dtype(int64_t elem_type, const std::string& where);

struct OnnxTensorSource {
  std::shared_ptr<const void> keep_alive;  // owns the TensorProto (e.g. the parsed ModelProto)
  std::string model_dir;                   // where external data files live; empty: not allowed
  // No file may be read at all (a bundle's model carries every byte it needs): external data
  // is kInvalidModel naming its location, not a missing file.
  bool no_files = false;
  // The TensorProto is the importer's own and read once: its raw_data moves into the constant
  // (no copy, and memory of its own that the session can let go once a backend packed it).
  bool take_raw_data = false;
};

// Sets v.dtype, v.shape and v.constant from `t`. Every size is checked against the dims.
Status read_onnx_tensor(const onnx::TensorProto& t, const OnnxTensorSource& source,
                        const std::string& where, Value& v);

// A copy of `t` as an owning Tensor (test data sets: input_0.pb, output_0.pb).
Result<Tensor> onnx_tensor_to_tensor(const onnx::TensorProto& t, const std::string& where);

}  // namespace outpost
