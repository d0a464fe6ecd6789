// The fp16 weight writer on a hand-built model: which initializers become float16 (large float32
// ones, not scalars, not those beyond float16's range, not graph inputs), read through a Cast under
// their old names, and that outpost computes what the float model does within float16's rounding.
#include "formats/onnx/onnx_fp16_writer.h"

#include <gtest/gtest.h>

#include <cmath>

#include "formats/onnx/onnx_qdq_writer.h"  // parse_onnx_model
#include "optimize/onnx_model_builder.h"
#include "outpost/session.h"

namespace outpost {
namespace {

using testing::ModelBuilder;

using testing::open_onnx_bytes;

// x [1, 8] -> Gemm(w [8, 4], b [4]) -> Clip(lo, hi) -> Gemm(big [4, 4]) -> y
ModelBuilder gemms() {
  ModelBuilder b;
  b.input("x", {1, 8});
  b.weights("w", {8, 4});
  b.weights("b", {4}, 0.1f);  // 4 elements: below kMinFp16Elements
  b.scalar("lo", 0.0f);
  b.scalar("hi", 6.0f);
  b.weights("big", {4, 4}, 1.0f);
  b.graph().mutable_initializer(b.graph().initializer_size() - 1)->set_float_data(3, 70000.0f);  // beyond float16
  b.node("Gemm", "g1", {"x", "w", "b"}, {"h"});
  b.node("Clip", "clip", {"h", "lo", "hi"}, {"c"});
  b.node("Gemm", "g2", {"c", "big"}, {"y"});
  b.output("y", {1, 4});
  return b;
}

TEST(OnnxFp16Writer, LargeFloatWeightsBecomeFloat16BehindACastUnderTheirName) {
  ModelBuilder b = gemms();
  OnnxFp16Summary summary;
  auto bytes = write_onnx_fp16_weights(b.model(), "m.onnx", &summary);
  ASSERT_TRUE(bytes.is_ok()) << bytes.status().message();
  EXPECT_EQ(summary.converted, 1);  // w; b and the bounds are small, big holds 70000
  EXPECT_EQ(summary.kept, std::vector<std::string>{"big"});
  EXPECT_GT(summary.largest_relative_error, 0.0);
  EXPECT_LT(summary.largest_relative_error, 1.0 / 2048);  // float16 has an 11-bit significand
  onnx::ModelProto q;
  ASSERT_TRUE(parse_onnx_model(*bytes, "q.onnx", q).is_ok());
  const onnx::NodeProto& cast = q.graph().node(0);
  EXPECT_EQ(cast.op_type(), "Cast");
  EXPECT_EQ(cast.output(0), "w");
  for (const auto& t : q.graph().initializer()) {
    if (t.name() == cast.input(0)) {
      EXPECT_EQ(t.data_type(), onnx::TensorProto::FLOAT16);
      EXPECT_EQ(t.raw_data().size(), 8u * 4u * 2u);
    } else {
      EXPECT_EQ(t.data_type(), onnx::TensorProto::FLOAT) << t.name();
    }
  }
}

TEST(OnnxFp16Writer, OutpostComputesWhatTheFloatModelDoesWithinFloat16Rounding) {
  ModelBuilder b = gemms();
  std::string original;
  b.model().SerializeToString(&original);
  auto bytes = write_onnx_fp16_weights(b.model(), "m.onnx");
  ASSERT_TRUE(bytes.is_ok());
  auto f = open_onnx_bytes(original);
  auto h = open_onnx_bytes(*bytes);
  ASSERT_TRUE(f.is_ok()) << f.status().message();
  ASSERT_TRUE(h.is_ok()) << h.status().message();
  for (int i = 0; i < 8; ++i) {
    (*f)->input(0).data_as<float>()[i] = 0.25f * static_cast<float>(i) - 1.0f;
    (*h)->input(0).data_as<float>()[i] = 0.25f * static_cast<float>(i) - 1.0f;
  }
  ASSERT_TRUE((*f)->run().is_ok());
  ASSERT_TRUE((*h)->run().is_ok());
  double largest = 0, diff = 0;
  for (int i = 0; i < 4; ++i) {
    largest = std::max(largest, std::fabs(static_cast<double>((*f)->output(0).data_as<float>()[i])));
    diff = std::max(diff, std::fabs(static_cast<double>((*f)->output(0).data_as<float>()[i]) -
                                    (*h)->output(0).data_as<float>()[i]));
  }
  EXPECT_GT(diff, 0.0) << "identical outputs: were the weights converted?";
  EXPECT_LT(diff, 1e-2 * largest);
}

// fuzz_optimize crash-1eb4e036: an initializer whose dims multiply past int64 overflowed the
// writer's element count (UBSan, in the sanitized build); it is refused as the corrupt tensor it is.
TEST(OnnxFp16Writer, DimsThatMultiplyPastInt64AreAnErrorNotAnOverflow) {
  ModelBuilder b;
  b.input("x", {1, 4});
  b.output("x", {1, 4});
  onnx::TensorProto* t = b.graph().add_initializer();
  t->set_name("huge");
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (int64_t d : {int64_t{1} << 40, int64_t{1} << 40, int64_t{16}}) t->add_dims(d);
  auto bytes = write_onnx_fp16_weights(b.model(), "huge.onnx");
  ASSERT_FALSE(bytes.is_ok());
  EXPECT_EQ(bytes.status().code(), StatusCode::kInvalidModel) << bytes.status().message();
}

TEST(OnnxFp16Writer, OpsetsBeforeCastsCurrentFormAreRefused) {
  ModelBuilder b(5);
  b.input("x", {1, 16});
  b.output("x", {1, 16});
  auto bytes = write_onnx_fp16_weights(b.model(), "old.onnx");
  ASSERT_FALSE(bytes.is_ok());
  EXPECT_EQ(bytes.status().code(), StatusCode::kUnsupported);
  EXPECT_NE(bytes.status().message().find("opset 5"), std::string::npos) << bytes.status().message();
}

}  // namespace
}  // namespace outpost
