// Inputs whose dimensions vary: ONNX's symbolic dimensions and TFLite's shape_signature -1,
// bound at load (SessionOptions::input_shapes), by resize_input, or by an input tensor of
// another shape; the session imports and plans again only when a shape changes.
#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "formats/onnx/onnx_model_builder.h"
#include "outpost/session.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

// x [N, 3, H, W] -> Conv 3x3 (pads 1, 4 filters) -> Relu -> GlobalAveragePool -> y [N, 4, 1, 1].
std::vector<uint8_t> dynamic_conv_model() {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 3, 1, 1});
  auto* shape = m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape();
  shape->mutable_dim(0)->set_dim_param("N");
  shape->mutable_dim(2)->set_dim_param("H");
  shape->mutable_dim(3)->set_dim_param("W");
  std::vector<float> w(4 * 3 * 3 * 3);
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 7) % 11) / 10.0f - 0.5f;
  testing::add_float_initializer(m, "w", {4, 3, 3, 3}, w);
  testing::add_float_initializer(m, "b", {4}, {0.1f, -0.2f, 0.3f, 0.0f});
  auto* conv = testing::add_node(m, "Conv", {"x", "w", "b"}, {"c"});
  testing::set_ints_attr(conv, "pads", {1, 1, 1, 1});
  testing::add_node(m, "Relu", {"c"}, {"r"});
  testing::add_node(m, "GlobalAveragePool", {"r"}, {"y"});
  testing::add_output(m, "y");
  return testing::serialize(m);
}

Result<std::unique_ptr<Session>> open(std::vector<uint8_t> bytes, const std::string& name,
                                      SessionOptions options = {}) {
  auto owned = std::make_shared<std::vector<uint8_t>>(std::move(bytes));
  options.threads = 1;
  return Session::open_buffer(owned->data(), owned->size(), owned, name, options);
}

Tensor allocated(const Shape& shape) {
  auto t = Tensor::allocate(DType::kFloat32, shape);
  EXPECT_TRUE(t.is_ok());
  return std::move(t).value();
}

// An image of `shape` whose values depend on `seed`.
Tensor image(const Shape& shape, int seed) {
  Tensor t = allocated(shape);
  float* p = t.data_as<float>();
  for (int64_t i = 0; i < t.num_elements(); ++i)
    p[i] = static_cast<float>((i * 13 + seed * 29) % 17) / 8.0f - 1.0f;
  return t;
}

std::vector<float> run_on(Session& s, const Tensor& x) {
  EXPECT_TRUE(s.set_input(0, x).is_ok());
  const Status st = s.run();
  EXPECT_TRUE(st.is_ok()) << st.message();
  const Tensor& y = s.output(0);
  return std::vector<float>(y.data_as<float>(), y.data_as<float>() + y.num_elements());
}

// Each image of a batch gives what it gives alone, at any size, in one session; and a session
// opened with the shape bound at load gives the same.
TEST(DynamicShapes, AnOnnxModelRunsAtSeveralSizesInOneSession) {
  for (const char* backend : {"ref", "auto"}) {
    SessionOptions options;
    options.backend = backend;
    auto opened = open(dynamic_conv_model(), "dynamic.onnx", options);
    ASSERT_TRUE(opened.is_ok()) << opened.status().message();
    Session& s = **opened;
    EXPECT_EQ(s.input_signature(0), (Shape{-1, 3, -1, -1}));

    const Tensor a = image({1, 3, 8, 8}, 1), b = image({1, 3, 8, 8}, 2);
    Tensor both = allocated(Shape{2, 3, 8, 8});
    std::memcpy(both.data_as<float>(), a.data(), a.byte_size());
    std::memcpy(both.data_as<float>() + a.num_elements(), b.data(), b.byte_size());
    const std::vector<float> ya = run_on(s, a), yb = run_on(s, b), yab = run_on(s, both);
    ASSERT_EQ(ya.size(), 4u);
    ASSERT_EQ(yab.size(), 8u);
    for (size_t i = 0; i < 4; ++i) {
      EXPECT_NEAR(yab[i], ya[i], 1e-5) << backend;
      EXPECT_NEAR(yab[4 + i], yb[i], 1e-5) << backend;
    }
    const Tensor wide = image({1, 3, 5, 12}, 3);
    const std::vector<float> y_wide = run_on(s, wide);
    EXPECT_EQ(s.output(0).shape(), (Shape{1, 4, 1, 1}));
    EXPECT_EQ(run_on(s, a), ya) << backend;  // back to the first size: the same answer

    SessionOptions bound = options;
    bound.input_shapes["x"] = Shape{1, 3, 5, 12};
    auto fixed = open(dynamic_conv_model(), "dynamic.onnx", bound);
    ASSERT_TRUE(fixed.is_ok()) << fixed.status().message();
    EXPECT_EQ((*fixed)->input(0).shape(), (Shape{1, 3, 5, 12}));
    EXPECT_EQ(run_on(**fixed, wide), y_wide) << backend;
  }
}

// Exporters leave the shapes they traced with on the outputs ([1, 4, 1, 1] behind an input
// [N, 3, H, W]): once the input is bound, those are not held against the inferred shapes.
TEST(DynamicShapes, ATracedOutputShapeDoesNotPinTheBatch) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 3});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("N");
  testing::add_node(m, "Relu", {"x"}, {"y"});
  testing::add_io(m.mutable_graph()->add_output(), "y", onnx::TensorProto::FLOAT, {1, 3});
  auto s = open(testing::serialize(m), "traced.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ(run_on(**s, image({4, 3}, 1)).size(), 12u);
}

TEST(DynamicShapes, AFixedDimensionCannotChange) {
  auto s = open(dynamic_conv_model(), "dynamic.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  const Status st = (*s)->resize_input(0, Shape{1, 4, 8, 8});
  EXPECT_EQ(st.code(), StatusCode::kShapeMismatch);
  EXPECT_NE(st.message().find("takes shape [N, 3, H, W]"), std::string::npos) << st.message();
  EXPECT_EQ((*s)->set_input(0, image({1, 3, 8}, 0)).code(), StatusCode::kShapeMismatch);

  SessionOptions options;
  options.input_shapes["y"] = Shape{1, 3, 8, 8};
  auto wrong_name = open(dynamic_conv_model(), "dynamic.onnx", options);
  ASSERT_FALSE(wrong_name.is_ok());
  EXPECT_EQ(wrong_name.status().code(), StatusCode::kUsage);
}

// A shape that shape inference refuses (a 3x3 window over nothing) fails at run, naming the
// node; the session takes a good shape afterwards.
TEST(DynamicShapes, AShapeTheModelCannotTakeFailsAtRunAndTheSessionRecovers) {
  auto s = open(dynamic_conv_model(), "dynamic.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  ASSERT_TRUE((*s)->resize_input(0, Shape{1, 3, 0, 4}).is_ok());
  EXPECT_FALSE((*s)->run().is_ok());
  EXPECT_EQ(run_on(**s, image({1, 3, 4, 4}, 5)).size(), 4u);
}

// A static input beyond the memory limit, beside one whose shape comes later: refused when the
// session opens, before its buffer is made (fuzz_tflite oom-fde77893 made 11.8 GB of it).
TEST(DynamicShapes, AStaticInputBeyondTheMemoryLimitIsRefusedBeforeItIsAllocated) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 2});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("N");
  testing::add_input(m, "z", {1, int64_t{1} << 24});  // 64 MiB of float32, the limit 1 MiB
  testing::add_node(m, "Relu", {"x"}, {"y"});
  testing::add_node(m, "Relu", {"z"}, {"w"});
  testing::add_output(m, "y");
  testing::add_output(m, "w");
  SessionOptions options;
  options.max_arena_bytes = 1 << 20;
  auto s = open(testing::serialize(m), "big.onnx", options);
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnsupported) << s.status().message();
  EXPECT_NE(s.status().message().find("input 'z'"), std::string::npos) << s.status().message();
  EXPECT_NE(s.status().message().find("max_arena_bytes"), std::string::npos) << s.status().message();
}

// TFLite: x [1, 2] with shape_signature [-1, 2], y = x + c.
TEST(DynamicShapes, ATfliteBatchFromItsShapeSignature) {
  testing::TfModelSpec spec;
  spec.tensors = {{{1, 2}, 0, 0, "x"}, {{2}, 0, 1, "c"}, {{1, 2}, 0, 0, "y"}};
  spec.tensors[0].shape_signature = {-1, 2};
  spec.buffers = {testing::bytes_of(std::vector<float>{10, 20})};
  testing::TfOperatorSpec add;
  add.builtin_code = 0;
  add.inputs = {0, 1};
  add.outputs = {2};
  spec.operators = {add};
  spec.inputs = {0};
  spec.outputs = {2};
  auto s = open(testing::build_tflite(spec), "batch.tflite");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  EXPECT_EQ((*s)->input_signature(0), (Shape{-1, 2}));
  EXPECT_EQ((*s)->input(0).shape(), (Shape{1, 2}));  // its declared shape until resized
  Tensor x = allocated(Shape{3, 2});
  std::iota(x.data_as<float>(), x.data_as<float>() + 6, 0.0f);
  const std::vector<float> y = run_on(**s, x);
  EXPECT_EQ(y, (std::vector<float>{10, 21, 12, 23, 14, 25}));
  EXPECT_EQ((*s)->resize_input(0, Shape{3, 3}).code(), StatusCode::kShapeMismatch);
}

// Data written into one input survives another input's resize.
TEST(DynamicShapes, AnotherInputsResizeKeepsWhatWasWritten) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "a", {2});
  testing::add_input(m, "b", {1});
  m.mutable_graph()->mutable_input(1)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("K");
  testing::add_node(m, "ReduceSum", {"b"}, {"s"});
  testing::add_node(m, "Add", {"a", "s"}, {"y"});
  testing::add_output(m, "y");
  SessionOptions options;
  options.input_shapes["b"] = Shape{1};
  auto s = open(testing::serialize(m), "two.onnx", options);
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  float* a = (*s)->input(0).data_as<float>();
  a[0] = 1;
  a[1] = 2;
  Tensor b = allocated(Shape{3});
  std::fill(b.data_as<float>(), b.data_as<float>() + 3, 5.0f);
  ASSERT_TRUE((*s)->set_input(1, b).is_ok());
  ASSERT_TRUE((*s)->run().is_ok());
  const float* y = (*s)->output(0).data_as<float>();
  EXPECT_EQ(y[0], 16.0f);
  EXPECT_EQ(y[1], 17.0f);
}

// A fixed-shape input beside a symbolic one (silero VAD's `sr` scalar beside its audio chunk):
// it has storage before any shape is given, so it can be written first (it was a null write).
TEST(DynamicShapes, AFixedInputBesideAVaryingOneCanBeWrittenFirst) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("N");
  testing::add_input(m, "scale", {1});
  testing::add_node(m, "Mul", {"x", "scale"}, {"y"});
  testing::add_output(m, "y");
  auto s = open(testing::serialize(m), "fixed_beside.onnx");
  ASSERT_TRUE(s.is_ok()) << s.status().message();
  Tensor scale = allocated(Shape{1});
  scale.data_as<float>()[0] = 3.0f;
  ASSERT_TRUE((*s)->set_input(1, scale).is_ok());
  ASSERT_TRUE((*s)->set_input(0, image(Shape{4}, 1)).is_ok());
  ASSERT_TRUE((*s)->run().is_ok());
  const Tensor x = image(Shape{4}, 1);
  ASSERT_EQ((*s)->output(0).shape(), (Shape{4}));
  for (int64_t i = 0; i < 4; ++i) EXPECT_EQ((*s)->output(0).data_as<float>()[i], 3.0f * x.data_as<float>()[i]);
}

// Before the varying input's shape is given, an input of fixed shape takes its data (set_input,
// or input(i) written), which run() uses once the other's shape comes: as Silero's LSTM state
// h [1, 1, 128] beside its audio [sequence_length, 576]. set_input wrote into no storage before.
TEST(DynamicShapes, AFixedInputTakesDataBeforeAVaryingOnesShapeIsGiven) {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "a", {1});
  testing::add_input(m, "h", {2});
  m.mutable_graph()->mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
      ->mutable_dim(0)->set_dim_param("K");
  testing::add_node(m, "ReduceSum", {"a"}, {"s"});
  testing::add_node(m, "Add", {"h", "s"}, {"y"});
  testing::add_output(m, "y");
  for (bool h_first : {true, false}) {
    auto s = open(testing::serialize(m), "state.onnx");
    ASSERT_TRUE(s.is_ok()) << s.status().message();
    ASSERT_NE((*s)->input(1).data(), nullptr);
    EXPECT_EQ((*s)->input(0).data(), nullptr);  // its shape is not known yet
    Tensor a = allocated(Shape{3});
    std::fill(a.data_as<float>(), a.data_as<float>() + 3, 5.0f);
    Tensor h = allocated(Shape{2});
    h.data_as<float>()[0] = 1;
    h.data_as<float>()[1] = 2;
    if (h_first) {
      ASSERT_TRUE((*s)->set_input(1, h).is_ok());
    }
    ASSERT_TRUE((*s)->set_input(0, a).is_ok());
    if (!h_first) {
      ASSERT_TRUE((*s)->set_input(1, h).is_ok());
    }
    ASSERT_TRUE((*s)->run().is_ok());
    const float* y = (*s)->output(0).data_as<float>();
    EXPECT_EQ(y[0], 16.0f) << (h_first ? "h first" : "a first");
    EXPECT_EQ(y[1], 17.0f) << (h_first ? "h first" : "a first");
  }
}

}  // namespace
}  // namespace outpost
