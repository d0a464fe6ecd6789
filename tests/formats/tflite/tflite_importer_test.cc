#include "formats/tflite/tflite_importer.h"

#include <gtest/gtest.h>

#include <cstring>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::add_model_spec;
using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;

Result<std::unique_ptr<Session>> open_bytes(const std::vector<uint8_t>& bytes) {
  auto owned = std::make_shared<std::vector<uint8_t>>(bytes);
  return Session::open_buffer(owned->data(), owned->size(), owned, "test.tflite");
}

void expect_error(const TfModelSpec& spec, StatusCode code, const std::string& fragment) {
  auto session = open_bytes(build_tflite(spec));
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().code(), code) << session.status().message();
  EXPECT_NE(session.status().message().find(fragment), std::string::npos) << session.status().message();
}

std::vector<float> run_add(const TfModelSpec& spec) {
  auto session = open_bytes(build_tflite(spec));
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  const float a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40};
  std::memcpy((*session)->input(0).data(), a, sizeof a);
  std::memcpy((*session)->input(1).data(), b, sizeof b);
  EXPECT_TRUE((*session)->run().is_ok());
  const float* out = (*session)->output(0).data_as<float>();
  return std::vector<float>(out, out + 4);
}

TEST(TfliteImporter, RunsABuiltModel) {
  EXPECT_EQ(run_add(add_model_spec()), (std::vector<float>{11, 22, 33, 44}));
}

TEST(TfliteImporter, ReadsOldStyleOpcodes) {
  TfModelSpec spec = add_model_spec();
  spec.old_style_opcodes = true;  // only deprecated_builtin_code, as before schema 3a
  EXPECT_EQ(run_add(spec), (std::vector<float>{11, 22, 33, 44}));
}

TEST(TfliteImporter, KeepsNamesShapesAndQuantization) {
  TfModelSpec spec = add_model_spec();
  for (auto& t : spec.tensors) {
    t.type = 3;  // uint8
    t.scale = {0.5f};
    t.zero_point = {3};
  }
  auto bytes = build_tflite(spec);
  auto graph = import_tflite(bytes.data(), bytes.size(), nullptr, "q.tflite");
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  const Value& a = graph->value(graph->inputs[0]);
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.dtype, DType::kUInt8);
  EXPECT_EQ(a.shape, (Shape{1, 2, 2, 1}));
  ASSERT_EQ(a.quant.scale.size(), 1u);
  EXPECT_FLOAT_EQ(a.quant.scale[0], 0.5f);
  EXPECT_EQ(a.quant.zero_point[0], 3);
  ASSERT_EQ(graph->nodes.size(), 1u);
  EXPECT_EQ(graph->nodes[0].op, OpKind::kAdd);
}

TEST(TfliteImporter, ReferencesWeightsInPlace) {
  TfModelSpec spec = add_model_spec();
  spec.buffers = {bytes_of(std::vector<float>{1, 1, 1, 1})};
  spec.tensors[1].buffer = 1;  // b becomes a constant
  spec.inputs = {0};
  auto bytes = build_tflite(spec);
  auto graph = import_tflite(bytes.data(), bytes.size(), nullptr, "w.tflite");
  ASSERT_TRUE(graph.is_ok()) << graph.status().message();
  const Value& b = graph->value(1);
  ASSERT_TRUE(b.is_constant());
  EXPECT_GE(b.constant.bytes, bytes.data());
  EXPECT_LT(b.constant.bytes, bytes.data() + bytes.size());  // a view into the file, not a copy
}

TEST(TfliteImporter, UnsupportedBuiltinNamesOpAndIndex) {
  TfModelSpec spec = add_model_spec();
  spec.operators[0].builtin_code = 131;  // RFFT2D
  spec.operators[0].options_type = 0;
  expect_error(spec, StatusCode::kUnsupported, "operator 0 (RFFT2D)");
}

TEST(TfliteImporter, EveryUnsupportedOperatorIsNamedAtOnce) {
  TfModelSpec spec = add_model_spec();
  testing::TfOperatorSpec second = spec.operators[0];  // the same operands, a custom op
  spec.operators[0].builtin_code = 131;  // RFFT2D
  spec.operators[0].options_type = 0;
  second.builtin_code = 32;
  second.custom_code = "MyFancyOp";
  second.options_type = 0;
  spec.operators.push_back(second);
  auto session = open_bytes(build_tflite(spec));
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().code(), StatusCode::kUnsupported);
  const std::string& msg = session.status().message();
  for (const char* part : {"2 nodes of 2 kinds cannot run", "RFFT2D x1", "operator 0",
                           "custom 'MyFancyOp' x1", "operator 1"})
    EXPECT_NE(msg.find(part), std::string::npos) << part << " missing in: " << msg;
}

TEST(TfliteImporter, UnsupportedCustomOpNamesIt) {
  TfModelSpec spec = add_model_spec();
  spec.operators[0].builtin_code = 32;
  spec.operators[0].custom_code = "MyFancyOp";
  spec.operators[0].options_type = 0;
  expect_error(spec, StatusCode::kUnsupported, "MyFancyOp");
}

TEST(TfliteImporter, UnsupportedTensorType) {
  TfModelSpec spec = add_model_spec();
  spec.tensors[0].type = 5;  // STRING
  expect_error(spec, StatusCode::kUnsupported, "tensor 0 ('a')");
}

// An int16 ADD whose scales are all powers of two, with pot_scale_int16 (`pot`: AddOptions field
// 1; absent reads as true) set or not.
TfModelSpec int16_add_spec(float scale, int pot) {
  TfModelSpec spec = add_model_spec();
  for (auto& t : spec.tensors) {
    t.type = 7;  // INT16
    t.scale = {scale};
    t.zero_point = {0};
  }
  if (pot >= 0) spec.operators[0].options.push_back({1, 1, pot});
  return spec;
}

TEST(TfliteImporter, Int16AddOfPowerOfTwoScalesIsRefusedByName) {
  // TFLite runs these through its power-of-two (LSTM-cell) kernel, another arithmetic.
  expect_error(int16_add_spec(1.0f / 4096, -1), StatusCode::kUnsupported,
               "ADD int16 with power-of-two scales and pot_scale_int16");
  expect_error(int16_add_spec(1.0f / 4096, 1), StatusCode::kUnsupported, "pot_scale_int16");
}

TEST(TfliteImporter, Int16AddOfTheGeneralFormLoads) {
  for (auto [scale, pot] : {std::pair{1.0f / 4096, 0}, std::pair{0.0002f, -1}}) {
    auto session = open_bytes(build_tflite(int16_add_spec(scale, pot)));
    ASSERT_TRUE(session.is_ok()) << session.status().message();
    EXPECT_EQ((*session)->output(0).dtype(), DType::kInt16);
  }
}

TEST(TfliteImporter, AbsurdShapeIsInvalid) {
  TfModelSpec spec = add_model_spec();
  spec.tensors[0].shape = {1 << 30, 1 << 30, 1 << 30};
  expect_error(spec, StatusCode::kInvalidModel, "absurdly large");
}

TEST(TfliteImporter, NegativeDimensionIsInvalid) {
  TfModelSpec spec = add_model_spec();
  spec.tensors[2].shape = {1, -2, 2, 1};
  expect_error(spec, StatusCode::kInvalidModel, "negative dimension");
}

TEST(TfliteImporter, BufferIndexOutOfRange) {
  TfModelSpec spec = add_model_spec();
  spec.tensors[1].buffer = 1000000;
  expect_error(spec, StatusCode::kInvalidModel, "buffer 1000000");
}

TEST(TfliteImporter, BufferOfWrongSize) {
  TfModelSpec spec = add_model_spec();
  spec.buffers = {bytes_of(std::vector<float>{1, 2, 3})};
  spec.tensors[1].buffer = 1;
  spec.inputs = {0};
  expect_error(spec, StatusCode::kInvalidModel, "needs 16");
}

TEST(TfliteImporter, TensorIndexOutOfRange) {
  TfModelSpec spec = add_model_spec();
  spec.operators[0].inputs = {0, 99999};
  expect_error(spec, StatusCode::kInvalidModel, "tensor 99999");
  spec = add_model_spec();
  spec.outputs = {-5};
  expect_error(spec, StatusCode::kInvalidModel, "tensor -5");
}

TEST(TfliteImporter, QuantizationCountMismatch) {
  TfModelSpec spec = add_model_spec();
  spec.tensors[0].type = 3;
  spec.tensors[0].scale = {0.5f, 0.25f, 1.0f};
  spec.tensors[0].zero_point = {0, 0};
  expect_error(spec, StatusCode::kInvalidModel, "3 scales but 2 zero points");
}

TEST(TfliteImporter, NonPositiveScaleIsInvalid) {
  TfModelSpec spec = add_model_spec();
  spec.tensors[0].type = 3;
  spec.tensors[0].scale = {0.0f};
  spec.tensors[0].zero_point = {0};
  expect_error(spec, StatusCode::kInvalidModel, "not a positive number");
}

TEST(TfliteImporter, UnknownSchemaVersion) {
  TfModelSpec spec = add_model_spec();
  spec.version = 7;
  expect_error(spec, StatusCode::kInvalidModel, "schema version 7");
}

TEST(TfliteImporter, ReadBeforeWriteIsACycle) {
  TfModelSpec spec = add_model_spec();
  spec.tensors.push_back({{1, 2, 2, 1}, 0, 0, "later"});
  spec.operators[0].inputs = {0, 3};  // reads 'later', produced by the next operator
  auto second = spec.operators[0];
  second.inputs = {2, 1};
  second.outputs = {3};
  spec.operators.push_back(second);
  expect_error(spec, StatusCode::kInvalidModel, "before any node produces it");
}

TEST(TfliteImporter, BroadcastMismatchIsAShapeError) {
  TfModelSpec spec = add_model_spec();
  spec.tensors[1].shape = {1, 3, 2, 1};
  expect_error(spec, StatusCode::kShapeMismatch, "do not broadcast");
}

TEST(TfliteImporter, NotAFlatbuffer) {
  std::vector<uint8_t> junk(64, 0xab);
  std::memcpy(junk.data() + 4, "TFL3", 4);
  auto session = open_bytes(junk);
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().code(), StatusCode::kInvalidModel);
}

TEST(TfliteImporter, UnknownFormat) {
  std::vector<uint8_t> junk(64, 'x');
  auto session = open_bytes(junk);
  ASSERT_FALSE(session.is_ok());
  EXPECT_EQ(session.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(session.status().message().find("TFL3"), std::string::npos);
}

}  // namespace
}  // namespace outpost
