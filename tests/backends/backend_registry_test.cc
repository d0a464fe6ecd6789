// The backend interface and registry: a backend from outside the runtime (here a stub that
// takes one op) is found by the session without any change to it, runs the nodes it takes, and
// its errors reach the caller of Session::run; the built-in table is what CMake configured.
#include "backends/backend.h"

#include <gtest/gtest.h>

#include <atomic>
#include <memory>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using testing::add_input;
using testing::add_node;
using testing::add_output;
using testing::onnx_model;
using testing::serialize;

std::atomic<int> g_stub_runs{0};
std::atomic<bool> g_stub_fails{false};

// Relu on float32, for nodes named "stub_*" only (the registry is the process's: the other
// tests' Relus must not come here). Its run() fails when told to.
class StubReluKernel final : public Kernel {
 public:
  Status run(std::span<const TensorView> inputs, std::span<const TensorView> outputs) override {
    ++g_stub_runs;
    if (g_stub_fails) return internal_error("the stub backend failed, as the test asked");
    const float* x = inputs[0].as<const float>();
    float* y = outputs[0].as<float>();
    for (int64_t i = 0; i < inputs[0].num_elements(); ++i) y[i] = x[i] > 0 ? x[i] : 0;
    return Status::ok();
  }
};

class StubBackend final : public Backend {
 public:
  const char* name() const override { return "stub"; }
  bool takes(const Node& node, const Graph&) const override {
    return node.op == OpKind::kRelu && node.name.starts_with("stub_");
  }
  Result<std::unique_ptr<Kernel>> make(const Node& node, const Graph& graph) const override {
    if (!takes(node, graph) || input_of(graph, node, 0).dtype != DType::kFloat32)
      return not_handled(graph, node, "the stub backend takes stub_ Relus only");
    return std::unique_ptr<Kernel>(std::make_unique<StubReluKernel>());
  }
};

void register_stub_once() {
  static const Status registered = register_backend(
      {"stub", 100, [](int) -> Result<std::unique_ptr<Backend>> { return std::unique_ptr<Backend>(std::make_unique<StubBackend>()); }});
  ASSERT_TRUE(registered.is_ok()) << registered.message();
}

// x -> Relu (stub_relu) -> Neg -> y: the stub takes the Relu, the rest goes elsewhere.
std::shared_ptr<std::vector<uint8_t>> stub_model() {
  onnx::ModelProto m = onnx_model(13);
  add_input(m, "x", {1, 6});
  add_node(m, "Relu", {"x"}, {"r"}, "stub_relu");
  add_node(m, "Neg", {"r"}, {"y"}, "neg");
  add_output(m, "y");
  return std::make_shared<std::vector<uint8_t>>(serialize(m));
}

std::unique_ptr<Session> open_stub_model(const std::string& backend) {
  auto bytes = stub_model();
  SessionOptions options;
  options.backend = backend;
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "stub.onnx", options);
  EXPECT_TRUE(s.is_ok()) << s.status().message();
  return s.is_ok() ? std::move(*s) : nullptr;
}

TEST(BackendRegistry, ABackendRegisteredFromOutsideRunsTheNodesItTakes) {
  register_stub_once();
  g_stub_fails = false;
  auto session = open_stub_model("auto");
  ASSERT_NE(session, nullptr);
  EXPECT_EQ(session->stats().nodes_on_backend.at("stub"), 1);
  EXPECT_EQ(session->stats().nodes_on_backend.at("ref"), 1);  // Neg
  const float x[6] = {-2, -1, 0, 1, 2, 3};
  std::memcpy(session->input(0).data(), x, sizeof(x));
  const int runs = g_stub_runs;
  ASSERT_TRUE(session->run().is_ok());
  EXPECT_EQ(g_stub_runs, runs + 1);
  const float* y = static_cast<const float*>(session->output(0).data());
  const float expected[6] = {0, 0, 0, -1, -2, -3};
  for (int i = 0; i < 6; ++i) EXPECT_EQ(y[i], expected[i]) << i;
}

TEST(BackendRegistry, ABackendCanBeChosenByName) {
  register_stub_once();
  g_stub_fails = false;
  auto only_stub = open_stub_model("stub");
  ASSERT_NE(only_stub, nullptr);
  EXPECT_EQ(only_stub->stats().nodes_on_backend.at("stub"), 1);
  auto only_ref = open_stub_model("ref");
  ASSERT_NE(only_ref, nullptr);
  EXPECT_EQ(only_ref->stats().nodes_on_backend.count("stub"), 0u);
}

TEST(BackendRegistry, AKernelErrorReachesTheCallerOfRun) {
  register_stub_once();
  auto session = open_stub_model("auto");
  ASSERT_NE(session, nullptr);
  g_stub_fails = true;
  const Status s = session->run();
  g_stub_fails = false;
  EXPECT_EQ(s.code(), StatusCode::kInternal);
  EXPECT_NE(s.message().find("the stub backend failed"), std::string::npos) << s.message();
  auto profile = session->profile(1);  // the profiler runs the kernels too
  EXPECT_TRUE(profile.is_ok()) << profile.status().message();
}

TEST(BackendRegistry, ANameTakenTwiceIsRefused) {
  register_stub_once();
  const Status again = register_backend({"stub", 1, [](int) -> Result<std::unique_ptr<Backend>> {
                                           return std::unique_ptr<Backend>(std::make_unique<StubBackend>());
                                         }});
  EXPECT_EQ(again.code(), StatusCode::kUsage);
}

TEST(BackendRegistry, AnUnknownBackendNameListsTheBuiltInOnes) {
  SessionOptions options;
  options.backend = "cuda";
  auto bytes = stub_model();
  auto s = Session::open_buffer(bytes->data(), bytes->size(), bytes, "stub.onnx", options);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUsage);
  EXPECT_NE(s.status().message().find("ref"), std::string::npos) << s.status().message();
}

TEST(BackendRegistry, TheBuiltInBackendsAreTheConfiguredOnesWithTheReferenceLast) {
  std::vector<std::string> built_in;
  for (const BackendEntry& entry : registered_backends())
    if (entry.name != "stub") built_in.push_back(entry.name);
  ASSERT_FALSE(built_in.empty());
  EXPECT_EQ(built_in.back(), "ref");
  std::string joined;
  for (const std::string& name : built_in) joined += (joined.empty() ? "" : ";") + name;
  // OUTPOST_CONFIGURED_BACKENDS: the list CMake's options made (tests/CMakeLists.txt).
  std::string configured = OUTPOST_CONFIGURED_BACKENDS;
  for (const std::string& name : {std::string("onednn"), std::string("xnnpack")})
    EXPECT_EQ(joined.find(name) != std::string::npos, configured.find(name) != std::string::npos) << name;
}

}  // namespace
}  // namespace outpost
