// The KServe v2 request and response bodies: JSON tensors (flat and nested), the binary data
// extension both ways, and a 400-worthy message naming the input for each malformed request.
#include "serve/infer_protocol.h"

#include <gtest/gtest.h>

#include <cstring>

#include "serve/bearer_token.h"
#include "serve/metrics.h"

namespace outpost::serve {
namespace {

using nlohmann::json;

std::string error_of(std::string_view body, std::optional<size_t> json_length = std::nullopt) {
  Result<InferRequest> r = parse_infer_request(body, json_length);
  EXPECT_FALSE(r.is_ok()) << body;
  return r.is_ok() ? "" : r.status().message();
}

TEST(InferProtocol, DatatypesRoundTrip) {
  for (DType d : {DType::kFloat32, DType::kFloat16, DType::kInt8, DType::kUInt8, DType::kInt64,
                  DType::kBool, DType::kBFloat16}) {
    EXPECT_EQ(dtype_from_kserve(kserve_datatype(d)), d) << kserve_datatype(d);
  }
  EXPECT_STREQ(kserve_datatype(DType::kFloat32), "FP32");
  EXPECT_FALSE(dtype_from_kserve("BYTES").has_value());
}

TEST(InferProtocol, ParsesFlatAndNestedJsonData) {
  const std::string body = R"({"id": "r1", "inputs": [
      {"name": "a", "datatype": "FP32", "shape": [2, 2], "data": [[1, 2.5], [3, -4]]},
      {"name": "b", "datatype": "INT8", "shape": [3], "data": [-128, 0, 127]}],
      "outputs": [{"name": "y", "parameters": {"binary_data": true}}]})";
  Result<InferRequest> r = parse_infer_request(body, std::nullopt);
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->id, "r1");
  ASSERT_EQ(r->inputs.size(), 2u);
  EXPECT_EQ(r->inputs[0].name, "a");
  EXPECT_EQ(r->inputs[0].shape(), Shape({2, 2}));
  EXPECT_EQ(r->inputs[0].data_as<float>()[1], 2.5f);
  EXPECT_EQ(r->inputs[0].data_as<float>()[3], -4.0f);
  EXPECT_EQ(r->inputs[1].dtype(), DType::kInt8);
  EXPECT_EQ(r->inputs[1].data_as<int8_t>()[0], -128);
  ASSERT_EQ(r->outputs.size(), 1u);
  EXPECT_TRUE(r->outputs[0].binary);
}

TEST(InferProtocol, ParsesBinaryData) {
  const std::string header = R"({"inputs": [
      {"name": "x", "datatype": "FP32", "shape": [1, 2], "parameters": {"binary_data_size": 8}},
      {"name": "q", "datatype": "UINT8", "shape": [3], "parameters": {"binary_data_size": 3}}]})";
  const float x[2] = {0.25f, -7.5f};
  std::string body = header;
  body.append(reinterpret_cast<const char*>(x), sizeof x);
  body += std::string("\x01\x02\xff", 3);
  Result<InferRequest> r = parse_infer_request(body, header.size());
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->inputs[0].data_as<float>()[1], -7.5f);
  EXPECT_EQ(r->inputs[1].data_as<uint8_t>()[2], 255);
}

TEST(InferProtocol, MalformedRequestsNameWhatIsWrong) {
  EXPECT_NE(error_of("{not json").find("not valid JSON"), std::string::npos);
  EXPECT_NE(error_of(R"({"inputs": 3})").find("\"inputs\""), std::string::npos);
  std::string e =
      error_of(R"({"inputs": [{"name": "a", "datatype": "FP32", "shape": [2], "data": [1]}]})");
  EXPECT_NE(e.find("input 'a'"), std::string::npos) << e;
  EXPECT_NE(e.find("needs 2"), std::string::npos) << e;
  e = error_of(R"({"inputs": [{"name": "a", "datatype": "FP33", "shape": [1], "data": [1]}]})");
  EXPECT_NE(e.find("FP33"), std::string::npos) << e;
  e = error_of(R"({"inputs": [{"name": "q", "datatype": "UINT8", "shape": [1], "data": [300]}]})");
  EXPECT_NE(e.find("out of range"), std::string::npos) << e;
  e = error_of(R"({"inputs": [{"name": "q", "datatype": "INT32", "shape": [1], "data": ["x"]}]})");
  EXPECT_NE(e.find("not an integer"), std::string::npos) << e;
  e = error_of(R"({"inputs": [{"name": "a", "datatype": "FP32", "shape": [-1], "data": []}]})");
  EXPECT_NE(e.find("\"shape\""), std::string::npos) << e;
  // A shape far larger than the body is refused before anything is allocated.
  e = error_of(
      R"({"inputs": [{"name": "a", "datatype": "FP32", "shape": [2147483648, 2147483648], "data": []}]})");
  EXPECT_NE(e.find("too many elements"), std::string::npos) << e;
  // Binary sizes that do not match the shape, or run past the body.
  const std::string header =
      R"({"inputs": [{"name": "x", "datatype": "FP32", "shape": [2], "parameters": {"binary_data_size": 8}}]})";
  e = error_of(header + "1234", header.size());
  EXPECT_NE(e.find("4 bytes short"), std::string::npos) << e;
  e = error_of(header + "123456789", header.size());
  EXPECT_NE(e.find("1 bytes that no input"), std::string::npos) << e;
  e = error_of(header, header.size() + 10);
  EXPECT_NE(e.find("Inference-Header-Content-Length"), std::string::npos) << e;
}

TEST(InferProtocol, ResponseInJsonAndBinary) {
  Tensor y = Tensor::allocate(DType::kFloat32, Shape({2})).value();
  y.data_as<float>()[0] = 0.1f;
  y.data_as<float>()[1] = -3.0f;
  y.name = "y";
  Tensor z = Tensor::allocate(DType::kUInt8, Shape({1})).value();
  z.data_as<uint8_t>()[0] = 200;
  z.name = "z";
  InferRequest all;
  all.id = "7";
  Result<InferResponse> r = make_infer_response("m", all, {y, z});
  ASSERT_TRUE(r.is_ok());
  EXPECT_FALSE(r->json_length.has_value());
  const json j = json::parse(r->body);
  EXPECT_EQ(j["model_name"], "m");
  EXPECT_EQ(j["id"], "7");
  EXPECT_EQ(j["outputs"][0]["datatype"], "FP32");
  EXPECT_EQ(j["outputs"][0]["data"][0].get<double>(), static_cast<double>(0.1f));  // exact
  EXPECT_EQ(j["outputs"][1]["data"][0], 200);

  InferRequest binary;
  binary.outputs = {{"z", false}, {"y", true}};
  r = make_infer_response("m", binary, {y, z});
  ASSERT_TRUE(r.is_ok());
  ASSERT_TRUE(r->json_length.has_value());
  const json h = json::parse(r->body.substr(0, *r->json_length));
  EXPECT_EQ(h["outputs"][0]["name"], "z");
  EXPECT_EQ(h["outputs"][1]["parameters"]["binary_data_size"], 8);
  ASSERT_EQ(r->body.size(), *r->json_length + 8);
  float back[2];
  std::memcpy(back, r->body.data() + *r->json_length, 8);
  EXPECT_EQ(back[1], -3.0f);

  InferRequest unknown;
  unknown.outputs = {{"nope", false}};
  EXPECT_FALSE(make_infer_response("m", unknown, {y}).is_ok());
}

TEST(BearerToken, MatchesOnlyTheExactToken) {
  EXPECT_TRUE(authorization_matches("Bearer s3cret", "s3cret"));
  EXPECT_FALSE(authorization_matches("Bearer s3cre", "s3cret"));
  EXPECT_FALSE(authorization_matches("Bearer s3cret2", "s3cret"));
  EXPECT_FALSE(authorization_matches("Basic s3cret", "s3cret"));
  EXPECT_FALSE(authorization_matches("", "s3cret"));
  EXPECT_FALSE(read_token_file("/nonexistent/token").is_ok());
}

TEST(Metrics, PrometheusTextHasCountsHistogramsAndRss) {
  Metrics m;
  m.record_inference("add", true, 0.003, 0.0001);
  m.record_inference("add", false, 0.2, 0.0);
  m.record_load("add", true, 0.05);
  m.record_refusal("busy");
  const std::string text = m.prometheus_text();
  EXPECT_NE(text.find("outpost_inference_requests_total{model=\"add\"} 2"), std::string::npos)
      << text;
  EXPECT_NE(text.find("outpost_inference_failures_total{model=\"add\"} 1"), std::string::npos);
  EXPECT_NE(text.find("outpost_inference_latency_seconds_bucket{model=\"add\",le=\"0.005\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("outpost_inference_latency_seconds_bucket{model=\"add\",le=\"+Inf\"} 2"),
            std::string::npos);
  EXPECT_NE(text.find("outpost_inference_queue_seconds_count{model=\"add\"} 2"), std::string::npos);
  EXPECT_NE(text.find("outpost_model_load_seconds{model=\"add\"} 0.05"), std::string::npos);
  EXPECT_NE(text.find("outpost_http_refused_total{reason=\"busy\"} 1"), std::string::npos);
  EXPECT_NE(text.find("process_resident_memory_bytes "), std::string::npos);
  EXPECT_GT(resident_bytes(), 0u);
}

}  // namespace
}  // namespace outpost::serve
