// ONNX If, Loop and Scan: expanded into their subgraphs' nodes at load when what decides the
// expansion is a constant (then planned like any node), and per run with the run's data when it
// comes from the input; bodies read values of enclosing scopes; unrolling has a bound.
#include <gtest/gtest.h>

#include <cstring>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using onnx::TensorProto;

Result<std::unique_ptr<Session>> open(const onnx::ModelProto& m) {
  auto owned = std::make_shared<std::vector<uint8_t>>(testing::serialize(m));
  SessionOptions options;
  options.threads = 1;
  return Session::open_buffer(owned->data(), owned->size(), owned, "control_flow.onnx", options);
}

template <typename T>
void fill(Session& s, size_t input, const std::vector<T>& values) {
  Tensor& t = s.input(input);
  ASSERT_EQ(t.byte_size(), values.size() * sizeof(T));
  std::memcpy(t.data(), values.data(), t.byte_size());
}

std::vector<float> floats(const Session& s, size_t i) {
  const Tensor& t = s.output(i);
  return std::vector<float>(t.data_as<float>(), t.data_as<float>() + t.num_elements());
}

void add_value_info(onnx::ValueInfoProto* v, const std::string& name, int elem_type) {
  v->set_name(name);
  v->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
}

onnx::GraphProto* graph_attr(onnx::NodeProto* node, const std::string& name) {
  auto* a = node->add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::GRAPH);
  a->mutable_g()->set_name(name);
  return a->mutable_g();
}

onnx::NodeProto* body_node(onnx::GraphProto* g, const std::string& op, std::vector<std::string> in,
                           std::vector<std::string> out) {
  auto* n = g->add_node();
  n->set_op_type(op);
  for (auto& s : in) n->add_input(s);
  for (auto& s : out) n->add_output(s);
  return n;
}

// x [3] -> If(cond): then x * 2, else x + 10 (both branches read x from the enclosing graph).
onnx::ModelProto if_model(bool cond_is_input) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {3});
  if (cond_is_input) {
    testing::add_input(m, "cond", {}, TensorProto::BOOL);
  } else {
    auto* c = m.mutable_graph()->add_initializer();
    c->set_name("cond");
    c->set_data_type(TensorProto::BOOL);
    c->add_int32_data(1);
  }
  testing::add_float_initializer(m, "two", {1}, {2.0f});
  testing::add_float_initializer(m, "ten", {1}, {10.0f});
  auto* node = testing::add_node(m, "If", {"cond"}, {"y"});
  auto* then_g = graph_attr(node, "then_branch");
  body_node(then_g, "Mul", {"x", "two"}, {"doubled"});
  add_value_info(then_g->add_output(), "doubled", TensorProto::FLOAT);
  auto* else_g = graph_attr(node, "else_branch");
  body_node(else_g, "Add", {"x", "ten"}, {"shifted"});
  add_value_info(else_g->add_output(), "shifted", TensorProto::FLOAT);
  testing::add_output(m, "y");
  return m;
}

TEST(ControlFlow, AnIfWithAConstantConditionIsItsBranchPlannedAtLoad) {
  auto s = open(if_model(false));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->stats().nodes_evaluated_per_run, 0);
  fill<float>(**s, 0, {1, 2, 3});
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ(floats(**s, 0), (std::vector<float>{2, 4, 6}));
}

TEST(ControlFlow, AnIfWhoseConditionIsAnInputTakesEachRunsBranch) {
  auto s = open(if_model(true));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  EXPECT_EQ(session.stats().nodes_evaluated_per_run, 1);
  fill<float>(session, 0, {1, 2, 3});
  fill<uint8_t>(session, 1, {1});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(floats(session, 0), (std::vector<float>{2, 4, 6}));
  fill<uint8_t>(session, 1, {0});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(floats(session, 0), (std::vector<float>{11, 12, 13}));
}

// Loop(M, cond=true, acc=x): acc += step each iteration (step read from the enclosing graph),
// and each iteration's acc is a scan output.
onnx::ModelProto loop_model(int64_t trips) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {2});
  testing::add_int64_initializer(m, "M", {}, {trips});
  auto* t = m.mutable_graph()->add_initializer();
  t->set_name("keep_going");
  t->set_data_type(TensorProto::BOOL);
  t->add_int32_data(1);
  testing::add_float_initializer(m, "step", {2}, {1.0f, 0.5f});
  auto* loop = testing::add_node(m, "Loop", {"M", "keep_going", "x"}, {"final", "history"});
  auto* body = graph_attr(loop, "body");
  add_value_info(body->add_input(), "i", TensorProto::INT64);
  add_value_info(body->add_input(), "cond_in", TensorProto::BOOL);
  add_value_info(body->add_input(), "acc", TensorProto::FLOAT);
  body_node(body, "Identity", {"cond_in"}, {"cond_out"});
  body_node(body, "Add", {"acc", "step"}, {"next"});
  body_node(body, "Identity", {"next"}, {"seen"});
  add_value_info(body->add_output(), "cond_out", TensorProto::BOOL);
  add_value_info(body->add_output(), "next", TensorProto::FLOAT);
  add_value_info(body->add_output(), "seen", TensorProto::FLOAT);
  testing::add_output(m, "final");
  testing::add_output(m, "history");
  return m;
}

TEST(ControlFlow, ALoopOfKnownTripsUnrollsAtLoadAndReadsTheEnclosingGraph) {
  auto s = open(loop_model(3));
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  EXPECT_EQ(session.stats().nodes_evaluated_per_run, 0);
  fill<float>(session, 0, {0, 10});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(floats(session, 0), (std::vector<float>{3, 11.5f}));
  EXPECT_EQ(session.output(1).shape(), (Shape{3, 2}));
  EXPECT_EQ(floats(session, 1), (std::vector<float>{1, 10.5f, 2, 11, 3, 11.5f}));
}

TEST(ControlFlow, ALoopTooLongToUnrollIsRefusedByName) {
  auto s = open(loop_model(int64_t{1} << 40));
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find("unrolls"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("Loop"), std::string::npos) << s.status().message();
}

// Scan over x [3, 2] in reverse: a running sum (state) and each step's sum as a scan output.
TEST(ControlFlow, AScanInReverseUnrollsOverItsInputsLength) {
  auto m = testing::onnx_model(11);
  testing::add_input(m, "x", {3, 2});
  testing::add_float_initializer(m, "zero", {2}, {0, 0});
  auto* scan = testing::add_node(m, "Scan", {"zero", "x"}, {"total", "partials"});
  testing::set_int_attr(scan, "num_scan_inputs", 1);
  testing::set_ints_attr(scan, "scan_input_directions", {1});
  auto* body = graph_attr(scan, "body");
  add_value_info(body->add_input(), "sum_in", TensorProto::FLOAT);
  add_value_info(body->add_input(), "row", TensorProto::FLOAT);
  body_node(body, "Add", {"sum_in", "row"}, {"sum_out"});
  body_node(body, "Identity", {"sum_out"}, {"partial"});
  add_value_info(body->add_output(), "sum_out", TensorProto::FLOAT);
  add_value_info(body->add_output(), "partial", TensorProto::FLOAT);
  testing::add_output(m, "total");
  testing::add_output(m, "partials");
  auto s = open(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  fill<float>(**s, 0, {1, 2, 3, 4, 5, 6});
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ(floats(**s, 0), (std::vector<float>{9, 12}));
  EXPECT_EQ(floats(**s, 1), (std::vector<float>{5, 6, 8, 10, 9, 12}));  // rows 2, 2+1, 2+1+0
}

// Loop(M) alone (no condition, nothing carried): each iteration's number, scaled, stacked.
TEST(ControlFlow, ALoopWithOnlyATripCountStacksEachIteration) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1});
  testing::add_int64_initializer(m, "M", {}, {4});
  auto* loop = testing::add_node(m, "Loop", {"M"}, {"numbers"});
  auto* body = graph_attr(loop, "body");
  add_value_info(body->add_input(), "i", TensorProto::INT64);
  add_value_info(body->add_input(), "cond_in", TensorProto::BOOL);
  body_node(body, "Identity", {"cond_in"}, {"cond_out"});
  auto* cast = body_node(body, "Cast", {"i"}, {"i_float"});
  testing::set_int_attr(cast, "to", TensorProto::FLOAT);
  body_node(body, "Mul", {"i_float", "x"}, {"scaled"});
  add_value_info(body->add_output(), "cond_out", TensorProto::BOOL);
  add_value_info(body->add_output(), "scaled", TensorProto::FLOAT);
  testing::add_output(m, "numbers");
  auto s = open(m);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  fill<float>(**s, 0, {2.5f});
  ASSERT_TRUE((*s)->run().is_ok());
  EXPECT_EQ((*s)->output(0).shape(), (Shape{4, 1}));
  EXPECT_EQ(floats(**s, 0), (std::vector<float>{0, 2.5f, 5, 7.5f}));
}

TEST(ControlFlow, ABranchWithTheWrongNumberOfOutputsIsAnInvalidModel) {
  auto m = if_model(false);
  auto* then_g = m.mutable_graph()->mutable_node(0)->mutable_attribute(0)->mutable_g();
  add_value_info(then_g->add_output(), "x", TensorProto::FLOAT);
  auto s = open(m);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kInvalidModel) << s.status().message();
  EXPECT_NE(s.status().message().find("branch"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace outpost
