// Which TFLite builtin codes the importer translates: translates_builtin answers what
// translate_operator does, code by code, and knows the names of every code of the schema.
#include "formats/tflite/tflite_ops.h"

#include <flatbuffers/flatbuffers.h>
#include <gtest/gtest.h>

#include <string>

namespace outpost::tflite {
namespace {

// An operator with no fields: every option takes its default, which each translated builtin
// accepts, so translate_operator refuses it only for a code it does not translate.
class EmptyOperator {
 public:
  EmptyOperator() {
    const flatbuffers::uoffset_t start = builder_.StartTable();
    builder_.Finish(flatbuffers::Offset<Operator>(builder_.EndTable(start)));
  }
  const Operator& get() const { return *flatbuffers::GetRoot<Operator>(builder_.GetBufferPointer()); }

 private:
  flatbuffers::FlatBufferBuilder builder_;
};

Status translate(int32_t code, const std::string& custom_code = "") {
  EmptyOperator op;
  Node node;
  return translate_operator(op.get(), code, custom_code, node, "test");
}

TEST(TfliteOps, KnownCodesAnswerAsTheImporter) {
  EXPECT_TRUE(translates_builtin(3));    // CONV_2D
  EXPECT_TRUE(translates_builtin(124));  // DENSIFY
  EXPECT_FALSE(translates_builtin(56));  // ARG_MAX
  EXPECT_FALSE(translates_builtin(32));  // CUSTOM: only through the custom ops it names
  EXPECT_FALSE(translates_builtin(150));  // GELU
  EXPECT_FALSE(translates_builtin(-1));
  EXPECT_FALSE(translates_builtin(builtin_count()));
}

TEST(TfliteOps, TranslatesBuiltinAgreesWithTranslateOperator) {
  for (int32_t code = 0; code < builtin_count() + 5; ++code) {
    const Status s = translate(code);
    if (translates_builtin(code))
      EXPECT_TRUE(s.is_ok()) << builtin_name(code) << ": " << s.message();
    else
      EXPECT_EQ(s.code(), StatusCode::kUnsupported)
          << builtin_name(code) << " (code " << code
          << ") is translated by translate_operator: add it to kTranslatedBuiltins";
  }
}

TEST(TfliteOps, CustomOpsTranslateByName) {
  // Without their options both named custom ops are invalid, not unsupported.
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
