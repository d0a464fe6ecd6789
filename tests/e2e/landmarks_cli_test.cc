// `outpost landmarks` and the pipeline's "landmarks" task and "preprocess" object, end to end
// on the MediaPipe pose and hand landmark models and the sample images.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

using testing::model_path;
using testing::run_outpost;
using testing::skimage_path;

class LandmarksCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-landmarks-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  std::vector<nlohmann::json> lines(const std::string& text) {
    std::vector<nlohmann::json> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) out.push_back(nlohmann::json::parse(line));
    return out;
  }
  std::string dir_;
};

TEST_F(LandmarksCli, PoseOnAstronautWritesTheSkeletonAndTheEvent) {
  const std::string model = model_path("pose_landmark_lite.tflite");
  const std::string image = skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  const std::string out = dir_ + "/pose.png";
  auto r = run_outpost({"landmarks", model, image, "-o", out, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["landmarks"]["kind"], "pose");
  EXPECT_GT(j["landmarks"]["score"].get<double>(), 0.99);
  ASSERT_EQ(j["landmarks"]["points"].size(), 33u);
  const auto& nose = j["landmarks"]["points"][0];
  EXPECT_EQ(nose["name"], "nose");
  EXPECT_NEAR(nose["x"].get<double>(), 223.1, 3);
  EXPECT_NEAR(nose["y"].get<double>(), 125.5, 3);
  EXPECT_GT(j["latency_ms"].get<double>(), 0);
  EXPECT_TRUE(std::filesystem::exists(out));

  r = run_outpost({"landmarks", model, image, "-o", dir_ + "/p.png"});  // the text report
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("left_shoulder"), std::string::npos) << r.out;
}

TEST_F(LandmarksCli, NoHandInCoffeeAndWrongModelsAreRefused) {
  const std::string hand = model_path("hand_landmark_lite.tflite");
  const std::string image = skimage_path("coffee.png");
  OUTPOST_SKIP_UNLESS_EXISTS(hand);
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  auto r = run_outpost({"landmarks", hand, image, "-o", dir_ + "/h.png", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["landmarks"]["kind"], "hand");
  EXPECT_LT(j["landmarks"]["score"].get<double>(), 0.1);
  EXPECT_TRUE(j["landmarks"]["points"].empty());
  EXPECT_TRUE(j["landmarks"].contains("handedness"));

  const std::string faces = model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(faces);
  r = run_outpost({"landmarks", faces, image, "-o", dir_ + "/f.png"});
  EXPECT_EQ(r.exit_code, 6) << r.err;  // shape mismatch: not a landmark model
  EXPECT_NE(r.err.find("not a landmark model"), std::string::npos) << r.err;
  r = run_outpost({"landmarks", hand, image, "--fit", "zoom"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(LandmarksCli, PipelineLandmarksTaskAndPreprocessOverride) {
  const std::string pose = model_path("pose_landmark_lite.tflite");
  const std::string faces = model_path("face_detection_short_range.tflite");
  const std::string image = skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(pose);
  OUTPOST_SKIP_UNLESS_EXISTS(faces);
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  auto r = run_outpost({"pipeline", "run", write("pose.json", R"({"source": ")" + image +
                                                                 R"(", "model": ")" + pose +
                                                                 R"(", "task": "landmarks"})")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto events = lines(r.out);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0]["landmarks"]["points"].size(), 33u);

  // The face detector fed through a letterboxed, area-filtered Preprocess instead of its own
  // stretch: the box must still land on the face, mapped back through the letterbox.
  r = run_outpost({"pipeline", "run", write("faces.json", R"({"source": ")" + image +
      R"(", "model": ")" + faces + R"(", "task": "faces",
      "preprocess": {"fit": "letterbox", "resize": "area", "pad": 0}})")});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  events = lines(r.out);
  ASSERT_EQ(events.size(), 1u);
  ASSERT_EQ(events[0]["faces"].size(), 1u) << r.out;
  EXPECT_NEAR(events[0]["faces"][0]["box"]["x"].get<double>(), 177, 10);
  EXPECT_NEAR(events[0]["faces"][0]["box"]["y"].get<double>(), 81, 10);

  r = run_outpost({"pipeline", "run", write("bad.json", R"({"source": ")" + image +
      R"(", "model": ")" + faces + R"(", "task": "faces", "preprocess": {"fit": "zoom"}})")});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("'fit'"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace outpost
