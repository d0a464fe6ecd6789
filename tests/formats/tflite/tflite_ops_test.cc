// Which TFLite builtin codes the importer translates: translates_builtin answers what
// translate_operator does, code by code, and knows the names of every code of the schema.
#include "formats/tflite/tflite_ops.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

#include "support/tflite_bare_operator.h"

namespace outpost::tflite {
namespace {

Status translate(int32_t code, const std::string& custom_code = "") {
  return testing::translate_bare_operator(code, custom_code);
}

TEST(TfliteOps, KnownCodesAnswerAsTheImporter) {
  EXPECT_TRUE(translates_builtin(3));     // CONV_2D
  EXPECT_TRUE(translates_builtin(124));   // DENSIFY
  EXPECT_TRUE(translates_builtin(56));    // ARG_MAX
  EXPECT_TRUE(translates_builtin(156));   // ATAN2
  EXPECT_FALSE(translates_builtin(131));  // RFFT2D
  EXPECT_FALSE(translates_builtin(32));   // CUSTOM: only through the custom ops it names
  EXPECT_TRUE(translates_builtin(150));   // GELU
  EXPECT_TRUE(translates_builtin(16));    // LSTM
  EXPECT_TRUE(translates_builtin(27));    // SVDF
  EXPECT_FALSE(translates_builtin(31));   // CALL
  EXPECT_FALSE(translates_builtin(-1));
  EXPECT_FALSE(translates_builtin(builtin_count()));
}

TEST(TfliteOps, TranslatesBuiltinAgreesWithTranslateOperator) {
  // Builtins whose options TFLite requires: without them the model is invalid, as in TFLite.
  const std::set<int32_t> options_required = {80 /* FAKE_QUANT */, 147 /* BUCKETIZE */};
  for (int32_t code = 0; code < builtin_count() + 5; ++code) {
    const Status s = translate(code);
    if (options_required.count(code))
      EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << builtin_name(code) << ": " << s.message();
    else if (translates_builtin(code))
      EXPECT_TRUE(s.is_ok()) << builtin_name(code) << ": " << s.message();
    else
      EXPECT_EQ(s.code(), StatusCode::kUnsupported)
          << builtin_name(code) << " (code " << code
          << ") is translated by translate_operator: add it to kTranslatedBuiltins";
  }
}

TEST(TfliteOps, CustomOpsTranslateByName) {
  EXPECT_NE(translate(32, "TFLite_Detection_PostProcess").code(), StatusCode::kUnsupported);
  EXPECT_NE(translate(32, "Convolution2DTransposeBias").code(), StatusCode::kUnsupported);
  EXPECT_EQ(translate(32, "MyFancyOp").code(), StatusCode::kUnsupported);
}

TEST(TfliteOps, NamesEveryCodeOfTheSchema) {
  EXPECT_EQ(builtin_count(), 210);
  EXPECT_EQ(builtin_name(0), "ADD");
  EXPECT_EQ(builtin_name(126), "BATCH_MATMUL");
  EXPECT_EQ(builtin_name(127), "PLACEHOLDER_FOR_GREATER_OP_CODES");
  EXPECT_EQ(builtin_name(128), "CUMSUM");
  EXPECT_EQ(builtin_name(150), "GELU");
  EXPECT_EQ(builtin_name(162), "STABLEHLO_LOGISTIC");
  EXPECT_EQ(builtin_name(203), "DILATE");
  EXPECT_EQ(builtin_name(209), "STABLEHLO_CASE");
  EXPECT_EQ(builtin_name(210), "BUILTIN_210");
  EXPECT_EQ(builtin_name(-3), "BUILTIN_-3");
}

}  // namespace
}  // namespace outpost::tflite
