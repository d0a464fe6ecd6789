// Flatbuffer vectors a file places where a typed load would be misaligned (fuzz_tflite found int64
// zero points at an address 4 mod 8: undefined behaviour, a trap on some ARM cores). The
// verifier checks only that a vector's length is 4-aligned, so the importer copies such elements
// out byte-wise; and a model held at an odd address is read from an aligned copy. Suite names
// contain 'Corrupt', so the sanitizer build runs these and reports any misaligned load.
#include <gtest/gtest.h>

#include <cstring>
#include <optional>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

constexpr int64_t kZeroPoint = 77;

// uint8 [1, 4] -> RESHAPE -> uint8 [1, 4], both quantized with scale 0.5 and zero point 77.
std::vector<uint8_t> quantized_reshape() {
  testing::TfModelSpec spec;
  spec.tensors = {{{1, 4}, 3, 0, "in", {0.5f}, {kZeroPoint}},
                  {{1, 4}, 3, 0, "out", {0.5f}, {kZeroPoint}}};
  testing::TfOperatorSpec reshape;
  reshape.builtin_code = 22;
  reshape.inputs = {0};
  reshape.outputs = {1};
  spec.operators = {reshape};
  spec.inputs = {0};
  spec.outputs = {1};
  return testing::build_tflite(spec);
}

uint32_t u32_at(const std::vector<uint8_t>& b, size_t at) {
  uint32_t v;
  std::memcpy(&v, b.data() + at, 4);
  return v;
}

// Moves every zero-point vector (length 1, value kZeroPoint) to the end of the file at an offset
// 4 mod 8, so that its int64 element sits at 4 mod 8, and points its table field there.
std::optional<std::vector<uint8_t>> with_misaligned_zero_points(std::vector<uint8_t> model) {
  uint8_t vector[12] = {1, 0, 0, 0};
  std::memcpy(vector + 4, &kZeroPoint, 8);
  int moved = 0;
  const size_t original = model.size();
  for (size_t at = 0; at + sizeof(vector) <= original; at += 4) {
    if (std::memcmp(model.data() + at, vector, sizeof(vector)) != 0) continue;
    // The uoffset field that points at it (value = target - field's offset): the builder writes
    // back to front, so the quantization table that refers to it lies just below it.
    for (size_t field = at - 4; field < at; field -= 4) {
      if (u32_at(model, field) != at - field) continue;
      while (model.size() % 8 != 0) model.push_back(0);
      const size_t moved_to = model.size();
      model.insert(model.end(), vector, vector + sizeof(vector));  // length at 0 mod 8
      const uint32_t offset = static_cast<uint32_t>(moved_to - field);
      std::memcpy(model.data() + field, &offset, 4);
      ++moved;
      break;
    }
  }
  if (moved != 2) return std::nullopt;
  return model;
}

TEST(CorruptTfliteAlignment, Int64ZeroPointsAtAnAddressFourModEight) {
  auto model = with_misaligned_zero_points(quantized_reshape());
  ASSERT_TRUE(model.has_value()) << "the builder's layout changed: no zero-point vectors found";
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(*model));
  auto session = Session::open_buffer(owned->data(), owned->size(), owned, "misaligned.tflite");
  ASSERT_TRUE(session.is_ok()) << session.status().message();
  ASSERT_EQ((*session)->input(0).quant.zero_point.size(), 1u);
  EXPECT_EQ((*session)->input(0).quant.zero_point[0], kZeroPoint);
  EXPECT_FLOAT_EQ((*session)->input(0).quant.scale[0], 0.5f);
  EXPECT_TRUE((*session)->run().is_ok());
}

TEST(CorruptTfliteAlignment, AModelAtAnOddAddressLoads) {
  const std::vector<uint8_t> model = quantized_reshape();
  for (size_t shift : {1, 2, 4}) {
    SCOPED_TRACE(shift);
    auto owned = std::make_shared<std::vector<uint8_t>>(shift, 0);
    owned->insert(owned->end(), model.begin(), model.end());
    auto session =
        Session::open_buffer(owned->data() + shift, model.size(), owned, "shifted.tflite");
    ASSERT_TRUE(session.is_ok()) << session.status().message();
    EXPECT_EQ((*session)->input(0).quant.zero_point[0], kZeroPoint);
    EXPECT_TRUE((*session)->run().is_ok());
  }
}

}  // namespace
}  // namespace outpost
