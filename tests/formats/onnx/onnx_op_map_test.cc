// Which ONNX ops the importer translates: translates_onnx_op answers what map_onnx_node does,
// and translated_onnx_ops lists exactly the op types it accepts.
#include "formats/onnx/onnx_op_map.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <algorithm>
#include <string>

namespace outpost {
namespace {

Status map_bare_node(const std::string& op_type) {
  onnx::NodeProto proto;
  proto.set_op_type(op_type);
  Node node;
  return map_onnx_node(proto, kOnnxMaxOpset, "test", node);
}

TEST(OnnxOpMap, KnownOpsAnswerAsTheImporter) {
  EXPECT_TRUE(translates_onnx_op("Conv"));
  EXPECT_TRUE(translates_onnx_op("Sigmoid"));   // renamed: the IR's Logistic
  EXPECT_TRUE(translates_onnx_op("Constant"));  // read into a constant value, not a node
  EXPECT_FALSE(translates_onnx_op("NotAnOp"));
  EXPECT_FALSE(translates_onnx_op("Bernoulli"));
  // Names of IR ops that are not ONNX op types.
  for (const char* ir_only : {"Logistic", "Conv2D", "OnnxPad", "ElementwiseMean"})
    EXPECT_FALSE(translates_onnx_op(ir_only)) << ir_only;
}

TEST(OnnxOpMap, TranslatedOpsAreExactlyWhatMapOnnxNodeMaps) {
  const std::vector<std::string> ops = translated_onnx_ops();
  EXPECT_TRUE(std::is_sorted(ops.begin(), ops.end()));
  EXPECT_EQ(std::adjacent_find(ops.begin(), ops.end()), ops.end()) << "an op is listed twice";
  for (const std::string& op : ops) {
    EXPECT_TRUE(translates_onnx_op(op)) << op;
    // The importer's (Constant, the sequence and optional ops resolved at load), never
    // map_onnx_node's.
    if (op == "Constant" || is_onnx_sequence_op(op) || is_onnx_optional_op(op)) continue;
    // A bare node may lack a required attribute (Cast's `to`), but is never unsupported.
    EXPECT_NE(map_bare_node(op).code(), StatusCode::kUnsupported) << op;
  }
  for (const char* op : {"NotAnOp", "Bernoulli", "StringNormalizer", "OnnxSoftmax", "Logistic"})
    EXPECT_EQ(map_bare_node(op).code(), StatusCode::kUnsupported) << op;
}

}  // namespace
}  // namespace outpost
