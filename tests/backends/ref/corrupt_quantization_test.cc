// Quantization parameters a hostile file can give that have no fixed-point form. fuzz_tflite
// crash-25b2d49e: a LEAKY_RELU whose alpha made its multiplier infinite, converted to int64
// (undefined behaviour, reported by UBSan) instead of being refused.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "backends/ref/quant_math.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

TEST(CorruptQuantization, AnInfiniteMultiplierHasNoFixedPointForm) {
  for (double real : {std::numeric_limits<double>::infinity(), -std::numeric_limits<double>::infinity(),
                      std::numeric_limits<double>::quiet_NaN()}) {
    const quant::QuantizedMultiplier m = quant::quantize_multiplier(real);
    EXPECT_EQ(m.multiplier, 0);
    EXPECT_EQ(m.shift, 0);
  }
}

TEST(CorruptQuantization, ALeakyReluWhoseAlphaIsInfiniteIsAnInvalidModel) {
  const QuantParams q{{0.5f}, {128}, 0};
  Attributes a;
  a.set("alpha", std::numeric_limits<float>::infinity());
  auto r = testing::run_op(OpKind::kLeakyRelu, a, {{testing::make_typed<uint8_t>({2}, {0, 255}, q)}},
                           {{DType::kUInt8, q}});
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel) << r.status().message();
  EXPECT_NE(r.status().message().find("not a finite number"), std::string::npos)
      << r.status().message();
}

}  // namespace
}  // namespace outpost
