// Models whose data decides their output sizes (NonZero, NonMaxSuppression, a Reshape to a shape
// computed from the input, a Range to a length given at run time): the nodes before the first
// such node are planned, the rest is evaluated with each run's data, and each run's outputs
// have the shapes that run's data gives.
#include <gtest/gtest.h>

#include <array>
#include <cstring>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using onnx::TensorProto;

Result<std::unique_ptr<Session>> open(std::vector<uint8_t> bytes, SessionOptions options = {}) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  options.threads = 1;
  return Session::open_buffer(owned->data(), owned->size(), owned, "data_decided.onnx", options);
}

template <typename T>
void fill(Session& s, size_t input, const std::vector<T>& values) {
  Tensor& t = s.input(input);
  ASSERT_EQ(t.byte_size(), values.size() * sizeof(T));
  std::memcpy(t.data(), values.data(), t.byte_size());
}

template <typename T>
std::vector<T> output_values(const Session& s, size_t i) {
  const Tensor& t = s.output(i);
  return std::vector<T>(t.data_as<T>(), t.data_as<T>() + t.num_elements());
}

// x [2, 3] -> Relu -> r (an output too) -> NonZero -> indices [2, count].
std::vector<uint8_t> relu_non_zero_model() {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {2, 3});
  testing::add_node(m, "Relu", {"x"}, {"r"});
  testing::add_node(m, "NonZero", {"r"}, {"indices"});
  testing::add_output(m, "r");
  testing::add_output(m, "indices", TensorProto::INT64);
  return testing::serialize(m);
}

TEST(DataDecidedShapes, NonZeroOfTheInputGivesEachRunItsOwnShape) {
  auto s = open(relu_non_zero_model());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  EXPECT_EQ(session.stats().nodes_executed, 1);  // Relu, planned
  EXPECT_EQ(session.stats().nodes_evaluated_per_run, 1);  // NonZero

  fill<float>(session, 0, {0, 2, -1, 0, 0, 5});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(session.output(1).shape(), (Shape{2, 2}));
  EXPECT_EQ(output_values<int64_t>(session, 1), (std::vector<int64_t>{0, 1, 1, 2}));
  EXPECT_EQ(output_values<float>(session, 0), (std::vector<float>{0, 2, 0, 0, 0, 5}));

  fill<float>(session, 0, {1, 1, 1, 0, 1, -3});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(session.output(1).shape(), (Shape{2, 4}));
  EXPECT_EQ(output_values<int64_t>(session, 1), (std::vector<int64_t>{0, 0, 0, 1, 0, 1, 2, 1}));

  fill<float>(session, 0, {-1, -1, -1, -1, -1, -1});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(session.output(1).shape(), (Shape{2, 0}));
}

// boxes [1, 4, 4], scores [1, 1, 4] (both inputs, scores through a Sigmoid) -> NonMaxSuppression
// (at most 3, IoU 0.5) -> selected [n, 3] -> Gather of the boxes' rows by the selected box index.
std::vector<uint8_t> detection_tail_model() {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "boxes", {1, 4, 4});
  testing::add_input(m, "logits", {1, 1, 4});
  testing::add_node(m, "Sigmoid", {"logits"}, {"scores"});
  testing::add_int64_initializer(m, "max_boxes", {1}, {3});
  testing::add_float_initializer(m, "iou", {1}, {0.5f});
  testing::add_float_initializer(m, "min_score", {1}, {0.3f});
  testing::add_node(m, "NonMaxSuppression", {"boxes", "scores", "max_boxes", "iou", "min_score"}, {"selected"});
  testing::add_int64_initializer(m, "column", {}, {2});
  auto* pick = testing::add_node(m, "Gather", {"selected", "column"}, {"box_index"});
  testing::set_int_attr(pick, "axis", 1);
  testing::add_node(m, "Squeeze", {"boxes"}, {"rows"});
  testing::add_int64_initializer(m, "axes0", {1}, {0});
  m.mutable_graph()->mutable_node()->rbegin()->add_input("axes0");
  testing::add_node(m, "Gather", {"rows", "box_index"}, {"kept"});
  testing::add_output(m, "selected", TensorProto::INT64);
  testing::add_output(m, "kept");
  return testing::serialize(m);
}

TEST(DataDecidedShapes, NonMaxSuppressionSelectsFromEachRunsBoxes) {
  auto s = open(detection_tail_model());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  EXPECT_GE(session.stats().nodes_evaluated_per_run, 3);
  // Box 1 overlaps box 0 (IoU 0.81) and scores lower; box 3 scores below 0.3 (sigmoid(-2)).
  const std::vector<float> boxes = {0, 0, 1, 1, 0, 0, 0.9f, 0.9f, 2, 2, 3, 3, 5, 5, 6, 6};
  fill<float>(session, 0, boxes);
  fill<float>(session, 1, {2.0f, 1.0f, 0.5f, -2.0f});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(output_values<int64_t>(session, 0), (std::vector<int64_t>{0, 0, 0, 0, 0, 2}));
  EXPECT_EQ(session.output(1).shape(), (Shape{2, 4}));
  EXPECT_EQ(output_values<float>(session, 1), (std::vector<float>{0, 0, 1, 1, 2, 2, 3, 3}));

  // Other scores, another selection: box 3 now first, box 1 above box 0 and still overlapping.
  fill<float>(session, 1, {-0.5f, 1.0f, -3.0f, 4.0f});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(output_values<int64_t>(session, 0), (std::vector<int64_t>{0, 0, 3, 0, 0, 1}));
  EXPECT_EQ(output_values<float>(session, 1), (std::vector<float>{5, 5, 6, 6, 0, 0, 0.9f, 0.9f}));
}

// x [6] reshaped to the shape given as the second input.
std::vector<uint8_t> reshape_to_input_model() {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {6});
  testing::add_input(m, "shape", {2}, TensorProto::INT64);
  testing::add_node(m, "Reshape", {"x", "shape"}, {"y"});
  testing::add_output(m, "y");
  return testing::serialize(m);
}

TEST(DataDecidedShapes, AReshapeToAShapeFromTheInputFollowsIt) {
  auto s = open(reshape_to_input_model());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  fill<float>(session, 0, {1, 2, 3, 4, 5, 6});
  fill<int64_t>(session, 1, {2, 3});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(session.output(0).shape(), (Shape{2, 3}));
  fill<int64_t>(session, 1, {3, -1});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(session.output(0).shape(), (Shape{3, 2}));
  EXPECT_EQ(output_values<float>(session, 0), (std::vector<float>{1, 2, 3, 4, 5, 6}));
  // A shape that does not hold the data: that run fails, naming the node; the next one works.
  fill<int64_t>(session, 1, {4, 2});
  const Status bad = session.run();
  EXPECT_EQ(bad.code(), StatusCode::kShapeMismatch) << bad.message();
  EXPECT_NE(bad.message().find("Reshape"), std::string::npos) << bad.message();
  fill<int64_t>(session, 1, {6, 1});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(session.output(0).shape(), (Shape{6, 1}));
}

// Range(0, limit, 1) with the limit an input: the memory limit holds for what each run makes.
std::vector<uint8_t> range_model() {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "limit", {}, TensorProto::FLOAT);
  testing::add_float_initializer(m, "start", {}, {0.0f});
  testing::add_float_initializer(m, "delta", {}, {1.0f});
  testing::add_node(m, "Range", {"start", "limit", "delta"}, {"y"});
  testing::add_output(m, "y");
  return testing::serialize(m);
}

TEST(DataDecidedShapes, WhatARunMakesStaysWithinTheMemoryLimit) {
  SessionOptions options;
  options.max_arena_bytes = 1 << 20;
  auto s = open(range_model(), options);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  fill<float>(session, 0, {5.0f});
  ASSERT_TRUE(session.run().is_ok());
  EXPECT_EQ(output_values<float>(session, 0), (std::vector<float>{0, 1, 2, 3, 4}));
  fill<float>(session, 0, {1e9f});  // 4 GB of output
  const Status big = session.run();
  EXPECT_EQ(big.code(), StatusCode::kUnsupported) << big.message();
  EXPECT_NE(big.message().find("max_arena_bytes"), std::string::npos) << big.message();
}

TEST(DataDecidedShapes, ProfilesAndTracesShowTheEvaluatedPartAsOneEntry) {
  auto s = open(relu_non_zero_model());
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Session& session = **s;
  fill<float>(session, 0, {0, 2, -1, 0, 0, 5});
  auto profile = session.profile(2);
  ASSERT_TRUE(profile.is_ok()) << profile.status().message();
  ASSERT_EQ(profile->size(), 2u);
  bool evaluated_row = false;
  for (const OpProfile& p : *profile) evaluated_row = evaluated_row || (p.op == "(evaluated per run)" && p.nodes == 1);
  EXPECT_TRUE(evaluated_row);
  auto trace = session.trace(3);
  ASSERT_TRUE(trace.is_ok()) << trace.status().message();
  EXPECT_EQ(trace->size(), 6u);  // Relu and the evaluated part, three runs
  EXPECT_EQ(trace->back().op, "(evaluated per run)");
  EXPECT_EQ(trace->back().run, 2);
  EXPECT_EQ(session.output(1).shape(), (Shape{2, 2}));
}

}  // namespace
}  // namespace outpost
