// TFLite's FULLY_CONNECTED and ONNX's Gemm import to the one IR op Gemm (docs/ops.md). TFLite's
// reads its input as rows of I values whatever its rank and may keep the leading dimensions
// (keep_num_dims); the importer puts Reshapes around the Gemm for that, so that a Gemm always
// multiplies matrices (formats/tflite/tflite_fully_connected.h).
#include <gtest/gtest.h>

#include "formats/onnx/onnx_importer.h"
#include "formats/onnx/onnx_model_builder.h"
#include "formats/tflite/tflite_importer.h"
#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::bytes_of;
using testing::TfModelSpec;

constexpr int32_t kTfliteFullyConnected = 9;
constexpr uint8_t kFullyConnectedOptions = 8;
constexpr int8_t kFloat32 = 0, kUInt8 = 3;

struct Fc {
  std::vector<int32_t> x;  // input shape
  std::vector<int32_t> y;  // declared output shape
  int32_t activation = 0;  // TFLite's fused activation code: 0 none, 1 relu
  int32_t keep_num_dims = 0;
  int8_t weights_type = kFloat32;
};

// x -> FULLY_CONNECTED(weights [[1, 10]], bias [0.5]) -> y: each row (a, b) gives a + 10 b + 0.5.
TfModelSpec fully_connected(const Fc& fc) {
  TfModelSpec spec;
  spec.tensors = {{fc.x, kFloat32, 0, "x"},
                  {{1, 2}, fc.weights_type, 1, "w"},
                  {{1}, kFloat32, 2, "bias"},
                  {fc.y, kFloat32, 0, "y"}};
  if (fc.weights_type == kUInt8) {
    spec.tensors[1].scale = {1.0f};
    spec.tensors[1].zero_point = {0};
    spec.buffers = {std::vector<uint8_t>{1, 10}};
  } else {
    spec.buffers = {bytes_of(std::vector<float>{1, 10})};
  }
  spec.buffers.push_back(bytes_of(std::vector<float>{0.5f}));
  testing::TfOperatorSpec op;
  op.builtin_code = kTfliteFullyConnected;
  op.inputs = {0, 1, 2};
  op.outputs = {3};
  op.options_type = kFullyConnectedOptions;
  op.options = {{0, 1, fc.activation}, {2, 1, fc.keep_num_dims}};
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {3};
  return spec;
}

Result<Graph> import_spec(const TfModelSpec& spec) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  return import_tflite(bytes->data(), bytes->size(), bytes, "fc.tflite");
}

std::vector<OpKind> ops_of(const Graph& g) {
  std::vector<OpKind> ops;
  for (const Node& n : g.nodes) ops.push_back(n.op);
  return ops;
}

const Node* gemm_of(const Graph& g) {
  for (const Node& n : g.nodes)
    if (n.op == OpKind::kGemm) return &n;
  return nullptr;
}

// Runs the model on x = 1, 2, 3, ... and returns y and its shape.
std::vector<float> run(const TfModelSpec& spec, const std::string& backend, Shape* shape) {
  auto owned = std::make_shared<std::vector<uint8_t>>(build_tflite(spec));
  SessionOptions options;
  options.backend = backend;
  auto session = Session::open_buffer(owned->data(), owned->size(), owned, "fc.tflite", options);
  EXPECT_TRUE(session.is_ok()) << session.status().message();
  if (!session.is_ok()) return {};
  Session& s = **session;
  Tensor& x = s.input(0);
  for (int64_t i = 0; i < x.num_elements(); ++i) x.data_as<float>()[i] = static_cast<float>(i + 1);
  const Status ran = s.run();
  EXPECT_TRUE(ran.is_ok()) << ran.message();
  const Tensor& y = s.output(0);
  *shape = y.shape();
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

TEST(FullyConnectedImport, AMatrixInputIsOneGemm) {
  const auto g = import_spec(fully_connected({{2, 2}, {2, 1}, /*relu*/ 1}));
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  ASSERT_EQ(ops_of(g.value()), std::vector<OpKind>{OpKind::kGemm});
  const Node& n = g->nodes[0];
  EXPECT_EQ(n.attrs.get_int("transB", 0), 1);
  EXPECT_EQ(n.attrs.get_int("transA", 0), 0);
  EXPECT_EQ(n.attrs.get_string("activation", ""), "relu");
  EXPECT_FALSE(n.attrs.has("keep_num_dims"));

  auto m = testing::onnx_model(13);
  testing::add_input(m, "a", {2, 2});
  testing::add_input(m, "b", {1, 2});
  testing::set_int_attr(testing::add_node(m, "Gemm", {"a", "b"}, {"y"}), "transB", 1);
  testing::add_output(m, "y");
  const std::vector<uint8_t> bytes = testing::serialize(m);
  const auto onnx_graph = import_onnx(bytes.data(), bytes.size(), "gemm.onnx");
  ASSERT_TRUE(onnx_graph.is_ok()) << onnx_graph.status().message();
  EXPECT_EQ(ops_of(onnx_graph.value()), std::vector<OpKind>{OpKind::kGemm});
}

TEST(FullyConnectedImport, OtherInputsAreFlattenedToRows) {
  // x [2, 1, 2] is two rows, (1, 2) and (3, 4): y [2, 1] = (21.5, 43.5).
  const Fc fc{{2, 1, 2}, {2, 1}};
  const auto g = import_spec(fully_connected(fc));
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(ops_of(g.value()), (std::vector<OpKind>{OpKind::kReshape, OpKind::kGemm}));
  EXPECT_EQ(g->value(gemm_of(g.value())->inputs[0]).shape, (Shape{2, 2}));
  for (const char* backend : {"ref", "auto"}) {
    Shape shape;
    EXPECT_EQ(run(fully_connected(fc), backend, &shape), (std::vector<float>{21.5f, 43.5f}))
        << backend;
    EXPECT_EQ(shape, (Shape{2, 1})) << backend;
  }
}

TEST(FullyConnectedImport, KeepNumDimsReshapesTheProductBack) {
  const Fc fc{{2, 1, 2}, {2, 1, 1}, 0, /*keep_num_dims*/ 1};
  const auto g = import_spec(fully_connected(fc));
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(ops_of(g.value()), (std::vector<OpKind>{OpKind::kReshape, OpKind::kGemm, OpKind::kReshape}));
  for (const char* backend : {"ref", "auto"}) {
    Shape shape;
    EXPECT_EQ(run(fully_connected(fc), backend, &shape), (std::vector<float>{21.5f, 43.5f}))
        << backend;
    EXPECT_EQ(shape, (Shape{2, 1, 1})) << backend;
  }
  // A matrix input keeps its dimensions anyway: one Gemm.
  const auto matrix = import_spec(fully_connected({{2, 2}, {2, 1}, 0, 1}));
  ASSERT_TRUE(matrix.is_ok()) << matrix.status().message();
  EXPECT_EQ(ops_of(matrix.value()), std::vector<OpKind>{OpKind::kGemm});
}

TEST(FullyConnectedImport, OperandsTfliteRefusesAreAnInvalidModel) {
  // Three values do not divide into rows of 2; keep_num_dims needs the last dimension to be 2.
  for (const Fc& fc : {Fc{{1, 3}, {1, 1}}, Fc{{2, 2, 1}, {2, 2, 1}, 0, 1}}) {
    const auto g = import_spec(fully_connected(fc));
    ASSERT_FALSE(g.is_ok());
    EXPECT_EQ(g.status().code(), StatusCode::kInvalidModel) << g.status().message();
    EXPECT_NE(g.status().message().find("FULLY_CONNECTED"), std::string::npos)
        << g.status().message();
  }
}

TEST(FullyConnectedImport, HybridWeightsAreNamedAsUnsupported) {
  const auto g = import_spec(fully_connected({{1, 2}, {1, 1}, 0, 0, kUInt8}));
  ASSERT_FALSE(g.is_ok());
  EXPECT_EQ(g.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(g.status().message().find("hybrid FULLY_CONNECTED"), std::string::npos)
      << g.status().message();
}

}  // namespace
}  // namespace outpost
