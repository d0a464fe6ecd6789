// TFLite DEPTH_TO_SPACE and ONNX DepthToSpace import to the one IR op DepthToSpace
// (docs/ops.md): attributes blocksize and mode, and channels_last, which carries the formats'
// difference: TFLite's is NHWC (channels_last = 1) in DCR order, ONNX's NCHW in either order.
#include <gtest/gtest.h>

#include <cstring>

#include "formats/onnx/onnx_importer.h"
#include "formats/onnx/onnx_model_builder.h"
#include "formats/tflite/tflite_importer.h"
#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::build_tflite;
using testing::TfModelSpec;

constexpr int32_t kTfliteDepthToSpace = 5;
constexpr uint8_t kDepthToSpaceOptions = 94;

// One logical tensor, [N, C, H, W] = [1, 4, 1, 2], with value 10 * c + w, block 2. The output
// has one channel, so its NHWC and NCHW memory orders are the same.
const std::vector<float> kNchw = {0, 1, 10, 11, 20, 21, 30, 31};
const std::vector<float> kNhwc = {0, 10, 20, 30, 1, 11, 21, 31};
// DCR: out[h * 2 + i][w * 2 + j] = x[(i * 2 + j)][h][w].
const std::vector<float> kDcr = {0, 10, 1, 11, 20, 30, 21, 31};

TfModelSpec tflite_depth_to_space() {
  TfModelSpec spec;
  spec.tensors = {{{1, 1, 2, 4}, 0, 0, "x"}, {{1, 2, 4, 1}, 0, 0, "y"}};
  testing::TfOperatorSpec op;
  op.builtin_code = kTfliteDepthToSpace;
  op.inputs = {0};
  op.outputs = {1};
  op.options_type = kDepthToSpaceOptions;
  op.options = {{0, 4, 2}};  // block_size
  spec.operators = {op};
  spec.inputs = {0};
  spec.outputs = {1};
  return spec;
}

onnx::ModelProto onnx_depth_to_space(const std::string& mode = "") {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 4, 1, 2});
  auto* n = testing::add_node(m, "DepthToSpace", {"x"}, {"y"});
  testing::set_int_attr(n, "blocksize", 2);
  if (!mode.empty()) {
    auto* a = n->add_attribute();
    a->set_name("mode");
    a->set_type(onnx::AttributeProto::STRING);
    a->set_s(mode);
  }
  testing::add_output(m, "y");
  return m;
}

Result<std::unique_ptr<Session>> open(std::vector<uint8_t> bytes, const std::string& name) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  return Session::open_buffer(owned->data(), owned->size(), owned, name);
}

std::vector<float> run(Session& s, const std::vector<float>& x) {
  std::memcpy(s.input(0).data(), x.data(), x.size() * sizeof(float));
  EXPECT_TRUE(s.run().is_ok());
  const Tensor& y = s.output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

TEST(DepthToSpaceImport, TfliteAndOnnxGiveTheSameOp) {
  const auto tfl = build_tflite(tflite_depth_to_space());
  auto from_tflite = import_tflite(tfl.data(), tfl.size(), nullptr, "d2s.tflite");
  ASSERT_TRUE(from_tflite.is_ok()) << from_tflite.status().message();
  const auto onnx = testing::serialize(onnx_depth_to_space());
  auto from_onnx = import_onnx(onnx.data(), onnx.size(), "d2s.onnx");
  ASSERT_TRUE(from_onnx.is_ok()) << from_onnx.status().message();
  for (const Graph* g : {&*from_tflite, &*from_onnx}) {
    ASSERT_EQ(g->nodes.size(), 1u);
    const Node& n = g->nodes[0];
    EXPECT_EQ(n.op, OpKind::kDepthToSpace);
    EXPECT_EQ(n.attrs.get_int("blocksize", 0), 2) << g->source;
    EXPECT_EQ(n.attrs.get_string("mode", "DCR"), "DCR") << g->source;
  }
  EXPECT_EQ(from_tflite->nodes[0].attrs.get_int("channels_last", 0), 1);
  EXPECT_EQ(from_onnx->nodes[0].attrs.get_int("channels_last", 0), 0);

  auto t = open(tfl, "d2s.tflite");
  ASSERT_TRUE(t.is_ok()) << t.status().message();
  EXPECT_EQ((*t)->output(0).shape(), Shape({1, 2, 4, 1}));
  EXPECT_EQ(run(**t, kNhwc), kDcr);
  auto o = open(onnx, "d2s.onnx");
  ASSERT_TRUE(o.is_ok()) << o.status().message();
  EXPECT_EQ((*o)->output(0).shape(), Shape({1, 1, 2, 4}));
  EXPECT_EQ(run(**o, kNchw), kDcr);
}

TEST(DepthToSpaceImport, OnnxCrdModeRuns) {
  // CRD with one output channel reads the channels in the same order as DCR.
  const auto onnx = testing::serialize(onnx_depth_to_space("CRD"));
  auto g = import_onnx(onnx.data(), onnx.size(), "d2s_crd.onnx");
  ASSERT_TRUE(g.is_ok()) << g.status().message();
  EXPECT_EQ(g->nodes[0].attrs.get_string("mode", ""), "CRD");
  auto o = open(onnx, "d2s_crd.onnx");
  ASSERT_TRUE(o.is_ok()) << o.status().message();
  EXPECT_EQ(run(**o, kNchw), kDcr);
}

}  // namespace
}  // namespace outpost
