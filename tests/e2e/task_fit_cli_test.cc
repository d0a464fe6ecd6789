// A model given to a task it does not fit is refused before it runs (exit 6, naming the model's
// outputs and what the task needs), in the commands and in pipelines alike: MediaPipe's face
// detector (outputs [1, 896, 16] boxes and [1, 896, 1] scores) used to "classify" with scores
// of 135-220 and "segment" into 2 classes.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

using testing::run_outpost;

class TaskFitCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-task-fit-test");
    detector_ = testing::model_path("face_detection_short_range.tflite");
    image_ = testing::skimage_path("astronaut.png");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string pipeline(const std::string& task) {
    const std::string path = dir_ + "/" + task + ".json";
    std::ofstream(path) << R"({"source": ")" << image_ << R"(", "model": ")" << detector_
                        << R"(", "task": ")" << task << R"("})";
    return path;
  }
  std::string dir_, detector_, image_;
};

TEST_F(TaskFitCli, ClassifyRefusesAFaceDetector) {
  OUTPOST_SKIP_UNLESS_EXISTS(detector_);
  OUTPOST_SKIP_UNLESS_EXISTS(image_);
  auto r = run_outpost({"classify", detector_, image_});
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  EXPECT_NE(r.err.find("[1, 896, 16]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[1, 896, 1]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("classification needs output 0 to be one vector"), std::string::npos)
      << r.err;
  EXPECT_EQ(r.out, "");  // no "scores" printed
}

TEST_F(TaskFitCli, SegmentRefusesAFaceDetector) {
  OUTPOST_SKIP_UNLESS_EXISTS(detector_);
  OUTPOST_SKIP_UNLESS_EXISTS(image_);
  auto r = run_outpost({"segment", detector_, image_, "-o", dir_ + "/overlay.png"});
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  EXPECT_NE(r.err.find("[1, 896, 16]"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("segmentation needs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("128x128"), std::string::npos) << r.err;  // the input's size
  EXPECT_FALSE(std::filesystem::exists(dir_ + "/overlay.png"));
}

TEST_F(TaskFitCli, PipelineTasksRefuseAFaceDetector) {
  OUTPOST_SKIP_UNLESS_EXISTS(detector_);
  OUTPOST_SKIP_UNLESS_EXISTS(image_);
  auto r = run_outpost({"pipeline", "run", pipeline("classification")});
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  EXPECT_NE(r.err.find("classification needs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("face_detection_short_range.tflite"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");  // no events
  r = run_outpost({"pipeline", "run", pipeline("segmentation")});
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  EXPECT_NE(r.err.find("segmentation needs"), std::string::npos) << r.err;
  EXPECT_EQ(r.out, "");
  // The task it fits still runs.
  r = run_outpost({"pipeline", "run", pipeline("faces")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

TEST_F(TaskFitCli, TheModelsThatFitStillRun) {
  const std::string selfie = testing::model_path("selfie_segmentation.tflite");
  const std::string mobilenet = testing::model_path("mobilenet_v2_1.0_224_quant.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(image_);
  OUTPOST_SKIP_UNLESS_EXISTS(selfie);
  OUTPOST_SKIP_UNLESS_EXISTS(mobilenet);
  auto r = run_outpost({"segment", selfie, image_, "-o", dir_ + "/overlay.png"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  r = run_outpost({"classify", mobilenet, image_});  // uint8 [1, 1001]
  EXPECT_EQ(r.exit_code, 0) << r.err;
}

}  // namespace
}  // namespace outpost
