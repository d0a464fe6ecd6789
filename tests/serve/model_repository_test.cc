// The model repository without HTTP: a load under a served name swaps the model while a request
// holding the old one still runs on it; a failed load leaves the old one serving; unload and
// readiness.
#include "serve/model_repository.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "serve/serve_test_models.h"
#include "support/test_paths.h"

namespace outpost::serve {
namespace {

InferRequest request(float a, float b) {
  InferRequest r;
  for (const char* name : {"a", "b"}) {
    Tensor t = Tensor::allocate(DType::kFloat32, Shape({1, 2, 2, 1})).value();
    for (int i = 0; i < 4; ++i) t.data_as<float>()[i] = name[0] == 'a' ? a : b;
    t.name = name;
    r.inputs.push_back(std::move(t));
  }
  return r;
}

float first_output(ServedModel& model, float a, float b) {
  double queue = -1;
  Result<InferResponse> r = model.infer(request(a, b), &queue);
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_GE(queue, 0);
  if (!r.is_ok()) return -1;
  return nlohmann::json::parse(r->body)["outputs"][0]["data"][0].get<float>();
}

TEST(ModelRepository, SwapKeepsTheOldModelForWhoHoldsIt) {
  const std::string dir = testing::make_temp_dir("outpost-repository-test");
  const std::string add = testing::write_model(dir, "add.tflite", false);
  const std::string mul = testing::write_model(dir, "mul.tflite", true);
  Metrics metrics;
  ModelRepository models([](const std::string& path) { return Session::open(path); }, &metrics);
  EXPECT_EQ(models.load("m").code(), StatusCode::kUsage);  // never loaded: needs a file
  ASSERT_TRUE(models.load("m", add).is_ok());
  std::shared_ptr<ServedModel> held = models.find("m");
  ASSERT_NE(held, nullptr);
  ASSERT_TRUE(models.load("m", mul).is_ok());
  EXPECT_EQ(first_output(*held, 3, 5), 8);               // the old session, still alive
  EXPECT_EQ(first_output(*models.find("m"), 3, 5), 15);  // the new one
  EXPECT_EQ(models.find("m")->path(), mul);

  const Status bad = models.load("m", dir + "/missing.tflite");
  EXPECT_FALSE(bad.is_ok());
  EXPECT_NE(bad.message().find("missing.tflite"), std::string::npos) << bad.message();
  EXPECT_EQ(first_output(*models.find("m"), 3, 5), 15);  // still serving

  EXPECT_TRUE(models.all_ready());
  EXPECT_TRUE(models.unload("m"));
  EXPECT_FALSE(models.unload("other"));
  EXPECT_EQ(models.find("m"), nullptr);
  EXPECT_TRUE(models.known("m"));
  EXPECT_FALSE(models.all_ready());
  ASSERT_TRUE(models.load("m").is_ok());  // again from its last file
  EXPECT_EQ(first_output(*models.find("m"), 3, 5), 15);
  EXPECT_NE(metrics.prometheus_text().find("outpost_model_loads_total{model=\"m\"} 4"),
            std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost::serve
