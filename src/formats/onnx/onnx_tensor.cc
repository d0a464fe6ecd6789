#include "formats/onnx/onnx_tensor.h"

#include <onnx/onnx_pb.h>

#include <cstring>
#include <filesystem>

#include "core/mapped_file.h"

namespace outpost {
namespace {

constexpr int64_t kMaxElements = int64_t{1} << 34;
// Below this a taken string might sit inside its own object (the small-string buffer), which
// has no alignment to speak of; weights worth letting go are larger anyway.
constexpr size_t kTakenRawDataMinBytes = 64;

// Copies a repeated typed field into little-endian bytes of `T`.
template <typename T, typename Field>
std::vector<uint8_t> pack(const Field& field) {
  std::vector<uint8_t> bytes(static_cast<size_t>(field.size()) * sizeof(T));
  for (int i = 0; i < field.size(); ++i) {
    // float16 bits travel in the low 16 bits of int32_data; the cast keeps exactly those.
    T v = static_cast<T>(field.Get(i));
    std::memcpy(bytes.data() + static_cast<size_t>(i) * sizeof(T), &v, sizeof(T));
  }
  return bytes;
}

Result<std::vector<uint8_t>> typed_data(const onnx::TensorProto& t, DType d,
                                        const std::string& where) {
  switch (d) {
    case DType::kFloat32:
      return pack<float>(t.float_data());
    case DType::kFloat64:
      return pack<double>(t.double_data());
    case DType::kInt64:
      return pack<int64_t>(t.int64_data());
    case DType::kInt32:
      return pack<int32_t>(t.int32_data());
    case DType::kInt16:
      return pack<int16_t>(t.int32_data());
    case DType::kInt8:
      return pack<int8_t>(t.int32_data());
    case DType::kUInt16:
      return pack<uint16_t>(t.int32_data());
    case DType::kUInt8:
      return pack<uint8_t>(t.int32_data());
    case DType::kBool:
      return pack<bool>(t.int32_data());
    case DType::kFloat16:
    case DType::kBFloat16:  // both 16-bit patterns in int32_data
      return pack<uint16_t>(t.int32_data());
    case DType::kUInt32:
      return pack<uint32_t>(t.uint64_data());
    case DType::kUInt64:
      return pack<uint64_t>(t.uint64_data());
  }
  return Status(internal_error(where + ": unhandled dtype"));
}

// Resolves an external data file: relative, inside the model's directory, no escape via "..".
Result<std::string> external_path(const std::string& location, const OnnxTensorSource& source,
                                  const std::string& where) {
  namespace fs = std::filesystem;
  const std::string& model_dir = source.model_dir;
  if (source.no_files)
    return invalid_model(where + ": external data '" + location +
                         "' is not read: this model may not read files (a bundle's model must "
                         "hold its weights inline, where the signature covers them)");
  if (model_dir.empty())
    return io_error(where + ": external data '" + location +
                    "' needs the model's directory (load the model from a file)");
  const fs::path rel(location);
  if (location.empty() || rel.is_absolute() || location.find('\0') != std::string::npos)
    return invalid_model(where + ": external data location '" + location +
                         "' must be a relative path");
  for (const auto& part : rel)
    if (part == "..")
      return invalid_model(where + ": external data location '" + location +
                           "' leaves the model's directory");
  std::error_code ec;
  const fs::path dir = fs::weakly_canonical(fs::path(model_dir), ec);
  const fs::path full = fs::weakly_canonical(dir / rel, ec);
  if (ec) return io_error(where + ": external data '" + location + "': " + ec.message());
  const std::string d = dir.string() + "/", f = full.string();
  if (f.compare(0, d.size(), d) != 0)
    return invalid_model(where + ": external data location '" + location +
                         "' resolves outside the model's directory");
  return f;
}

Status read_external(const onnx::TensorProto& t, const OnnxTensorSource& source,
                     const std::string& where, size_t expected, Value& v) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto& kv : t.external_data()) {
    try {
      if (kv.key() == "location")
        location = kv.value();
      else if (kv.key() == "offset")
        offset = std::stoll(kv.value());
      else if (kv.key() == "length")
        length = std::stoll(kv.value());
    } catch (const std::exception&) {
      return invalid_model(where + ": external data " + kv.key() + " '" + kv.value() +
                           "' is not a number");
    }
  }
  OUTPOST_ASSIGN_OR_RETURN(std::string path, external_path(location, source, where));
  OUTPOST_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
  if (length < 0) length = static_cast<int64_t>(expected);
  if (offset < 0 || static_cast<uint64_t>(offset) > file->size() ||
      static_cast<uint64_t>(length) > file->size() - static_cast<uint64_t>(offset))
    return invalid_model(where + ": external data (offset " + std::to_string(offset) + ", length " +
                         std::to_string(length) + ") lies outside '" + location + "' (" +
                         std::to_string(file->size()) + " bytes)");
  if (static_cast<size_t>(length) != expected)
    return invalid_model(where + ": external data holds " + std::to_string(length) +
                         " bytes, the tensor needs " + std::to_string(expected));
  const uint8_t* bytes = file->data() + offset;
  if (reinterpret_cast<uintptr_t>(bytes) % dtype_size(v.dtype) != 0) {
    set_owned_constant(v, std::vector<uint8_t>(bytes, bytes + expected));
  } else {
    v.constant = ConstantData{bytes, expected, file};
  }
  return Status::ok();
}

}  // namespace

Result<DType> onnx_dtype(int64_t elem_type, const std::string& where) {
  switch (elem_type) {
    case onnx::TensorProto::FLOAT:
      return DType::kFloat32;
    case onnx::TensorProto::UINT8:
      return DType::kUInt8;
    case onnx::TensorProto::INT8:
      return DType::kInt8;
    case onnx::TensorProto::UINT16:
      return DType::kUInt16;
    case onnx::TensorProto::INT16:
      return DType::kInt16;
    case onnx::TensorProto::INT32:
      return DType::kInt32;
    case onnx::TensorProto::INT64:
      return DType::kInt64;
    case onnx::TensorProto::BOOL:
      return DType::kBool;
    case onnx::TensorProto::FLOAT16:
      return DType::kFloat16;
    case onnx::TensorProto::DOUBLE:
      return DType::kFloat64;
    case onnx::TensorProto::UINT32:
      return DType::kUInt32;
    case onnx::TensorProto::UINT64:
      return DType::kUInt64;
    case onnx::TensorProto::STRING:
      return unsupported(where + ": string tensors are not supported");
    case onnx::TensorProto::BFLOAT16:
      return DType::kBFloat16;
    case onnx::TensorProto::COMPLEX64:
    case onnx::TensorProto::COMPLEX128:
      return unsupported(where + ": complex tensors are not supported");
    // Types of opsets 19 to 21, after the libonnx this is built with (ONNX 1.12) named them.
    case 17:  // FLOAT8E4M3FN
    case 18:  // FLOAT8E4M3FNUZ
    case 19:  // FLOAT8E5M2
    case 20:  // FLOAT8E5M2FNUZ
      return unsupported(where + ": float8 tensors are not supported");
    case 21:  // UINT4
    case 22:  // INT4
      return unsupported(where + ": 4-bit integer tensors are not supported");
    default:
      return invalid_model(where + ": unknown element type " + std::to_string(elem_type));
  }
}

Status read_onnx_tensor(const onnx::TensorProto& t, const OnnxTensorSource& source,
                        const std::string& where, Value& v) {
  OUTPOST_ASSIGN_OR_RETURN(v.dtype, onnx_dtype(t.data_type(), where));
  if (t.dims_size() > 16)
    return unsupported(where + ": rank " + std::to_string(t.dims_size()) + " exceeds 16");
  std::vector<int64_t> dims;
  int64_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) return invalid_model(where + ": negative dimension " + std::to_string(d));
    if (d > 0 && n > kMaxElements / d) return invalid_model(where + ": dims are absurdly large");
    n *= d;
    dims.push_back(d);
  }
  v.shape = Shape(dims);
  const size_t elem = dtype_size(v.dtype);
  const size_t expected = static_cast<size_t>(n) * elem;
  if (t.has_segment()) return unsupported(where + ": segmented tensors are not supported");
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    return read_external(t, source, where, expected, v);
  if (t.has_raw_data()) {
    const std::string& raw = t.raw_data();
    if (raw.size() != expected)
      return invalid_model(where + ": raw_data holds " + std::to_string(raw.size()) +
                           " bytes, but " + dtype_name(v.dtype) + " " + v.shape.to_string() +
                           " needs " + std::to_string(expected));
    const auto* bytes = reinterpret_cast<const uint8_t*>(raw.data());
    if (source.take_raw_data && expected >= kTakenRawDataMinBytes) {
      // The parsed model is not const; only the importer's view of it is.
      auto owned = std::make_shared<std::string>(
          std::move(*const_cast<onnx::TensorProto&>(t).mutable_raw_data()));
      const auto* taken = reinterpret_cast<const uint8_t*>(owned->data());
      if (reinterpret_cast<uintptr_t>(taken) % elem != 0) {
        set_owned_constant(v, std::vector<uint8_t>(taken, taken + expected));
      } else {
        v.constant = ConstantData{taken, expected, std::move(owned)};
      }
    } else if (!source.keep_alive || reinterpret_cast<uintptr_t>(bytes) % elem != 0) {
      set_owned_constant(v, std::vector<uint8_t>(bytes, bytes + expected));
    } else {
      v.constant = ConstantData{bytes, expected, source.keep_alive};
    }
    return Status::ok();
  }
  OUTPOST_ASSIGN_OR_RETURN(std::vector<uint8_t> bytes, typed_data(t, v.dtype, where));
  if (bytes.size() != expected)
    return invalid_model(where + ": holds " + std::to_string(bytes.size() / elem) +
                         " values, but " + v.shape.to_string() + " needs " + std::to_string(n));
  set_owned_constant(v, std::move(bytes));
  return Status::ok();
}

Result<Tensor> onnx_tensor_to_tensor(const onnx::TensorProto& t, const std::string& where) {
  Value v;
  OUTPOST_RETURN_IF_ERROR(read_onnx_tensor(t, OnnxTensorSource{}, where, v));
  OUTPOST_ASSIGN_OR_RETURN(Tensor out, Tensor::allocate(v.dtype, v.shape));
  if (out.byte_size()) std::memcpy(out.data(), v.constant.bytes, out.byte_size());
  out.name = t.name();
  return out;
}

}  // namespace outpost
