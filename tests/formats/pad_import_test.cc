// TFLite PAD and ONNX Pad import to the one IR op Pad (docs/ops.md): x, pads int64 [2 * rank]
// (every begin, then every end). The TFLite importer rewrites PAD's [rank, 2] paddings into
// that form; an ONNX Pad already has it.
#include <gtest/gtest.h>

#include <cstring>

#include "formats/onnx/onnx_importer.h"
#include "formats/onnx/onnx_model_builder.h"
#include "formats/tflite/tflite_importer.h"
#include "ir/constant_ints.h"
#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;

constexpr int32_t kTflitePad = 34;

// y = PAD(x [1, 2, 3], paddings (0, 0), (1, 0), (2, 1)) -> [1, 3, 6]. `type` is x's TFLite type
// (0 float32, 3 uint8).
TfModelSpec tflite_pad(int8_t type = 0) {
  TfModelSpec spec;
  spec.tensors = {{{1, 2, 3}, type, 0, "x"}, {{3, 2}, 2, 1, "paddings"}, {{1, 3, 6}, type, 0, "y"}};
  if (type == 3)
    for (size_t t : {0u, 2u}) {
      spec.tensors[t].scale = {0.5f};
      spec.tensors[t].zero_point = {5};
    }
  spec.buffers = {bytes_of(std::vector<int32_t>{0, 0, 1, 0, 2, 1})};
  testing::TfOperatorSpec pad;
  pad.builtin_code = kTflitePad;
  pad.inputs = {0, 1};
  pad.outputs = {2};
  spec.operators = {pad};
  spec.inputs = {0};
  spec.outputs = {2};
  return spec;
}

// The same Pad in ONNX (opset 13): pads [0, 1, 2, 0, 0, 1].
onnx::ModelProto onnx_pad() {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 2, 3});
  testing::add_int64_initializer(m, "pads", {6}, {0, 1, 2, 0, 0, 1});
  testing::add_node(m, "Pad", {"x", "pads"}, {"y"});
  testing::add_output(m, "y");
  return m;
}

constexpr float kExpected[18] = {0, 0, 0, 0, 0, 0,  //
                                 0, 0, 1, 2, 3, 0,  //
                                 0, 0, 4, 5, 6, 0};

std::vector<int64_t> pads_of(const Graph& g) {
  const Value& pads = g.value(g.nodes[0].inputs[1]);
  EXPECT_TRUE(pads.is_constant());
  EXPECT_EQ(pads.dtype, DType::kInt64);
  return constant_ints(pads);
}

Result<std::unique_ptr<Session>> open(std::vector<uint8_t> bytes, const std::string& name) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  return Session::open_buffer(owned->data(), owned->size(), owned, name);
}

std::vector<float> run_floats(Session& s) {
  float* x = s.input(0).data_as<float>();
  for (int i = 0; i < 6; ++i) x[i] = static_cast<float>(i + 1);
  EXPECT_TRUE(s.run().is_ok());
  const Tensor& y = s.output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

TEST(PadImport, TfliteAndOnnxGiveTheSameOp) {
  const auto tfl = build_tflite(tflite_pad());
  auto from_tflite = import_tflite(tfl.data(), tfl.size(), nullptr, "pad.tflite");
  ASSERT_TRUE(from_tflite.is_ok()) << from_tflite.status().message();
  const auto onnx = testing::serialize(onnx_pad());
  auto from_onnx = import_onnx(onnx.data(), onnx.size(), "pad.onnx");
  ASSERT_TRUE(from_onnx.is_ok()) << from_onnx.status().message();
  for (const Graph* g : {&*from_tflite, &*from_onnx}) {
    ASSERT_EQ(g->nodes.size(), 1u);
    EXPECT_EQ(g->nodes[0].op, OpKind::kPad);
    EXPECT_EQ(g->nodes[0].inputs.size(), 2u);
    EXPECT_EQ(pads_of(*g), (std::vector<int64_t>{0, 1, 2, 0, 0, 1})) << g->source;
    EXPECT_EQ(g->nodes[0].attrs.get_string("mode", "constant"), "constant");
  }
  const std::vector<float> expected(std::begin(kExpected), std::end(kExpected));
  for (auto& [bytes, name] : {std::pair{tfl, "pad.tflite"}, std::pair{onnx, "pad.onnx"}}) {
    auto s = open(bytes, name);
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    EXPECT_EQ(run_floats(**s), expected) << name;
  }
}

TEST(PadImport, QuantizedTflitePadKeepsPaddingWithTheZeroPoint) {
  auto s = open(build_tflite(tflite_pad(3)), "pad_u8.tflite");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  uint8_t* x = (*s)->input(0).data_as<uint8_t>();
  for (int i = 0; i < 6; ++i) x[i] = static_cast<uint8_t>(10 + i);
  ASSERT_TRUE((*s)->run().is_ok());
  const uint8_t* y = (*s)->output(0).data_as<uint8_t>();
  EXPECT_EQ(std::vector<uint8_t>(y, y + 18),
            (std::vector<uint8_t>{5, 5, 5, 5, 5, 5, 5, 5, 10, 11, 12, 5, 5, 5, 13, 14, 15, 5}));
}

TEST(PadImport, OnnxAttributeFormKeepsOneInput) {
  // Pad before opset 11: pads and value are attributes (docs/ops.md).
  auto m = testing::onnx_model(10);
  testing::add_input(m, "x", {1, 2, 3});
  testing::set_ints_attr(testing::add_node(m, "Pad", {"x"}, {"y"}), "pads", {0, 1, 2, 0, 0, 1});
  testing::add_output(m, "y");
  const auto bytes = testing::serialize(m);
  auto g = import_onnx(bytes.data(), bytes.size(), "pad10.onnx");
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(g->nodes[0].op, OpKind::kPad);
  EXPECT_EQ(g->nodes[0].inputs.size(), 1u);
  auto s = open(bytes, "pad10.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(run_floats(**s), std::vector<float>(std::begin(kExpected), std::end(kExpected)));
}

TEST(PadImport, TflitePaddingsTfliteWouldRefuseAreInvalid) {
  TfModelSpec negative = tflite_pad();
  negative.buffers = {bytes_of(std::vector<int32_t>{0, 0, 1, 0, 2, -1})};
  negative.tensors[2].shape = {1, 3, 4};
  TfModelSpec flat = tflite_pad();
  flat.tensors[1].shape = {6};
  for (const TfModelSpec& spec : {negative, flat}) {
    auto s = open(build_tflite(spec), "bad_pad.tflite");
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.status().code(), StatusCode::kInvalidModel) << s.status().message();
    EXPECT_NE(s.status().message().find("operator 0 (PAD)"), std::string::npos)
        << s.status().message();
  }
}

TEST(PadImport, TflitePaddingsComputedAtRunTimeAreUnsupported) {
  TfModelSpec spec = tflite_pad();
  spec.tensors[1].buffer = 0;  // no data: a graph input
  spec.inputs = {0, 1};
  auto s = open(build_tflite(spec), "runtime_pad.tflite");
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find("paddings computed at run time"), std::string::npos)
      << s.status().message();
}

}  // namespace
}  // namespace outpost
