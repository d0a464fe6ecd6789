// ONNX sequences resolved at load (a list of values; SequenceAt an Identity, ConcatFromSequence a
// Concat, SequenceLength a constant; a graph output its elements), the sequences that cannot be
// (a position from the input) refused naming the op, the training optimizers' domain, and Scan
// of opset 8 (its batch axis) as one Scan per batch entry.
#include <gtest/gtest.h>

#include <cstring>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the builder helpers

Result<std::unique_ptr<Session>> open_model(const onnx::ModelProto& m) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  return Session::open_buffer(bytes->data(), bytes->size(), bytes, "built.onnx");
}

std::vector<float> run(Session& s, const std::vector<std::vector<float>>& inputs, size_t output = 0) {
  for (size_t i = 0; i < inputs.size(); ++i)
    std::memcpy(s.input(i).data(), inputs[i].data(), inputs[i].size() * 4);
  const Status st = s.run();
  EXPECT_TRUE(st.is_ok()) << st.message();
  const Tensor& out = s.output(output);
  return std::vector<float>(out.data_as<float>(), out.data_as<float>() + out.num_elements());
}

void expect_unsupported(const onnx::ModelProto& m, const std::string& words) {
  auto s = open_model(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find(words), std::string::npos) << s.status().message();
}

// x, y, z [2] -> Construct (x, y, z) -> Insert z at 0 -> Erase at -1 -> At `at`.
onnx::ModelProto insert_erase_at(int64_t at) {
  auto m = onnx_model(16);
  for (const char* name : {"x", "y", "z"}) add_input(m, name, {2});
  add_int64_initializer(m, "front", {}, {0});
  add_int64_initializer(m, "last", {}, {-1});
  add_int64_initializer(m, "at", {}, {at});
  add_node(m, "SequenceConstruct", {"x", "y", "z"}, {"s1"});
  add_node(m, "SequenceInsert", {"s1", "z", "front"}, {"s2"});
  add_node(m, "SequenceErase", {"s2", "last"}, {"s3"});
  add_node(m, "SequenceAt", {"s3", "at"}, {"out"});
  add_node(m, "SequenceLength", {"s3"}, {"len"});
  add_output(m, "out");
  add_output(m, "len", onnx::TensorProto::INT64);
  return m;
}

TEST(OnnxSequences, InsertEraseAndAtResolveToTheElement) {
  // (z, x, y, z) without its last: (z, x, y).
  const std::vector<std::vector<float>> in = {{1, 2}, {3, 4}, {5, 6}};
  for (auto [at, want] : {std::pair<int64_t, std::vector<float>>{0, {5, 6}}, {1, {1, 2}}, {-1, {3, 4}}}) {
    auto s = open_model(insert_erase_at(at));
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    EXPECT_EQ(run(**s, in), want) << "at " << at;
    EXPECT_EQ((*s)->output(1).data_as<int64_t>()[0], 3);
  }
}

TEST(OnnxSequences, APositionOutsideTheSequenceIsAnInvalidModel) {
  auto s = open_model(insert_erase_at(3));
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidModel) << s.status().message();
  EXPECT_NE(s.status().message().find("SequenceAt"), std::string::npos) << s.status().message();
}

TEST(OnnxSequences, SplitToSequenceAndConcatFromSequenceWithANewAxisTranspose) {
  // x [2, 3] split into its 3 columns (keepdims 0: [2] each), stacked on a new axis 0: x^T.
  auto m = onnx_model(16);
  add_input(m, "x", {2, 3});
  auto* split = add_node(m, "SplitToSequence", {"x"}, {"cols"});
  set_int_attr(split, "axis", 1);
  set_int_attr(split, "keepdims", 0);
  auto* concat = add_node(m, "ConcatFromSequence", {"cols"}, {"y"});
  set_int_attr(concat, "axis", 0);
  set_int_attr(concat, "new_axis", 1);
  add_output(m, "y");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(run(**s, {{1, 2, 3, 4, 5, 6}}), (std::vector<float>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ((*s)->output(0).shape(), (Shape{3, 2}));
}

TEST(OnnxSequences, SplitToSequenceWithAScalarSplitMakesAShorterLastChunk) {
  auto m = onnx_model(16);
  add_input(m, "x", {5});
  add_int64_initializer(m, "two", {}, {2});
  add_node(m, "SplitToSequence", {"x", "two"}, {"chunks"});
  add_node(m, "ConcatFromSequence", {"chunks"}, {"y"});
  add_node(m, "SequenceLength", {"chunks"}, {"n"});
  add_output(m, "y");
  add_output(m, "n", onnx::TensorProto::INT64);
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(run(**s, {{1, 2, 3, 4, 5}}), (std::vector<float>{1, 2, 3, 4, 5}));
  EXPECT_EQ((*s)->output(1).data_as<int64_t>()[0], 3);
}

TEST(OnnxSequences, ASequenceGraphOutputIsItsElementsByIndex) {
  auto m = onnx_model(16);
  add_input(m, "x", {2});
  add_node(m, "SequenceConstruct", {"x", "x"}, {"s"});
  add_output(m, "s");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->sequence_output_length("s"), 2);
  EXPECT_EQ((*s)->output(1).name, "s[1]");
  EXPECT_EQ(run(**s, {{1, 2}}, 1), (std::vector<float>{1, 2}));
}

TEST(OnnxSequences, SequenceMapRunsItsBodyOncePerElement) {
  // (x, y) mapped by body(e, t) = e + t, then stacked: [x + t, y + t].
  auto m = onnx_model(17);
  for (const char* name : {"x", "y", "t"}) add_input(m, name, {2});
  add_node(m, "SequenceConstruct", {"x", "y"}, {"s"});
  auto* map = add_node(m, "SequenceMap", {"s", "t"}, {"mapped"});
  auto* attr = map->add_attribute();
  attr->set_name("body");
  attr->set_type(onnx::AttributeProto::GRAPH);
  onnx::GraphProto* body = attr->mutable_g();
  for (const char* name : {"e", "bias"}) {
    auto* in = body->add_input();
    in->set_name(name);
    in->mutable_type()->mutable_tensor_type()->set_elem_type(onnx::TensorProto::FLOAT);
  }
  auto* add = body->add_node();
  add->set_op_type("Add");
  add->add_input("e");
  add->add_input("bias");
  add->add_output("sum");
  body->add_output()->set_name("sum");
  auto* concat = add_node(m, "ConcatFromSequence", {"mapped"}, {"out"});
  set_int_attr(concat, "axis", 0);
  set_int_attr(concat, "new_axis", 1);
  add_output(m, "out");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(run(**s, {{1, 2}, {3, 4}, {10, 20}}), (std::vector<float>{11, 22, 13, 24}));
}

// fuzz_onnx crash-fe8a1b51: a SequenceMap with no output read its output 0 (a null protobuf
// element) before it checked how many it has.
TEST(OnnxSequences, ASequenceMapWithNoOutputIsAnErrorNotACrash) {
  auto m = onnx_model(17);
  add_input(m, "x", {2});
  add_node(m, "SequenceConstruct", {"x"}, {"s"});
  add_node(m, "SequenceMap", {"s"}, {});
  add_output(m, "x");
  auto s = open_model(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_NE(s.status().message().find("SequenceMap"), std::string::npos) << s.status().message();
}

TEST(OnnxSequences, APositionFromTheInputIsRefusedNamingTheOp) {
  auto m = onnx_model(16);
  add_input(m, "x", {2});
  add_input(m, "at", {}, onnx::TensorProto::INT64);
  add_node(m, "SequenceConstruct", {"x", "x"}, {"s"});
  add_node(m, "SequenceAt", {"s", "at"}, {"y"});
  add_output(m, "y");
  expect_unsupported(m, "op 'SequenceAt'");
}

TEST(OnnxSequences, ATensorOpReadingASequenceIsRefusedNamingIt) {
  auto m = onnx_model(16);
  add_input(m, "x", {2});
  add_node(m, "SequenceConstruct", {"x"}, {"s"});
  add_node(m, "Relu", {"s"}, {"y"});
  add_output(m, "y");
  expect_unsupported(m, "op 'Relu'");
}

TEST(OnnxTrainingDomain, OptimizersOfThePreviewDomainImportAndOthersAreRefused) {
  auto m = onnx_model(13);
  auto* o = m.add_opset_import();
  o->set_domain("ai.onnx.preview.training");
  o->set_version(1);
  add_float_initializer(m, "r", {}, {1});
  add_int64_initializer(m, "t", {}, {0});
  for (const char* name : {"x", "g", "h"}) add_input(m, name, {1});
  add_node(m, "Adagrad", {"r", "t", "x", "g", "h"}, {"x_new", "h_new"})
      ->set_domain("ai.onnx.preview.training");
  add_output(m, "x_new");
  add_output(m, "h_new");
  auto s = open_model(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  // H' = 0 + 4; X' = 1 - 2 / (2 + 1e-6).
  EXPECT_NEAR(run(**s, {{1}, {2}, {0}})[0], 0.0f, 1e-5);
  EXPECT_EQ((*s)->output(1).data_as<float>()[0], 4.0f);
  // The same op in the default domain is no ONNX op; Gradient is not translated.
  auto plain = onnx_model(13);
  add_input(plain, "x", {1});
  add_node(plain, "Adagrad", {"x"}, {"y"});
  add_output(plain, "y");
  expect_unsupported(plain, "op 'Adagrad' (domain ai.onnx");
  auto gradient = onnx_model(13);
  o = gradient.add_opset_import();
  o->set_domain("ai.onnx.preview.training");
  o->set_version(1);
  add_input(gradient, "x", {1});
  add_node(gradient, "Gradient", {"x"}, {"y"})->set_domain("ai.onnx.preview.training");
  add_output(gradient, "y");
  expect_unsupported(gradient, "op 'Gradient' (domain ai.onnx.preview.training");
}

// Scan of opset 8 summing the rows of x [batch, 3, 2] into a state [batch, 2].
onnx::ModelProto scan8(int64_t batch, bool sequence_lens) {
  auto m = onnx_model(8);
  add_input(m, "init", {batch, 2});
  add_input(m, "x", {batch, 3, 2});
  if (sequence_lens) add_input(m, "lens", {batch}, onnx::TensorProto::INT32);
  auto* scan = add_node(m, "Scan", {sequence_lens ? "lens" : "", "init", "x"}, {"sum", "partial"});
  set_int_attr(scan, "num_scan_inputs", 1);
  auto* body_attr = scan->add_attribute();
  body_attr->set_name("body");
  body_attr->set_type(onnx::AttributeProto::GRAPH);
  auto* body = body_attr->mutable_g();
  body->set_name("body");
  add_io(body->add_input(), "s_in", onnx::TensorProto::FLOAT, {2});
  add_io(body->add_input(), "row", onnx::TensorProto::FLOAT, {2});
  auto* add = body->add_node();
  add->set_op_type("Add");
  add->add_input("s_in");
  add->add_input("row");
  add->add_output("s_out");
  auto* copy = body->add_node();
  copy->set_op_type("Identity");
  copy->add_input("s_out");
  copy->add_output("scan_out");
  add_io(body->add_output(), "s_out", onnx::TensorProto::FLOAT, {2});
  add_io(body->add_output(), "scan_out", onnx::TensorProto::FLOAT, {2});
  add_output(m, "sum");
  add_output(m, "partial");
  return m;
}

TEST(OnnxScan8, EachBatchEntryScansItsOwnRows) {
  auto s = open_model(scan8(2, false));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const std::vector<float> sums =
      run(**s, {{0, 0, 10, 20}, {1, 2, 3, 4, 5, 6, 1, 1, 2, 2, 3, 3}});
  EXPECT_EQ(sums, (std::vector<float>{9, 12, 16, 26}));
  EXPECT_EQ((*s)->output(1).shape(), (Shape{2, 3, 2}));
  const float* partial = (*s)->output(1).data_as<float>();
  EXPECT_EQ(std::vector<float>(partial, partial + 12),
            (std::vector<float>{1, 2, 4, 6, 9, 12, 11, 21, 13, 23, 16, 26}));
}

TEST(OnnxScan8, SequenceLensIsRefusedNamingScan) {
  expect_unsupported(scan8(1, true), "sequence_lens");
}

}  // namespace
}  // namespace outpost
