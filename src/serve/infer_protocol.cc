#include "serve/infer_protocol.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <map>

#include "core/bfloat16.h"
#include "core/float16.h"

namespace outpost::serve {
namespace {

using nlohmann::json;

struct DatatypeName {
  DType dtype;
  const char* name;
};
constexpr DatatypeName kDatatypes[] = {
    {DType::kFloat32, "FP32"},  {DType::kFloat16, "FP16"},  {DType::kBFloat16, "BF16"},
    {DType::kFloat64, "FP64"},  {DType::kInt8, "INT8"},     {DType::kInt16, "INT16"},
    {DType::kInt32, "INT32"},   {DType::kInt64, "INT64"},   {DType::kUInt8, "UINT8"},
    {DType::kUInt16, "UINT16"}, {DType::kUInt32, "UINT32"}, {DType::kUInt64, "UINT64"},
    {DType::kBool, "BOOL"},
};

Status bad_input(const std::string& input, const std::string& what) {
  return usage_error("input '" + input + "': " + what);
}

// Nested "data" arrays (the protocol allows either nesting or a flat list) in row-major order.
void flatten(const json& data, std::vector<const json*>& leaves) {
  if (!data.is_array()) {
    leaves.push_back(&data);
    return;
  }
  for (const json& item : data) flatten(item, leaves);
}

template <typename T>
Status store_integer(const json& v, T* out) {
  if (!v.is_number_integer()) return usage_error("is not an integer");
  if (v.is_number_unsigned()) {
    const uint64_t u = v.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      return usage_error("is out of range");
    *out = static_cast<T>(u);
    return Status::ok();
  }
  const int64_t i = v.get<int64_t>();
  if (std::numeric_limits<T>::is_signed
          ? (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
             i > static_cast<int64_t>(std::numeric_limits<T>::max()))
          : i < 0)
    return usage_error("is out of range");
  *out = static_cast<T>(i);
  return Status::ok();
}

// Writes one JSON value as element `k` of `t`; kUsage saying what is wrong with it.
Status store_element(const json& v, Tensor& t, size_t k) {
  void* base = t.data();
  switch (t.dtype()) {
    case DType::kFloat32:
    case DType::kFloat64:
    case DType::kFloat16:
    case DType::kBFloat16: {
      if (!v.is_number()) return usage_error("is not a number");
      const double d = v.get<double>();
      if (t.dtype() == DType::kFloat64) static_cast<double*>(base)[k] = d;
      if (t.dtype() == DType::kFloat32) static_cast<float*>(base)[k] = static_cast<float>(d);
      if (t.dtype() == DType::kFloat16)
        static_cast<uint16_t*>(base)[k] = float_to_half(static_cast<float>(d));
      if (t.dtype() == DType::kBFloat16)
        static_cast<uint16_t*>(base)[k] = float_to_bfloat16(static_cast<float>(d));
      return Status::ok();
    }
    case DType::kBool:
      if (!v.is_boolean()) return usage_error("is not true or false");
      static_cast<bool*>(base)[k] = v.get<bool>();
      return Status::ok();
    case DType::kInt8:
      return store_integer(v, static_cast<int8_t*>(base) + k);
    case DType::kInt16:
      return store_integer(v, static_cast<int16_t*>(base) + k);
    case DType::kInt32:
      return store_integer(v, static_cast<int32_t*>(base) + k);
    case DType::kInt64:
      return store_integer(v, static_cast<int64_t*>(base) + k);
    case DType::kUInt8:
      return store_integer(v, static_cast<uint8_t*>(base) + k);
    case DType::kUInt16:
      return store_integer(v, static_cast<uint16_t*>(base) + k);
    case DType::kUInt32:
      return store_integer(v, static_cast<uint32_t*>(base) + k);
    case DType::kUInt64:
      return store_integer(v, static_cast<uint64_t*>(base) + k);
  }
  return usage_error("has a datatype the server cannot read");
}

json element_json(const Tensor& t, size_t k) {
  const void* base = t.data();
  switch (t.dtype()) {
    case DType::kFloat32:
      return static_cast<const float*>(base)[k];
    case DType::kFloat64:
      return static_cast<const double*>(base)[k];
    case DType::kFloat16:
      return half_to_float(static_cast<const uint16_t*>(base)[k]);
    case DType::kBFloat16:
      return bfloat16_to_float(static_cast<const uint16_t*>(base)[k]);
    case DType::kBool:
      return static_cast<const bool*>(base)[k];
    case DType::kInt8:
      return static_cast<const int8_t*>(base)[k];
    case DType::kInt16:
      return static_cast<const int16_t*>(base)[k];
    case DType::kInt32:
      return static_cast<const int32_t*>(base)[k];
    case DType::kInt64:
      return static_cast<const int64_t*>(base)[k];
    case DType::kUInt8:
      return static_cast<const uint8_t*>(base)[k];
    case DType::kUInt16:
      return static_cast<const uint16_t*>(base)[k];
    case DType::kUInt32:
      return static_cast<const uint32_t*>(base)[k];
    case DType::kUInt64:
      return static_cast<const uint64_t*>(base)[k];
  }
  return nullptr;
}

// The shape of an input: non-negative whole numbers whose product stays countable.
Result<Shape> parse_shape(const std::string& name, const json& shape) {
  if (!shape.is_array()) return bad_input(name, "\"shape\" must be an array of dimensions");
  std::vector<int64_t> dims;
  int64_t elements = 1;
  for (const json& d : shape) {
    if (!d.is_number_integer() || d.get<int64_t>() < 0 || d.get<int64_t>() > (int64_t{1} << 31))
      return bad_input(name, "\"shape\" has a dimension that is not a whole number from 0 to 2^31");
    dims.push_back(d.get<int64_t>());
    if (dims.back() != 0 && elements > (int64_t{1} << 40) / dims.back())
      return bad_input(name, "\"shape\" " + shape.dump() + " has too many elements");
    elements *= dims.back();
  }
  return Shape(std::move(dims));
}

bool binary_parameter(const json& holder, const char* key) {
  const auto params = holder.find("parameters");
  if (params == holder.end() || !params->is_object()) return false;
  const auto flag = params->find(key);
  return flag != params->end() && flag->is_boolean() && flag->get<bool>();
}

// One input of the "inputs" array; its binary bytes, if any, are taken from `binary` at
// `*offset`.
Result<Tensor> parse_input(const json& in, std::string_view binary, size_t* offset) {
  if (!in.is_object()) return usage_error("each element of \"inputs\" must be an object");
  const auto name_it = in.find("name");
  if (name_it == in.end() || !name_it->is_string())
    return usage_error("an element of \"inputs\" has no \"name\" string");
  const std::string name = name_it->get<std::string>();
  const auto type_it = in.find("datatype");
  if (type_it == in.end() || !type_it->is_string())
    return bad_input(name, "no \"datatype\" string");
  const std::optional<DType> dtype = dtype_from_kserve(type_it->get<std::string>());
  if (!dtype)
    return bad_input(name, "datatype \"" + type_it->get<std::string>() + "\" is not supported");
  const auto shape_it = in.find("shape");
  if (shape_it == in.end()) return bad_input(name, "no \"shape\"");
  OUTPOST_ASSIGN_OR_RETURN(Shape shape, parse_shape(name, *shape_it));
  const size_t count = static_cast<size_t>(*shape.num_elements());
  const size_t bytes = count * dtype_size(*dtype);

  const auto params = in.find("parameters");
  const json* binary_size = nullptr;
  if (params != in.end() && params->is_object() && params->contains("binary_data_size"))
    binary_size = &(*params)["binary_data_size"];
  if (binary_size != nullptr) {
    if (!binary_size->is_number_unsigned() || binary_size->get<uint64_t>() != bytes)
      return bad_input(name, "\"binary_data_size\" must be " + std::to_string(bytes) +
                                 " bytes for " + kserve_datatype(*dtype) + " " + shape.to_string());
    if (binary.size() - *offset < bytes)
      return bad_input(name, "the binary data ends " +
                                 std::to_string(bytes - (binary.size() - *offset)) +
                                 " bytes short");
    OUTPOST_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(*dtype, shape));
    if (bytes > 0) std::memcpy(t.data(), binary.data() + *offset, bytes);
    *offset += bytes;
    t.name = name;
    return t;
  }
  const auto data = in.find("data");
  if (data == in.end()) return bad_input(name, "no \"data\" and no \"binary_data_size\" parameter");
  std::vector<const json*> leaves;
  flatten(*data, leaves);
  if (leaves.size() != count)
    return bad_input(name, "\"data\" has " + std::to_string(leaves.size()) + " elements, shape " +
                               shape.to_string() + " needs " + std::to_string(count));
  OUTPOST_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(*dtype, shape));
  for (size_t k = 0; k < count; ++k) {
    const Status s = store_element(*leaves[k], t, k);
    if (!s.is_ok())
      return bad_input(name, "element " + std::to_string(k) + " of \"data\" " + s.message() +
                                 " (datatype " + kserve_datatype(*dtype) + ")");
  }
  t.name = name;
  return t;
}

Result<std::vector<RequestedOutput>> parse_outputs(const json& request, bool binary_by_default) {
  std::vector<RequestedOutput> outputs;
  const auto it = request.find("outputs");
  if (it == request.end()) return outputs;
  if (!it->is_array()) return usage_error("\"outputs\" must be an array");
  for (const json& out : *it) {
    if (!out.is_object() || !out.contains("name") || !out["name"].is_string())
      return usage_error("each element of \"outputs\" needs a \"name\" string");
    const json* params = out.contains("parameters") ? &out["parameters"] : nullptr;
    bool binary = binary_by_default;
    if (params != nullptr && params->is_object() && params->contains("binary_data"))
      binary = (*params)["binary_data"].is_boolean() && (*params)["binary_data"].get<bool>();
    outputs.push_back({out["name"].get<std::string>(), binary});
  }
  return outputs;
}

}  // namespace

const char* kserve_datatype(DType dtype) {
  for (const DatatypeName& d : kDatatypes)
    if (d.dtype == dtype) return d.name;
  return "BYTES";
}

std::optional<DType> dtype_from_kserve(std::string_view datatype) {
  for (const DatatypeName& d : kDatatypes)
    if (datatype == d.name) return d.dtype;
  return std::nullopt;
}

Result<InferRequest> parse_infer_request(std::string_view body, std::optional<size_t> json_length) {
  if (json_length && *json_length > body.size())
    return usage_error("Inference-Header-Content-Length is " + std::to_string(*json_length) +
                       " but the body has only " + std::to_string(body.size()) + " bytes");
  const std::string_view text = json_length ? body.substr(0, *json_length) : body;
  const std::string_view binary = json_length ? body.substr(*json_length) : std::string_view();
  const json request = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (request.is_discarded()) return usage_error("the request body is not valid JSON");
  if (!request.is_object()) return usage_error("the request body must be a JSON object");
  InferRequest parsed;
  if (request.contains("id")) {
    if (!request["id"].is_string()) return usage_error("\"id\" must be a string");
    parsed.id = request["id"].get<std::string>();
  }
  parsed.binary_by_default = binary_parameter(request, "binary_data_output");
  const auto inputs = request.find("inputs");
  if (inputs == request.end() || !inputs->is_array())
    return usage_error("the request has no \"inputs\" array");
  size_t offset = 0;
  for (const json& in : *inputs) {
    OUTPOST_ASSIGN_OR_RETURN(Tensor t, parse_input(in, binary, &offset));
    for (const Tensor& seen : parsed.inputs)
      if (seen.name == t.name) return bad_input(t.name, "given twice");
    parsed.inputs.push_back(std::move(t));
  }
  if (offset != binary.size())
    return usage_error("the binary data has " + std::to_string(binary.size() - offset) +
                       " bytes that no input's \"binary_data_size\" accounts for");
  OUTPOST_ASSIGN_OR_RETURN(parsed.outputs, parse_outputs(request, parsed.binary_by_default));
  return parsed;
}

Result<InferResponse> make_infer_response(const std::string& model, const InferRequest& request,
                                          const std::vector<Tensor>& outputs) {
  std::vector<RequestedOutput> wanted = request.outputs;
  if (wanted.empty())
    for (const Tensor& t : outputs) wanted.push_back({t.name, request.binary_by_default});
  json response = {{"model_name", model}, {"model_version", "1"}, {"outputs", json::array()}};
  if (!request.id.empty()) response["id"] = request.id;
  std::string binary;
  for (const RequestedOutput& w : wanted) {
    const Tensor* found = nullptr;
    for (const Tensor& t : outputs)
      if (t.name == w.name) found = &t;
    if (found == nullptr)
      return usage_error("output '" + w.name + "': the model has no such output");
    json out = {{"name", found->name},
                {"datatype", kserve_datatype(found->dtype())},
                {"shape", found->shape().dims()}};
    if (w.binary) {
      out["parameters"] = {{"binary_data_size", found->byte_size()}};
      binary.append(static_cast<const char*>(found->data()), found->byte_size());
    } else {
      json data = json::array();
      const size_t n = static_cast<size_t>(found->num_elements());
      for (size_t k = 0; k < n; ++k) data.push_back(element_json(*found, k));
      out["data"] = std::move(data);
    }
    response["outputs"].push_back(std::move(out));
  }
  InferResponse result;
  // Names from a model file need not be UTF-8: replaced, never thrown on.
  result.body = response.dump(-1, ' ', false, json::error_handler_t::replace);
  if (!binary.empty() ||
      std::any_of(wanted.begin(), wanted.end(), [](auto& w) { return w.binary; })) {
    result.json_length = result.body.size();
    result.body += binary;
  }
  return result;
}

}  // namespace outpost::serve
