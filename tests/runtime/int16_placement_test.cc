// TFLite's 16x8 models (int16 activations) run on the reference backend only: with `auto` the
// planner must place every node that reads or writes int16 there, since no fast backend takes
// int16 quantization, and the outputs equal `ref`'s.
#include <gtest/gtest.h>

#include <cstring>
#include <memory>

#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::TfModelSpec;
using testing::TfOperatorSpec;
using testing::TfTensorSpec;

constexpr int8_t kF32 = 0, kI16 = 7, kI64 = 4, kI8 = 9;

TfTensorSpec tensor(std::vector<int32_t> shape, int8_t type, std::vector<float> scale = {},
                    uint32_t buffer = 0) {
  TfTensorSpec t;
  t.shape = std::move(shape);
  t.type = type;
  t.buffer = buffer;
  t.name = "t" + std::to_string(type) + "_" + std::to_string(buffer);
  t.scale = std::move(scale);
  t.zero_point.assign(t.scale.size(), 0);
  return t;
}

// float32 [1,5,5,3] -> QUANTIZE int16 -> CONV_2D 16x8 (3x3 SAME, 4 channels, int64 bias)
// -> DEQUANTIZE float32 [1,5,5,4].
std::vector<uint8_t> int16_conv_model() {
  TfModelSpec m;
  std::vector<int8_t> w(4 * 3 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i)
    w[i] = static_cast<int8_t>(static_cast<int>(i * 37 % 201) - 100);
  m.buffers.push_back(testing::bytes_of(w));
  m.buffers.push_back(testing::bytes_of(std::vector<int64_t>{-15000, 3000, 0, 24000}));
  const std::vector<float> w_scales = {0.01f, 0.015f, 0.02f, 0.025f};
  std::vector<float> b_scales;
  for (float s : w_scales) b_scales.push_back(0.0002f * s);
  m.tensors = {tensor({1, 5, 5, 3}, kF32), tensor({1, 5, 5, 3}, kI16, {0.0002f}),
               tensor({4, 3, 3, 3}, kI8, w_scales, 1), tensor({4}, kI64, b_scales, 2),
               tensor({1, 5, 5, 4}, kI16, {0.004f}), tensor({1, 5, 5, 4}, kF32)};
  m.tensors[2].zero_point.assign(4, 0);
  m.tensors[3].zero_point.assign(4, 0);
  TfOperatorSpec quantize, conv, dequantize;
  quantize.builtin_code = 114;  // QUANTIZE
  quantize.inputs = {0};
  quantize.outputs = {1};
  conv.builtin_code = 3;  // CONV_2D
  conv.inputs = {1, 2, 3};
  conv.outputs = {4};
  conv.options_type = 1;  // Conv2DOptions: SAME, strides 1, no activation, dilations 1
  conv.options = {{0, 1, 0}, {1, 4, 1}, {2, 4, 1}, {3, 1, 0}, {4, 4, 1}, {5, 4, 1}};
  dequantize.builtin_code = 6;  // DEQUANTIZE
  dequantize.inputs = {4};
  dequantize.outputs = {5};
  m.operators = {quantize, conv, dequantize};
  m.inputs = {0};
  m.outputs = {5};
  return testing::build_tflite(m);
}

std::unique_ptr<Session> open(const std::shared_ptr<std::vector<uint8_t>>& bytes,
                              const std::string& backend) {
  SessionOptions options;
  options.backend = backend;
  options.threads = 1;
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "int16.tflite", options);
  EXPECT_TRUE(s.is_ok()) << backend << ": " << s.status().message();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

TEST(Int16Placement, AutoRunsInt16NodesOnTheReferenceBackendAndMatchesIt) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(int16_conv_model());
  auto ref = open(bytes, "ref");
  auto fast = open(bytes, "auto");
  ASSERT_NE(ref, nullptr);
  ASSERT_NE(fast, nullptr);
  auto x = Tensor::allocate(DType::kFloat32, Shape({1, 5, 5, 3}));
  ASSERT_TRUE(x.is_ok());
  float* p = x->data_as<float>();
  for (int i = 0; i < 75; ++i) p[i] = static_cast<float>((i * 29) % 61) / 10.0f - 3.0f;
  for (Session* s : {ref.get(), fast.get()}) {
    ASSERT_TRUE(s->set_input(0, *x).is_ok());
    const Status st = s->run();
    ASSERT_TRUE(st.is_ok()) << st.message();
  }
  const Tensor& want = ref->output(0);
  const Tensor& got = fast->output(0);
  ASSERT_EQ(got.dtype(), DType::kFloat32);
  ASSERT_EQ(got.byte_size(), want.byte_size());
  EXPECT_EQ(std::memcmp(got.data(), want.data(), want.byte_size()), 0);
  // The output is not trivial: the conv did run.
  bool nonzero = false;
  for (int64_t i = 0; i < want.num_elements(); ++i) nonzero |= want.data_as<float>()[i] != 0.0f;
  EXPECT_TRUE(nonzero);

  auto trace = fast->trace(1);
  ASSERT_TRUE(trace.is_ok()) << trace.status().message();
  ASSERT_FALSE(trace->empty());
  bool saw_conv = false;
  for (const NodeTiming& t : *trace) {
    EXPECT_EQ(t.backend, "ref") << t.node << " (" << t.op << ") touches int16";
    saw_conv |= t.op == "Conv";
  }
  EXPECT_TRUE(saw_conv);
}

}  // namespace
}  // namespace outpost
