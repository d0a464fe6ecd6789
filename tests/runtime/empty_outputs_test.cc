// A node whose outputs are all empty is not run: a kernel may still loop over the other
// dimensions of an empty tensor (fuzz_tflite timeout-00c35244: an AVERAGE_POOL_2D over
// [100663297, 7, 50331655, 0] walked 3.5e16 output positions of no channels). Nor may it
// multiply those dimensions when it is made (crash-0369485a, PAD).
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::TfModelSpec;
using testing::TfOperatorSpec;

constexpr int8_t kF32 = 0;
constexpr int32_t kAveragePool2d = 1, kMaxPool2d = 17;

// Opens the model on the automatic backends and on the reference one alone, runs it once, and
// checks that its output 0 is empty, of `shape`.
void expect_an_empty_output_on_every_backend(const TfModelSpec& spec, const Shape& shape) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  for (const std::string backend : {"auto", "ref"}) {
    SCOPED_TRACE(backend);
    SessionOptions o;
    o.backend = backend;
    auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "empty.tflite", o);
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    ASSERT_TRUE((*s)->run().is_ok());
    EXPECT_EQ((*s)->output(0).num_elements(), 0);
    EXPECT_EQ((*s)->output(0).shape(), shape);
  }
}

TEST(CorruptEmptyOutputs, APoolOverHugeDimensionsOfNoChannelsReturnsAtOnce) {
  for (const int32_t code : {kAveragePool2d, kMaxPool2d}) {
    TfModelSpec spec;
    const std::vector<int32_t> shape = {1 << 26, 7, 1 << 25, 0};
    spec.tensors = {{shape, kF32, 0, "x"}, {shape, kF32, 0, "y"}};
    TfOperatorSpec pool{code, "", {0}, {1}};
    pool.options_type = 5;  // Pool2DOptions: VALID, strides 1, a 1x1 filter
    pool.options = {{0, 1, 1}, {1, 4, 1}, {2, 4, 1}, {3, 4, 1}, {4, 4, 1}};
    spec.operators = {pool};
    spec.inputs = {0};
    spec.outputs = {1};
    expect_an_empty_output_on_every_backend(spec, Shape({1 << 26, 7, 1 << 25, 0}));
  }
}

// fuzz_tflite crash-0369485a: a PAD whose output has no elements, but whose other dimensions
// multiply past int64, overflowed the reference kernel's output strides when it was made.
TEST(CorruptEmptyOutputs, APadOfNoElementsOverHugeDimensionsIsMadeAndRuns) {
  constexpr int32_t kPad = 34;
  constexpr int8_t kI32 = 2;
  TfModelSpec spec;
  const std::vector<int32_t> shape = {0, 1 << 30, 1 << 30, 1 << 30};
  spec.tensors = {{shape, kF32, 0, "x"}, {{4, 2}, kI32, 1, "paddings"}, {shape, kF32, 0, "y"}};
  spec.buffers = {testing::bytes_of(std::vector<int32_t>(8, 0))};
  spec.operators = {TfOperatorSpec{kPad, "", {0, 1}, {2}}};
  spec.inputs = {0};
  spec.outputs = {2};
  expect_an_empty_output_on_every_backend(spec, Shape({0, 1 << 30, 1 << 30, 1 << 30}));
}

}  // namespace
}  // namespace outpost
