// Weights resident once (runtime/copied_constants.h): a session lets go of the constants that
// only kernels with a packed copy of their own read, and still computes what the reference
// backend computes. Under ASan (SANITIZED_TESTS) a kernel that read a released constant would
// be a heap-use-after-free.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "backends/backend.h"
#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the builder helpers

constexpr int64_t kIn = 8, kOut = 16, kSide = 10;

std::vector<float> pattern(size_t n, float step) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i) v[i] = std::sin(static_cast<float>(i) * step);
  return v;
}

// x [1, 8, 10, 10] -> Conv 3x3 (W, B, pads 1) -> y; with `w_also_read`, the input w2 times W
// (an elementwise Mul, a kernel that reads W at every run) is a second output.
onnx::ModelProto conv_model(bool w_also_read) {
  auto m = onnx_model(13);
  add_input(m, "x", {1, kIn, kSide, kSide});
  add_float_initializer(m, "W", {kOut, kIn, 3, 3}, pattern(kOut * kIn * 9, 0.37f));
  add_float_initializer(m, "B", {kOut}, pattern(kOut, 0.5f));
  auto* conv = add_node(m, "Conv", {"x", "W", "B"}, {"y"});
  set_ints_attr(conv, "pads", {1, 1, 1, 1});
  add_output(m, "y");
  if (w_also_read) {
    add_input(m, "w2", {kOut, kIn, 3, 3});
    add_node(m, "Mul", {"w2", "W"}, {"wy"});
    add_output(m, "wy");
  }
  return m;
}

std::unique_ptr<Session> open_model(const onnx::ModelProto& m, const std::string& backend) {
  auto bytes = std::make_shared<std::vector<uint8_t>>(serialize(m));
  SessionOptions o;
  o.backend = backend;
  o.threads = 1;
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "conv.onnx", o);
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  return s.is_ok() ? std::move(s).value() : nullptr;
}

// Runs with every input a pattern; returns every output's values.
std::vector<std::vector<float>> run(Session& s) {
  for (size_t i = 0; i < s.num_inputs(); ++i) {
    Tensor& in = s.input(i);
    const std::vector<float> values = pattern(static_cast<size_t>(in.num_elements()), 0.11f + i);
    std::memcpy(in.data(), values.data(), values.size() * sizeof(float));
  }
  const Status st = s.run();
  EXPECT_TRUE(st.is_ok()) << st.message();
  std::vector<std::vector<float>> out;
  for (size_t i = 0; i < s.num_outputs(); ++i) {
    const Tensor& t = s.output(i);
    out.emplace_back(t.data_as<float>(), t.data_as<float>() + t.num_elements());
  }
  return out;
}

void expect_near(const std::vector<std::vector<float>>& a, const std::vector<std::vector<float>>& b) {
  ASSERT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size(); ++k) {
    ASSERT_EQ(a[k].size(), b[k].size());
    for (size_t i = 0; i < a[k].size(); ++i) ASSERT_NEAR(a[k][i], b[k][i], 1e-4f) << "output " << k << " [" << i << "]";
  }
}

constexpr size_t kWeightBytes = kOut * kIn * 9 * sizeof(float);

TEST(CopiedConstants, APackedConvolutionsWeightsAreLetGoAndItStillComputes) {
  if (!find_backend("xnnpack") && !find_backend("onednn")) GTEST_SKIP() << "no fast backend is built in";
  for (const std::string backend : {"auto", "xnnpack", "onednn"}) {
    SCOPED_TRACE(backend);
    if (backend != "auto" && !find_backend(backend)) continue;  // not built in
    auto fast = open_model(conv_model(false), backend);
    auto ref = open_model(conv_model(false), "ref");
    ASSERT_TRUE(fast && ref);
    const auto& on = fast->stats().nodes_on_backend;
    ASSERT_TRUE(on.count("onednn") + on.count("xnnpack") > 0) << "the convolution ran on the reference backend";
    // The weights and the bias at least (a layout pass may have made and let go a copy too).
    EXPECT_GE(fast->stats().released_constant_bytes, kWeightBytes + kOut * sizeof(float));
    EXPECT_EQ(ref->stats().released_constant_bytes, 0u);  // its kernels read the weights at every run
    const auto expected = run(*ref);
    expect_near(run(*fast), expected);
    expect_near(run(*fast), expected);  // and again, with nothing of the weights left to read
  }
}

TEST(CopiedConstants, AWeightAnotherKernelReadsIsKept) {
  auto fast = open_model(conv_model(true), "auto");
  auto ref = open_model(conv_model(true), "ref");
  ASSERT_TRUE(fast && ref);
  expect_near(run(*fast), run(*ref));
  // The bias alone went: W is read by the Mul at every run.
  EXPECT_LT(fast->stats().released_constant_bytes, kWeightBytes);
}

}  // namespace
}  // namespace outpost
