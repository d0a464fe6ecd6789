// The KServe v2 (Triton) inference protocol's request and response bodies, without HTTP: JSON
// tensors ("name", "datatype", "shape", row-major "data") and the binary tensor data extension
// (the JSON header first, its length in the Inference-Header-Content-Length header, then each
// tensor's raw bytes in order, sized by its "binary_data_size" parameter).
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "outpost/dtype.h"
#include "outpost/status.h"
#include "outpost/tensor.h"

namespace outpost::serve {

// The protocol's spelling of a dtype ("FP32", "UINT8", ...).
const char* kserve_datatype(DType dtype);
// The dtype a protocol datatype names; none for one Outpost has no tensors of ("BYTES").
std::optional<DType> dtype_from_kserve(std::string_view datatype);

struct RequestedOutput {
  std::string name;
  bool binary = false;
};

struct InferRequest {
  std::string id;
  std::vector<Tensor> inputs;  // each named, owning its data
  // The outputs asked for by name; empty: every output, binary when binary_by_default.
  std::vector<RequestedOutput> outputs;
  bool binary_by_default = false;
};

// Parses a request body. `json_length` is the Inference-Header-Content-Length header's value
// when the request carries one (binary data follows the JSON). kUsage naming the field or input
// at fault for anything malformed: the server answers it with 400.
Result<InferRequest> parse_infer_request(std::string_view body, std::optional<size_t> json_length);

struct InferResponse {
  std::string body;
  // Bytes of JSON at the start of `body` when binary outputs follow (the response's
  // Inference-Header-Content-Length); none for a JSON-only response.
  std::optional<size_t> json_length;
};

// The response to `request` with `outputs` (every output of the model, named): those asked
// for, in the order asked (all of them, in model order, when none were), each as JSON data or
// raw bytes. kUsage for an output name the model lacks.
Result<InferResponse> make_infer_response(const std::string& model, const InferRequest& request,
                                          const std::vector<Tensor>& outputs);

}  // namespace outpost::serve
