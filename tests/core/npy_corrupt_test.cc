// Hostile .npy headers found by fuzz/fuzz_npy: an error, never an exception or a crash. The test
// command runs these under AddressSanitizer and UndefinedBehaviorSanitizer too (suite names
// contain 'Corrupt').
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/npy.h"

namespace outpost {
namespace {

// A version 1.0 .npy file: magic, version, header length, `header`, then `payload_bytes` zeros.
std::vector<uint8_t> npy_bytes(const std::string& header, size_t payload_bytes = 0) {
  std::vector<uint8_t> out = {0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0};
  out.push_back(static_cast<uint8_t>(header.size() & 0xff));
  out.push_back(static_cast<uint8_t>(header.size() >> 8));
  out.insert(out.end(), header.begin(), header.end());
  out.insert(out.end(), payload_bytes, 0);
  return out;
}

// fuzz_npy crash 5511aafe: a header ending right after "'fortran_order':" (only spaces after the
// colon) made std::string::compare throw std::out_of_range, which terminated the process.
TEST(CorruptNpy, FortranOrderWithoutValueIsAnError) {
  for (const std::string tail : {"", " ", "      "}) {
    SCOPED_TRACE("'" + tail + "' after the colon");
    const auto bytes = npy_bytes("{'descr': '<f4', 'shape': (1,), 'fortran_order':" + tail, 4);
    Result<Tensor> t = Status(StatusCode::kInternal, "threw");
    EXPECT_NO_THROW(t = parse_npy(bytes.data(), bytes.size(), "no-value.npy"));
    // No 'True' after the key: read as C order, like a header without the key.
    ASSERT_TRUE(t.is_ok()) << t.status().message();
    EXPECT_EQ(t->shape(), Shape{1});
  }
}

// Found by fuzz_onnx (a bool input holding 37 reached an ONNX kernel: undefined behaviour): a
// .npy bool array is checked to hold only 0 and 1.
TEST(CorruptNpy, BoolBytesOtherThanZeroOrOneAreAnError) {
  auto bytes = npy_bytes("{'descr': '|b1', 'fortran_order': False, 'shape': (3,), }", 3);
  bytes[bytes.size() - 2] = 1;
  ASSERT_TRUE(parse_npy(bytes.data(), bytes.size(), "ok.npy").is_ok());
  bytes[bytes.size() - 1] = 37;
  auto t = parse_npy(bytes.data(), bytes.size(), "bad-bool.npy");
  ASSERT_FALSE(t.is_ok());
  EXPECT_NE(t.status().message().find("bool element 2 holds byte 37"), std::string::npos)
      << t.status().message();
}

// Every truncation and every single-byte replacement of a valid header: an error or a tensor
// whose bytes lie inside the input, never an exception.
TEST(CorruptNpy, MutatedHeadersNeverThrow) {
  const std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }   \n";
  const auto valid = npy_bytes(header, 24);
  ASSERT_TRUE(parse_npy(valid.data(), valid.size(), "valid.npy").is_ok());
  for (size_t cut = 0; cut < valid.size(); ++cut) {
    EXPECT_NO_THROW({
      auto t = parse_npy(valid.data(), cut, "cut.npy");
      EXPECT_FALSE(t.is_ok()) << "cut at " << cut;
    });
  }
  for (size_t i = 10; i < 10 + header.size(); ++i) {
    for (char c : {'\0', ' ', '\'', ':', '(', ')', ',', '9', 'T'}) {
      std::vector<uint8_t> mutated = valid;
      mutated[i] = static_cast<uint8_t>(c);
      EXPECT_NO_THROW({
        auto t = parse_npy(mutated.data(), mutated.size(), "mutated.npy");
        if (t.is_ok()) {
          EXPECT_LE(t->byte_size(), mutated.size());
        }
      }) << "byte "
         << i << " set to '" << c << "'";
    }
  }
}

}  // namespace
}  // namespace outpost
