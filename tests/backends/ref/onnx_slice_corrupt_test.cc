// Slice and Pad operands given at run time are untrusted numbers: a step or pad near the int64
// limits must not overflow (undefined behaviour) while the kernel keeps its reads in the input.
// fuzz_onnx (../shared/data/fuzz-findings/fuzz_onnx-slice-overflow) found Slice's. Suite names
// contain 'Corrupt', so the sanitizer build runs these and reports any overflow.
#include <gtest/gtest.h>

#include <limits>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the model builder

constexpr int64_t kMax = std::numeric_limits<int64_t>::max();
constexpr int64_t kMin = std::numeric_limits<int64_t>::min();

// y = Slice(x[5], starts, ends, axes = [0], steps), all operands graph inputs; y declared [n].
std::unique_ptr<Session> runtime_slice(int64_t n) {
  auto m = onnx_model(13);
  add_input(m, "x", {5});
  for (const char* name : {"starts", "ends", "axes", "steps"})
    add_input(m, name, {1}, onnx::TensorProto::INT64);
  add_node(m, "Slice", {"x", "starts", "ends", "axes", "steps"}, {"y"});
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, {n});
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "slice.onnx");
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  return s.is_ok() ? std::move(*s) : nullptr;
}

std::vector<float> slice(Session& s, int64_t start, int64_t step) {
  float* x = s.input(0).data_as<float>();
  for (int i = 0; i < 5; ++i) x[i] = static_cast<float>(10 + i);
  s.input(1).data_as<int64_t>()[0] = start;
  s.input(2).data_as<int64_t>()[0] = step > 0 ? kMax : kMin;
  s.input(3).data_as<int64_t>()[0] = 0;
  s.input(4).data_as<int64_t>()[0] = step;
  EXPECT_TRUE(s.run().is_ok());
  const Tensor& y = s.output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

TEST(CorruptOnnxSlice, HugeRuntimeStepsDoNotOverflow) {
  auto three = runtime_slice(3);
  ASSERT_NE(three, nullptr);
  // (3 - 1) * step overflows: the slice cannot lie in the input, so it reads from the start.
  EXPECT_EQ(slice(*three, 0, kMax), (std::vector<float>{10, 11, 12}));
  EXPECT_EQ(slice(*three, -1, kMin), (std::vector<float>{10, 11, 12}));
  EXPECT_EQ(slice(*three, 4, kMin + 1), (std::vector<float>{10, 11, 12}));
  // A step that fits keeps its meaning.
  EXPECT_EQ(slice(*three, 0, 2), (std::vector<float>{10, 12, 14}));
  EXPECT_EQ(slice(*three, -1, -2), (std::vector<float>{14, 12, 10}));
  // 4 * 2^62 wraps to 0, so the last coordinate looked inside the input and the kernel read
  // 2^62 elements past it (a crash even without sanitizers).
  auto five = runtime_slice(5);
  ASSERT_NE(five, nullptr);
  EXPECT_EQ(slice(*five, 0, int64_t{1} << 62), (std::vector<float>{10, 11, 12, 13, 14}));
  auto two = runtime_slice(2);
  ASSERT_NE(two, nullptr);
  // 1 * step fits but start + step overflows.
  EXPECT_EQ(slice(*two, 3, kMax), (std::vector<float>{10, 11}));
  EXPECT_EQ(slice(*two, 0, 4), (std::vector<float>{10, 14}));
}

// y = Pad(x[3], pads) with pads a graph input, y declared [3].
std::unique_ptr<Session> runtime_pad(const std::string& mode) {
  auto m = onnx_model(11);
  add_input(m, "x", {3});
  add_input(m, "pads", {2}, onnx::TensorProto::INT64);
  auto* pad = add_node(m, "Pad", {"x", "pads"}, {"y"});
  auto* a = pad->add_attribute();
  a->set_name("mode");
  a->set_type(onnx::AttributeProto::STRING);
  a->set_s(mode);
  add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, {3});
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "pad.onnx");
  EXPECT_TRUE(s.is_ok()) << mode << ": " << s.status().message();
  return s.is_ok() ? std::move(*s) : nullptr;
}

std::vector<float> pad(Session& s, int64_t begin) {
  float* x = s.input(0).data_as<float>();
  for (int i = 0; i < 3; ++i) x[i] = static_cast<float>(1 + i);
  s.input(1).data_as<int64_t>()[0] = begin;
  s.input(1).data_as<int64_t>()[1] = begin == kMin ? 0 : -begin;
  EXPECT_TRUE(s.run().is_ok());
  const float* y = s.output(0).data_as<float>();
  return {y[0], y[1], y[2]};
}

TEST(CorruptOnnxSlice, HugeRuntimePadsDoNotOverflow) {
  auto constant = runtime_pad("constant");
  ASSERT_NE(constant, nullptr);
  EXPECT_EQ(pad(*constant, kMin), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(pad(*constant, kMax), (std::vector<float>{0, 0, 0}));
  EXPECT_EQ(pad(*constant, 1), (std::vector<float>{0, 1, 2}));
  EXPECT_EQ(pad(*constant, -1), (std::vector<float>{2, 3, 0}));
  auto edge = runtime_pad("edge");
  ASSERT_NE(edge, nullptr);
  EXPECT_EQ(pad(*edge, kMin), (std::vector<float>{3, 3, 3}));
  EXPECT_EQ(pad(*edge, kMax), (std::vector<float>{1, 1, 1}));
  EXPECT_EQ(pad(*edge, 1), (std::vector<float>{1, 1, 2}));
  auto reflect = runtime_pad("reflect");
  ASSERT_NE(reflect, nullptr);
  // Reflection repeats every 2 * (3 - 1) = 4: a pad of 4k reads the input as it is.
  EXPECT_EQ(pad(*reflect, kMin), (std::vector<float>{1, 2, 3}));
  EXPECT_EQ(pad(*reflect, 1), (std::vector<float>{2, 1, 2}));
  EXPECT_EQ(pad(*reflect, 1 - 4 * 1000), (std::vector<float>{2, 1, 2}));
}

}  // namespace
}  // namespace outpost
