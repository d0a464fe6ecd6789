// Sequence- and optional-typed graph inputs and outputs (ONNX) in the Session API: a sequence
// input's length bound at load (SessionOptions::sequence_lengths) makes it the tensor inputs
// NAME[k]; an optional input is bound present or absent (::absent_inputs); a sequence output
// known at load is the outputs NAME[k]; an empty optional output is no output, listed as
// absent. Bad bindings are kUsage, an unbound sequence kShapeMismatch at run.
#include <gtest/gtest.h>

#include <cstring>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the builder helpers

Result<std::unique_ptr<Session>> open_model(const onnx::ModelProto& m,
                                            const SessionOptions& options = {}) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  return Session::open_buffer(bytes->data(), bytes->size(), bytes, "built.onnx", options);
}

void set(Session& s, const std::string& input, const std::vector<float>& values) {
  const int i = s.input_index(input);
  ASSERT_GE(i, 0) << "no input " << input;
  const Tensor t = Tensor::view(DType::kFloat32, Shape{static_cast<int64_t>(values.size())},
                                const_cast<float*>(values.data()));
  const Status st = s.set_input(static_cast<size_t>(i), t);
  ASSERT_TRUE(st.is_ok()) << st.message();
}

std::vector<float> output(const Session& s, const std::string& name) {
  const int i = s.output_index(name);
  EXPECT_GE(i, 0) << "no output " << name;
  if (i < 0) return {};
  const Tensor& t = s.output(static_cast<size_t>(i));
  return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.num_elements());
}

// seq: sequence<float32[2]>, t: float32[2] -> SequenceInsert (at the back) -> out, and its
// SequenceLength.
onnx::ModelProto insert_at_back(bool shaped = true) {
  auto m = onnx_model(16);
  add_composite_io(m, "seq", true, false, {2}, shaped);
  add_input(m, "t", {2});
  add_node(m, "SequenceInsert", {"seq", "t"}, {"out"});
  add_node(m, "SequenceLength", {"out"}, {"n"});
  add_composite_io(m, "out", true, false, {2}, shaped, onnx::TensorProto::FLOAT, true);
  add_output(m, "n", onnx::TensorProto::INT64);
  return m;
}

TEST(SequenceIo, ASequenceInputIsItsElementsAndASequenceOutputTooWithItsLength) {
  SessionOptions o;
  o.sequence_lengths["seq"] = 2;
  auto s = open_model(insert_at_back(), o);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& sess = **s;
  ASSERT_EQ(sess.num_inputs(), 3u);
  EXPECT_EQ(sess.input(0).name, "seq[0]");
  EXPECT_EQ(sess.input(1).name, "seq[1]");
  set(sess, "seq[0]", {1, 2});
  set(sess, "seq[1]", {3, 4});
  set(sess, "t", {5, 6});
  ASSERT_TRUE(sess.run().is_ok());
  EXPECT_EQ(sess.sequence_output_length("out"), 3);
  EXPECT_EQ(sess.sequence_output_length("n"), -1);  // a tensor
  EXPECT_EQ(output(sess, "out[0]"), (std::vector<float>{1, 2}));
  EXPECT_EQ(output(sess, "out[2]"), (std::vector<float>{5, 6}));
  const int n = sess.output_index("n");
  ASSERT_GE(n, 0);
  EXPECT_EQ(sess.output(static_cast<size_t>(n)).data_as<int64_t>()[0], 3);
  ASSERT_EQ(sess.stats().composite_inputs.size(), 1u);
  EXPECT_EQ(composite_type_text(sess.stats().composite_inputs[0]), "sequence<float32[2]>");
  EXPECT_EQ(sess.stats().composite_inputs[0].length, 2);
}

TEST(SequenceIo, AnEmptySequenceInputGivesAnEmptySequenceOutput) {
  auto m = onnx_model(16);
  add_composite_io(m, "seq", true, false, {2});
  add_node(m, "Identity", {"seq"}, {"out"});
  add_node(m, "SequenceLength", {"seq"}, {"n"});
  add_composite_io(m, "out", true, false, {2}, true, onnx::TensorProto::FLOAT, true);
  add_output(m, "n", onnx::TensorProto::INT64);
  SessionOptions o;
  o.sequence_lengths["seq"] = 0;
  auto s = open_model(m, o);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ((*s)->num_inputs(), 0u);
  EXPECT_EQ((*s)->sequence_output_length("out"), 0);
  ASSERT_EQ((*s)->num_outputs(), 1u);
  EXPECT_EQ((*s)->output(0).data_as<int64_t>()[0], 0);
}

TEST(SequenceIo, ElementsWithNoDeclaredShapeTakeTheShapesGivenByName) {
  SessionOptions o;
  o.sequence_lengths["seq"] = 1;
  auto unbound = open_model(insert_at_back(false), o);
  ASSERT_TRUE(unbound.is_ok()) << unbound.status().message();
  const Status st = (*unbound)->run();
  EXPECT_EQ(st.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(st.message().find("'seq[0]' has no declared shape"), std::string::npos) << st.message();
  o.input_shapes["seq[0]"] = Shape{2};
  auto s = open_model(insert_at_back(false), o);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  set(**s, "seq[0]", {7, 8});
  set(**s, "t", {5, 6});
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ(output(**s, "out[0]"), (std::vector<float>{7, 8}));
  EXPECT_EQ(output(**s, "out[1]"), (std::vector<float>{5, 6}));
}

TEST(SequenceIo, AnUnboundSequenceInputOpensAndIsAShapeMismatchAtRunNamingTheOption) {
  auto s = open_model(insert_at_back());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->stats().composite_inputs.at(0).length, -1);
  const Status st = (*s)->run();
  EXPECT_EQ(st.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(st.message().find("'seq'"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("--sequence-length seq=N"), std::string::npos) << st.message();
}

TEST(SequenceIo, BadSequenceLengthsAreUsageErrors) {
  auto expect_usage = [](const SessionOptions& o, const std::string& words) {
    auto s = open_model(insert_at_back(), o);
    ASSERT_FALSE(s.is_ok());
    EXPECT_EQ(s.status().code(), StatusCode::kUsage) << s.status().message();
    EXPECT_NE(s.status().message().find(words), std::string::npos) << s.status().message();
  };
  SessionOptions unknown;
  unknown.sequence_lengths["nope"] = 1;
  expect_usage(unknown, "no sequence input 'nope'");
  SessionOptions negative;
  negative.sequence_lengths["seq"] = -1;
  expect_usage(negative, "length -1");
  SessionOptions tensor;
  tensor.sequence_lengths["t"] = 2;
  expect_usage(tensor, "no sequence input 't' to give a length to (its sequence inputs: seq)");
  SessionOptions not_optional;
  not_optional.absent_inputs.insert("t");
  expect_usage(not_optional, "no optional input 't'");
}

// opt: optional<float32[2]> -> OptionalHasElement, and Identity (an optional output).
onnx::ModelProto optional_model(bool get_element) {
  auto m = onnx_model(16);
  add_composite_io(m, "opt", false, true, {2});
  add_node(m, "OptionalHasElement", {"opt"}, {"has"});
  add_output(m, "has", onnx::TensorProto::BOOL);
  if (get_element) {
    add_node(m, "OptionalGetElement", {"opt"}, {"value"});
    add_output(m, "value");
  } else {
    add_node(m, "Identity", {"opt"}, {"same"});
    add_composite_io(m, "same", false, true, {2}, true, onnx::TensorProto::FLOAT, true);
  }
  return m;
}

TEST(SequenceIo, APresentOptionalInputIsItsElement) {
  auto s = open_model(optional_model(true));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  set(**s, "opt", {1.5f, -2});
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_TRUE((*s)->output(0).data_as<bool>()[0]);
  EXPECT_EQ(output(**s, "value"), (std::vector<float>{1.5f, -2}));
}

TEST(SequenceIo, AnAbsentOptionalInputIsNoInputAndAnEmptyOptionalOutputNoOutput) {
  SessionOptions o;
  o.absent_inputs.insert("opt");
  auto s = open_model(optional_model(false), o);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->num_inputs(), 0u);
  ASSERT_TRUE((*s)->run().is_ok());
  ASSERT_EQ((*s)->num_outputs(), 1u);  // "has"; "same" is empty
  EXPECT_FALSE((*s)->output(0).data_as<bool>()[0]);
  const auto& outs = (*s)->stats().composite_outputs;
  ASSERT_EQ(outs.size(), 1u);
  EXPECT_EQ(outs[0].name, "same");
  EXPECT_TRUE(outs[0].absent);
  EXPECT_EQ((*s)->output_index("same"), -1);
}

TEST(SequenceIo, GettingTheElementOfAnAbsentOptionalIsAShapeMismatchNamingIt) {
  SessionOptions o;
  o.absent_inputs.insert("opt");
  auto s = open_model(optional_model(true), o);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kShapeMismatch) << s.status().message();
  EXPECT_NE(s.status().message().find("optional 'opt' is empty"), std::string::npos)
      << s.status().message();
}

}  // namespace
}  // namespace outpost
