#include "core/npy.h"

#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>

namespace outpost {
namespace {

TEST(Npy, RoundTripsEveryDtype) {
  const std::string path = (std::filesystem::temp_directory_path() / "outpost_npy_test.npy").string();
  for (DType dtype : {DType::kFloat32, DType::kUInt8, DType::kInt8, DType::kInt32, DType::kInt64, DType::kInt16}) {
    Tensor t = Tensor::allocate(dtype, Shape{2, 3, 5}).value();
    auto* bytes = static_cast<uint8_t*>(t.data());
    for (size_t i = 0; i < t.byte_size(); ++i) bytes[i] = static_cast<uint8_t>(i * 7 + 1);
    ASSERT_TRUE(save_npy(path, t).is_ok());
    auto back = load_npy(path);
    ASSERT_TRUE(back.is_ok()) << back.status().message();
    EXPECT_EQ(back->dtype(), dtype);
    EXPECT_EQ(back->shape(), (Shape{2, 3, 5}));
    EXPECT_EQ(std::memcmp(back->data(), t.data(), t.byte_size()), 0);
  }
  std::filesystem::remove(path);
}

TEST(Npy, ScalarAndOneDimensionalShapes) {
  const std::string path = (std::filesystem::temp_directory_path() / "outpost_npy_shape.npy").string();
  for (Shape shape : {Shape{}, Shape{7}}) {
    Tensor t = Tensor::allocate(DType::kFloat32, shape).value();
    ASSERT_TRUE(save_npy(path, t).is_ok());
    auto back = load_npy(path);
    ASSERT_TRUE(back.is_ok()) << back.status().message();
    EXPECT_EQ(back->shape(), shape);
  }
  std::filesystem::remove(path);
}

Status parse(const std::string& bytes) {
  return parse_npy(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), "x.npy").status();
}

std::string header(const std::string& dict) {
  std::string h = dict;
  while ((10 + h.size() + 1) % 64) h += ' ';
  h += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(h.size() & 0xff);
  out += static_cast<char>(h.size() >> 8);
  return out + h;
}

TEST(Npy, RejectsCorruptFilesWithClearErrors) {
  EXPECT_EQ(parse("").code(), StatusCode::kIoError);
  EXPECT_EQ(parse("not an npy file at all").code(), StatusCode::kIoError);
  const std::string ok = header("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), }");
  EXPECT_TRUE(parse(ok + std::string(16, '\0')).is_ok());
  Status truncated = parse(ok + std::string(15, '\0'));
  EXPECT_NE(truncated.message().find("truncated"), std::string::npos) << truncated.message();
  EXPECT_NE(parse(header("{'descr': '<c16', 'fortran_order': False, 'shape': (2,), }")).message().find("unsupported dtype"),
            std::string::npos);
  EXPECT_NE(parse(header("{'descr': '<f4', 'fortran_order': True, 'shape': (2,), }")).message().find("Fortran"),
            std::string::npos);
  EXPECT_FALSE(parse(header("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 99999999999), }")).is_ok());
  EXPECT_FALSE(parse(header("{'descr': '<f4', 'fortran_order': False, 'shape': (1234567890123456789,), }")).is_ok());
  // Every truncation of a valid file fails cleanly.
  const std::string full = ok + std::string(16, '\1');
  for (size_t n = 0; n < full.size(); ++n) EXPECT_FALSE(parse(full.substr(0, n)).is_ok()) << n;
}

TEST(Npy, MissingFileIsAnIoError) {
  auto r = load_npy("/nonexistent/dir/x.npy");
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("/nonexistent/dir/x.npy"), std::string::npos);
}

}  // namespace
}  // namespace outpost
