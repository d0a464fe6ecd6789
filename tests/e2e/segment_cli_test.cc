// `outpost segment` end to end with MediaPipe's selfie segmentation on astronaut.png: the mask
// was checked by eye once on the overlay (the astronaut and her helmet coloured; the flag, the
// shuttle and the wall not), and is pinned here at a few pixels.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "vision/image_io.h"

namespace outpost {
namespace {

using testing::run_outpost;

class SegmentCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-segment-test"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

TEST_F(SegmentCli, SelfieSegmentationSeparatesTheAstronautFromTheBackground) {
  const std::string model = testing::model_path("selfie_segmentation.tflite");
  const std::string image = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  const std::string overlay = dir_ + "/astronaut.mask.jpg", mask_path = dir_ + "/mask.png";
  auto r = run_outpost({"segment", model, image, "-o", overlay, "--mask-out", mask_path, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["width"], 512);
  EXPECT_EQ(j["height"], 512);
  EXPECT_EQ(j["classes"], 2);
  const double foreground = j["class_fractions"][1].get<double>();
  EXPECT_GT(foreground, 0.45);  // 54.6% when checked by eye
  EXPECT_LT(foreground, 0.65);
  auto mask = load_image(mask_path);
  ASSERT_TRUE(mask.is_ok()) << mask.status().message();
  ASSERT_EQ(mask->width, 512);
  auto at = [&](int x, int y) { return mask->at(x, y)[0]; };
  EXPECT_EQ(at(225, 120), 255);  // her face
  EXPECT_EQ(at(200, 400), 255);  // the suit
  EXPECT_EQ(at(30, 100), 0);     // the flag
  EXPECT_EQ(at(400, 150), 0);    // the shuttle
  EXPECT_EQ(at(500, 10), 0);     // the wall
  auto written = load_image(overlay);  // a JPEG, by its extension
  ASSERT_TRUE(written.is_ok()) << written.status().message();
  EXPECT_EQ(written->width, 512);
}

TEST_F(SegmentCli, AClassifierIsNotASegmenter) {
  const std::string model = testing::model_path("mobilenet_v2_1.0_224_quant.tflite");
  const std::string image = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  auto r = run_outpost({"segment", model, image, "-o", dir_ + "/x.png"});
  EXPECT_EQ(r.exit_code, 6) << r.err;  // shape mismatch: its output is [1, 1001] uint8
  EXPECT_NE(r.err.find("segmentation needs"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("[1, 1001]"), std::string::npos) << r.err;
}

TEST_F(SegmentCli, BadFlagsAndFiles) {
  const std::string model = testing::model_path("selfie_segmentation.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  EXPECT_EQ(run_outpost({"segment", model, dir_ + "/none.png"}).exit_code, 3);
  const std::string image = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  EXPECT_EQ(run_outpost({"segment", model, image, "--input-range", "0,255"}).exit_code, 2);
  EXPECT_EQ(run_outpost({"segment", model, image, "--threshold", "2"}).exit_code, 2);
  auto r = run_outpost({"segment", model, image, "-o", dir_ + "/x.gif"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(".jpg"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace outpost
