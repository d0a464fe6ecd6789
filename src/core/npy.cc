#include "core/npy.h"

#include <cstring>
#include <fstream>
#include <vector>

#include "core/mapped_file.h"

namespace outpost {
namespace {

struct DescrEntry {
  const char* descr;
  DType dtype;
};
constexpr DescrEntry kDescrs[] = {
    {"<f4", DType::kFloat32}, {"<f2", DType::kFloat16}, {"<i4", DType::kInt32},
    {"<i8", DType::kInt64},   {"|u1", DType::kUInt8},   {"|i1", DType::kInt8},
    {"<i2", DType::kInt16},   {"|b1", DType::kBool},    {"<u1", DType::kUInt8},
    {"<i1", DType::kInt8},    {"<f8", DType::kFloat64}, {"<u2", DType::kUInt16},
    {"<u4", DType::kUInt32},  {"<u8", DType::kUInt64},
};

const char* descr_of(DType dtype) {
  for (const auto& e : kDescrs)
    if (e.dtype == dtype) return e.descr;
  return "<f4";
}

}  // namespace

Result<Tensor> parse_npy(const uint8_t* data, size_t size, const std::string& what) {
  auto bad = [&](const std::string& why) {
    return Status(StatusCode::kIoError, what + ": not a valid .npy file: " + why);
  };
  if (size < 10 || std::memcmp(data, "\x93NUMPY", 6) != 0) return bad("missing \\x93NUMPY magic");
  const uint8_t major = data[6];
  size_t header_len, header_start;
  if (major == 1) {
    header_len = data[8] | (data[9] << 8);
    header_start = 10;
  } else if (major == 2 || major == 3) {
    if (size < 12) return bad("truncated header");
    header_len = data[8] | (data[9] << 8) | (data[10] << 16) | (static_cast<size_t>(data[11]) << 24);
    header_start = 12;
  } else {
    return bad("unknown format version " + std::to_string(major));
  }
  if (header_len > size - header_start) return bad("header runs past the end of the file");
  std::string header(reinterpret_cast<const char*>(data + header_start), header_len);

  // The header is a Python dict literal; we read the three keys numpy writes.
  auto after_key = [&](const char* key) -> size_t {
    const size_t k = header.find(key);
    if (k == std::string::npos) return std::string::npos;
    const size_t colon = header.find(':', k);
    return colon == std::string::npos ? colon : colon + 1;
  };
  size_t pos = after_key("'descr'");
  if (pos == std::string::npos) return bad("no 'descr'");
  const size_t q1 = header.find('\'', pos);
  const size_t q2 = q1 == std::string::npos ? q1 : header.find('\'', q1 + 1);
  if (q2 == std::string::npos) return bad("'descr' is not a quoted string");
  const std::string descr = header.substr(q1 + 1, q2 - q1 - 1);
  DType dtype{};
  bool found = false;
  for (const auto& e : kDescrs)
    if (descr == e.descr) dtype = e.dtype, found = true;
  if (!found) return bad("unsupported dtype '" + descr + "' (use float32, float16, int8/16/32/64, uint8, bool)");
  pos = after_key("'fortran_order'");
  // The value may be missing (the header ends after the colon): compare() would throw on npos.
  const size_t value = pos == std::string::npos ? pos : header.find_first_not_of(' ', pos);
  if (value != std::string::npos && header.compare(value, 4, "True") == 0)
    return bad("Fortran order is not supported; save with np.ascontiguousarray");
  pos = after_key("'shape'");
  const size_t open = pos == std::string::npos ? pos : header.find('(', pos);
  const size_t close = open == std::string::npos ? open : header.find(')', open);
  if (close == std::string::npos) return bad("no 'shape' tuple");
  std::vector<int64_t> dims;
  int64_t current = -1;
  for (size_t i = open + 1; i <= close; ++i) {
    const char c = header[i];
    if (c >= '0' && c <= '9') {
      if (current > (int64_t{1} << 40)) return bad("dimension too large");
      current = (current < 0 ? 0 : current * 10) + (c - '0');
    } else if (c == ',' || c == ')') {
      if (current >= 0) dims.push_back(current);
      current = -1;
    } else if (c != ' ' && c != 'L') {
      return bad("malformed 'shape'");
    }
  }
  Shape shape(dims);
  auto n = shape.num_elements();
  if (!n) return bad("shape " + shape.to_string() + " is too large");
  const size_t payload = size - header_start - header_len;
  const uint64_t need = static_cast<uint64_t>(*n) * dtype_size(dtype);
  if (*n > static_cast<int64_t>(size) || need > payload)
    return bad("data is truncated: shape " + shape.to_string() + " needs " + std::to_string(need) +
               " bytes, file has " + std::to_string(payload));
  const uint8_t* payload_data = data + header_start + header_len;
  // numpy writes bools as 0 or 1; any other byte would be loaded as a bool by the kernels, which
  // is undefined behaviour.
  if (dtype == DType::kBool)
    for (uint64_t i = 0; i < need; ++i)
      if (payload_data[i] > 1)
        return bad("bool element " + std::to_string(i) + " holds byte " +
                   std::to_string(payload_data[i]) + " (only 0 and 1 are bools)");
  OUTPOST_ASSIGN_OR_RETURN(Tensor t, Tensor::allocate(dtype, shape));
  if (need) std::memcpy(t.data(), payload_data, need);
  return t;
}

Result<Tensor> load_npy(const std::string& path) {
  OUTPOST_ASSIGN_OR_RETURN(auto file, MappedFile::open(path));
  return parse_npy(file->data(), file->size(), "'" + path + "'");
}

std::vector<uint8_t> encode_npy(const Tensor& tensor) {
  std::string shape = "(";
  for (size_t i = 0; i < tensor.shape().rank(); ++i) {
    shape += std::to_string(tensor.shape()[i]);
    if (tensor.shape().rank() == 1 || i + 1 < tensor.shape().rank()) shape += ",";
    if (i + 1 < tensor.shape().rank()) shape += " ";
  }
  shape += ")";
  std::string header = std::string("{'descr': '") + descr_of(tensor.dtype()) +
                       "', 'fortran_order': False, 'shape': " + shape + ", }";
  // Pad so that the data starts on a 64-byte boundary, ending the header with '\n'.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  // One resize + memcpy: GCC 12 reports a false -Warray-bounds on vector::insert into a vector
  // made from an initializer list.
  const uint8_t magic[10] = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0,
                             static_cast<uint8_t>(header.size() & 0xff),
                             static_cast<uint8_t>(header.size() >> 8)};
  std::vector<uint8_t> out(sizeof(magic) + header.size() + tensor.byte_size());
  std::memcpy(out.data(), magic, sizeof(magic));
  std::memcpy(out.data() + sizeof(magic), header.data(), header.size());
  if (tensor.byte_size() > 0)
    std::memcpy(out.data() + sizeof(magic) + header.size(), tensor.data(), tensor.byte_size());
  return out;
}

Status save_npy(const std::string& path, const Tensor& tensor) {
  const std::vector<uint8_t> bytes = encode_npy(tensor);
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  if (!out) return io_error("cannot write '" + path + "'");
  out.write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  if (!out) return io_error("failed writing '" + path + "'");
  return Status::ok();
}

}  // namespace outpost
