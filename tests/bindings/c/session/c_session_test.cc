// The C API (include/outpost/outpost.h) against the C++ API it wraps: the same details and the
// same outputs on a real model, from a file and from memory; resizing; quantization
// parameters; a profile; and every bad argument an error with its code and a message, never a
// crash. c_api_from_c.c runs a model from a translation unit compiled as C.
#include "outpost/outpost.h"

#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "outpost/session.h"
#include "support/c_status.h"
#include "support/model_paths.h"
#include "support/tflite_builder.h"

extern "C" int outpost_test_add_from_c(const void* model, size_t size, float sums[4]);

namespace outpost {
namespace {

using testing::add_model_spec;
using testing::build_tflite;

const std::string kFaceModel = "face_detection_short_range.tflite";

using testing::CStatus;

struct CSession {
  ~CSession() { outpost_session_free(s); }
  outpost_session* s = nullptr;
};

std::vector<int64_t> dims_of(const outpost_tensor* t) {
  std::vector<int64_t> d;
  for (size_t i = 0; i < outpost_tensor_rank(t); ++i) d.push_back(outpost_tensor_dim(t, i));
  return d;
}

TEST(CApi, DetailsAndOutputsAreTheCppApisOnARealModel) {
  const std::string path = testing::model_path(kFaceModel);
  CSession c;
  outpost_session_options* options = outpost_session_options_create();
  ASSERT_EQ(outpost_session_options_set_threads(options, 1), nullptr);
  CStatus opened(outpost_session_open(path.c_str(), options, &c.s));
  outpost_session_options_free(options);
  ASSERT_EQ(opened.s, nullptr) << opened.message();
  SessionOptions o;
  o.threads = 1;
  auto cpp = Session::open(path, o);
  ASSERT_TRUE(cpp.is_ok()) << cpp.status().message();
  Session& s = **cpp;

  ASSERT_EQ(outpost_session_input_count(c.s), s.num_inputs());
  ASSERT_EQ(outpost_session_output_count(c.s), s.num_outputs());
  for (size_t i = 0; i < s.num_inputs(); ++i) {
    const outpost_tensor* t = outpost_session_input(c.s, i);
    EXPECT_EQ(outpost_tensor_name(t), s.input(i).name);
    EXPECT_EQ(dims_of(t), s.input(i).shape().dims());
    EXPECT_EQ(outpost_tensor_dtype(t), static_cast<outpost_dtype>(s.input(i).dtype()));
    EXPECT_EQ(outpost_session_input_index(c.s, s.input(i).name.c_str()), static_cast<int64_t>(i));
    // The same input in both.
    std::vector<float> pattern(s.input(i).num_elements());
    for (size_t k = 0; k < pattern.size(); ++k) pattern[k] = static_cast<float>(k % 255) / 255.f;
    std::memcpy(s.input(i).data(), pattern.data(), s.input(i).byte_size());
    CStatus set(outpost_session_set_input(c.s, i, pattern.data(), pattern.size() * sizeof(float)));
    ASSERT_EQ(set.s, nullptr) << set.message();
  }
  CStatus ran(outpost_session_run(c.s));
  ASSERT_EQ(ran.s, nullptr) << ran.message();
  ASSERT_TRUE(s.run().is_ok());
  for (size_t i = 0; i < s.num_outputs(); ++i) {
    const outpost_tensor* t = outpost_session_output(c.s, i);
    EXPECT_EQ(outpost_tensor_name(t), s.output(i).name);
    EXPECT_EQ(outpost_session_output_index(c.s, s.output(i).name.c_str()), static_cast<int64_t>(i));
    EXPECT_EQ(dims_of(t), s.output(i).shape().dims());
    ASSERT_EQ(outpost_tensor_byte_size(t), s.output(i).byte_size());
    EXPECT_EQ(std::memcmp(outpost_tensor_data(t), s.output(i).data(), s.output(i).byte_size()), 0)
        << "output " << i << " differs from the C++ API's";
  }
  EXPECT_EQ(outpost_session_input_index(c.s, "no such input"), -1);
  EXPECT_EQ(outpost_session_input(c.s, 99), nullptr);
  EXPECT_EQ(outpost_session_output(c.s, 99), nullptr);

  outpost_profile* profile = nullptr;
  CStatus profiled(outpost_session_profile(c.s, 3, &profile));
  ASSERT_EQ(profiled.s, nullptr) << profiled.message();
  ASSERT_GT(outpost_profile_count(profile), 0u);
  int nodes = 0;
  for (size_t i = 0; i < outpost_profile_count(profile); ++i) {
    nodes += outpost_profile_nodes(profile, i);
    EXPECT_GE(outpost_profile_ms(profile, i), 0);
    EXPECT_STRNE(outpost_profile_op(profile, i), "");
  }
  EXPECT_EQ(nodes, s.stats().nodes_executed);
  EXPECT_STREQ(outpost_profile_op(profile, 999), "");
  outpost_profile_free(profile);
}

TEST(CApi, AModelInMemoryRunsFromCAndItsBytesMayBeFreedAtOnce) {
  auto* bytes = new std::vector<uint8_t>(build_tflite(add_model_spec()));
  float sums[4] = {};
  ASSERT_EQ(outpost_test_add_from_c(bytes->data(), bytes->size(), sums), 0);
  EXPECT_EQ(std::vector<float>(sums, sums + 4), (std::vector<float>{11, 22, 33, 44}));

  // The session keeps its own copy: the caller's bytes are overwritten and freed before it runs.
  CSession c;
  CStatus opened(outpost_session_open_buffer(bytes->data(), bytes->size(), nullptr, nullptr, &c.s));
  ASSERT_EQ(opened.s, nullptr) << opened.message();
  std::fill(bytes->begin(), bytes->end(), 0xEE);
  delete bytes;
  const float a[4] = {1, 1, 1, 1}, b[4] = {2, 3, 4, 5};
  ASSERT_EQ(outpost_session_set_input(c.s, 0, a, sizeof(a)), nullptr);
  ASSERT_EQ(outpost_session_set_input(c.s, 1, b, sizeof(b)), nullptr);
  ASSERT_EQ(outpost_session_run(c.s), nullptr);
  const float* out = static_cast<const float*>(outpost_tensor_data(outpost_session_output(c.s, 0)));
  EXPECT_EQ(std::vector<float>(out, out + 4), (std::vector<float>{3, 4, 5, 6}));
}

TEST(CApi, AnInputThatMayVaryIsResized) {
  testing::TfModelSpec spec = add_model_spec();
  for (auto& t : spec.tensors) t.shape_signature = {-1, 2, 2, 1};
  const std::vector<uint8_t> model = build_tflite(spec);
  CSession c;
  ASSERT_EQ(outpost_session_open_buffer(model.data(), model.size(), "add", nullptr, &c.s), nullptr);
  const int64_t dims[4] = {3, 2, 2, 1};
  for (size_t i = 0; i < 2; ++i) {
    CStatus resized(outpost_session_resize_input(c.s, i, dims, 4));
    ASSERT_EQ(resized.s, nullptr) << resized.message();
  }
  std::vector<float> a(12), b(12);
  for (int k = 0; k < 12; ++k) a[k] = static_cast<float>(k), b[k] = 100;
  // The views are asked for again after the resize.
  EXPECT_EQ(dims_of(outpost_session_input(c.s, 0)), (std::vector<int64_t>{3, 2, 2, 1}));
  ASSERT_EQ(outpost_session_set_input(c.s, 0, a.data(), 48), nullptr);
  ASSERT_EQ(outpost_session_set_input(c.s, 1, b.data(), 48), nullptr);
  CStatus ran(outpost_session_run(c.s));
  ASSERT_EQ(ran.s, nullptr) << ran.message();
  const outpost_tensor* out = outpost_session_output(c.s, 0);
  EXPECT_EQ(dims_of(out), (std::vector<int64_t>{3, 2, 2, 1}));
  EXPECT_EQ(static_cast<const float*>(outpost_tensor_data(out))[11], 111.f);

  const int64_t wrong[4] = {3, 5, 2, 1};
  CStatus refused(outpost_session_resize_input(c.s, 0, wrong, 4));
  EXPECT_EQ(refused.code(), OUTPOST_SHAPE_MISMATCH) << refused.message();
}

TEST(CApi, QuantizationParametersAreReported) {
  testing::TfModelSpec spec = add_model_spec();
  for (auto& t : spec.tensors) {
    t.type = 3;  // uint8
    t.scale = {0.5f};
    t.zero_point = {10};
  }
  const std::vector<uint8_t> model = build_tflite(spec);
  CSession c;
  CStatus opened(outpost_session_open_buffer(model.data(), model.size(), "add-u8", nullptr, &c.s));
  ASSERT_EQ(opened.s, nullptr) << opened.message();
  const outpost_tensor* in = outpost_session_input(c.s, 0);
  EXPECT_EQ(outpost_tensor_dtype(in), OUTPOST_UINT8);
  EXPECT_STREQ(outpost_dtype_name(outpost_tensor_dtype(in)), "uint8");
  ASSERT_EQ(outpost_tensor_quant_count(in), 1u);
  EXPECT_EQ(outpost_tensor_quant_scales(in)[0], 0.5f);
  EXPECT_EQ(outpost_tensor_quant_zero_points(in)[0], 10);
  EXPECT_EQ(outpost_tensor_quant_count(nullptr), 0u);
  EXPECT_EQ(outpost_tensor_quant_scales(nullptr), nullptr);
}

TEST(CApi, BadArgumentsAreErrorsWithACodeAndAMessage) {
  CSession c;
  CStatus missing(outpost_session_open("/no/such/model.tflite", nullptr, &c.s));
  EXPECT_EQ(missing.code(), OUTPOST_IO_ERROR);
  EXPECT_NE(missing.message().find("/no/such/model.tflite"), std::string::npos) << missing.message();
  EXPECT_STREQ(outpost_status_code_name(missing.code()), "io_error");
  EXPECT_EQ(c.s, nullptr);

  const char garbage[] = "not a model at all, just text";
  CStatus bad(outpost_session_open_buffer(garbage, sizeof(garbage), "garbage", nullptr, &c.s));
  EXPECT_EQ(bad.code(), OUTPOST_INVALID_MODEL) << bad.message();

  outpost_session_options* options = outpost_session_options_create();
  CStatus negative(outpost_session_options_set_threads(options, -1));
  EXPECT_EQ(negative.code(), OUTPOST_USAGE);
  ASSERT_EQ(outpost_session_options_set_backend(options, "no-such-backend"), nullptr);
  const std::vector<uint8_t> model = build_tflite(add_model_spec());
  CStatus unknown_backend(outpost_session_open_buffer(model.data(), model.size(), "add", options, &c.s));
  EXPECT_NE(unknown_backend.code(), OUTPOST_OK);
  EXPECT_NE(unknown_backend.message().find("no-such-backend"), std::string::npos)
      << unknown_backend.message();
  outpost_session_options_free(options);

  ASSERT_EQ(outpost_session_open_buffer(model.data(), model.size(), "add", nullptr, &c.s), nullptr);
  const float three[3] = {};
  CStatus short_input(outpost_session_set_input(c.s, 0, three, sizeof(three)));
  EXPECT_EQ(short_input.code(), OUTPOST_SHAPE_MISMATCH);
  EXPECT_NE(short_input.message().find("takes 16 bytes, not 12"), std::string::npos)
      << short_input.message();
  CStatus out_of_range(outpost_session_set_input(c.s, 7, three, sizeof(three)));
  EXPECT_EQ(out_of_range.code(), OUTPOST_USAGE);
  CStatus null_session(outpost_session_run(nullptr));
  EXPECT_EQ(null_session.code(), OUTPOST_USAGE);
  CStatus null_result(outpost_session_open("x", nullptr, nullptr));
  EXPECT_EQ(null_result.code(), OUTPOST_USAGE);
  outpost_profile* p = nullptr;
  CStatus zero_runs(outpost_session_profile(c.s, 0, &p));
  EXPECT_EQ(zero_runs.code(), OUTPOST_USAGE);
  EXPECT_EQ(p, nullptr);
  CStatus null_dims(outpost_session_resize_input(c.s, 0, nullptr, 4));
  EXPECT_EQ(null_dims.code(), OUTPOST_USAGE);

  // NULL everywhere else is harmless.
  EXPECT_EQ(outpost_status_code_of(nullptr), OUTPOST_OK);
  EXPECT_STREQ(outpost_status_message(nullptr), "");
  outpost_status_free(nullptr);
  outpost_session_free(nullptr);
  outpost_session_options_free(nullptr);
  outpost_profile_free(nullptr);
  EXPECT_EQ(outpost_session_input_count(nullptr), 0u);
  EXPECT_STREQ(outpost_tensor_name(nullptr), "");
  EXPECT_STREQ(outpost_dtype_name(static_cast<outpost_dtype>(99)), "unknown");
  EXPECT_STREQ(outpost_version(), OUTPOST_VERSION);
}

}  // namespace
}  // namespace outpost
