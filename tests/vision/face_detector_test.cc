#include "vision/face_detector.h"

#include <gtest/gtest.h>

#include <cmath>
#include <iostream>
#include <string>

#include "core/npy.h"
#include "support/test_paths.h"
#include "vision/image_io.h"
#include "vision/nms.h"

namespace outpost {
namespace {

void expect_anchor(const Anchor& a, float x, float y, float w, float h, int index) {
  EXPECT_FLOAT_EQ(a.x_center, x) << "anchor " << index;
  EXPECT_FLOAT_EQ(a.y_center, y) << "anchor " << index;
  EXPECT_FLOAT_EQ(a.width, w) << "anchor " << index;
  EXPECT_FLOAT_EQ(a.height, h) << "anchor " << index;
}

TEST(FaceAnchors, ShortRangeMakes896InMediaPipeOrder) {
  const auto anchors = generate_ssd_anchors(FaceDetectorOptions::short_range().anchors);
  ASSERT_EQ(anchors.size(), 896u);
  // Stride 8: a 16x16 grid, two anchors per cell (scale and interpolated scale), cells at
  // (i + 0.5) / 16. Then strides 16, 16, 16 share one 8x8 grid with 3 x 2 anchors per cell.
  expect_anchor(anchors[0], 0.5f / 16, 0.5f / 16, 1, 1, 0);
  expect_anchor(anchors[1], 0.5f / 16, 0.5f / 16, 1, 1, 1);
  expect_anchor(anchors[2], 1.5f / 16, 0.5f / 16, 1, 1, 2);
  expect_anchor(anchors[32], 0.5f / 16, 1.5f / 16, 1, 1, 32);
  expect_anchor(anchors[511], 15.5f / 16, 15.5f / 16, 1, 1, 511);
  expect_anchor(anchors[512], 0.5f / 8, 0.5f / 8, 1, 1, 512);
  expect_anchor(anchors[517], 0.5f / 8, 0.5f / 8, 1, 1, 517);
  expect_anchor(anchors[518], 1.5f / 8, 0.5f / 8, 1, 1, 518);
  expect_anchor(anchors[895], 7.5f / 8, 7.5f / 8, 1, 1, 895);
}

TEST(FaceAnchors, FullRangeMakes2304) {
  const auto anchors = generate_ssd_anchors(FaceDetectorOptions::full_range().anchors);
  ASSERT_EQ(anchors.size(), 2304u);  // 48 x 48, one anchor per cell
  expect_anchor(anchors[0], 0.5f / 48, 0.5f / 48, 1, 1, 0);
  expect_anchor(anchors[1], 1.5f / 48, 0.5f / 48, 1, 1, 1);
  expect_anchor(anchors[2303], 47.5f / 48, 47.5f / 48, 1, 1, 2303);
}

TEST(FaceAnchors, SizesFollowScalesWhenNotFixed) {
  SsdAnchorOptions options = FaceDetectorOptions::short_range().anchors;
  options.fixed_anchor_size = false;
  const auto anchors = generate_ssd_anchors(options);
  ASSERT_EQ(anchors.size(), 896u);
  // Layer 0: scale 0.1484375; interpolated sqrt(0.1484375 * s1), s1 = 0.1484375 + 0.6015625/3.
  const float s1 = 0.1484375f + (0.75f - 0.1484375f) / 3.0f;
  expect_anchor(anchors[0], 0.03125f, 0.03125f, 0.1484375f, 0.1484375f, 0);
  const float interpolated = std::sqrt(0.1484375f * s1);
  expect_anchor(anchors[1], 0.03125f, 0.03125f, interpolated, interpolated, 1);
  // The last layer interpolates towards 1.0: sqrt(0.75 * 1).
  expect_anchor(anchors[895], 0.9375f, 0.9375f, std::sqrt(0.75f), std::sqrt(0.75f), 895);
  // An aspect ratio of 2 makes anchors wider than tall by sqrt(2) each way.
  options.aspect_ratios = {2.0f};
  options.interpolated_scale_aspect_ratio = 0.0f;
  const auto wide = generate_ssd_anchors(options);
  ASSERT_EQ(wide.size(), 16u * 16 + 3u * 8 * 8);
  EXPECT_FLOAT_EQ(wide[0].width, 0.1484375f * std::sqrt(2.0f));
  EXPECT_FLOAT_EQ(wide[0].height, 0.1484375f / std::sqrt(2.0f));
}

FaceDetection box(float xmin, float ymin, float w, float h, float score) {
  FaceDetection d;
  d.xmin = xmin;
  d.ymin = ymin;
  d.width = w;
  d.height = h;
  d.score = score;
  for (auto& kp : d.keypoints) kp = {xmin + w / 2, ymin + h / 2};
  return d;
}

TEST(FaceNms, IouOfSyntheticBoxes) {
  EXPECT_FLOAT_EQ(box_iou(box(0, 0, 1, 1, 1), box(0, 0, 1, 1, 1)), 1.0f);
  EXPECT_FLOAT_EQ(box_iou(box(0, 0, 1, 1, 1), box(2, 2, 1, 1, 1)), 0.0f);
  EXPECT_FLOAT_EQ(box_iou(box(0, 0, 1, 1, 1), box(1, 0, 1, 1, 1)), 0.0f);  // touching edges
  // Half overlapping: intersection 0.5, union 1.5.
  EXPECT_FLOAT_EQ(box_iou(box(0, 0, 1, 1, 1), box(0.5f, 0, 1, 1, 1)), 1.0f / 3);
  EXPECT_FLOAT_EQ(box_iou(box(0, 0, 0, 0, 1), box(0, 0, 0, 0, 1)), 0.0f);
}

TEST(FaceNms, WeightedMergesOverlapsAndKeepsSeparateBoxes) {
  // A (0.9) and B (0.6) overlap with IoU 0.3 / 0.7 = 0.43 > 0.3, so they merge; C (0.8) is far
  // away; D (0.7) overlaps A by only 0.1 / 0.9 = 0.11, so it survives on its own.
  const FaceDetection a = box(0.0f, 0.0f, 1.0f, 0.5f, 0.9f);
  const FaceDetection b = box(0.0f, 0.2f, 1.0f, 0.5f, 0.6f);
  const FaceDetection c = box(3.0f, 3.0f, 0.5f, 0.5f, 0.8f);
  const FaceDetection d = box(0.0f, 0.4f, 1.0f, 0.5f, 0.7f);
  EXPECT_NEAR(box_iou(a, b), 0.3f / 0.7f, 1e-6);
  EXPECT_NEAR(box_iou(a, d), 0.1f / 0.9f, 1e-6);
  const auto out = weighted_non_max_suppression(std::vector<FaceDetection>{b, c, a, d}, 0.3f);
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FLOAT_EQ(out[0].score, 0.9f);
  const float total = 0.9f + 0.6f;
  EXPECT_NEAR(out[0].xmin, 0.0f, 1e-6);
  EXPECT_NEAR(out[0].ymin, (0.0f * 0.9f + 0.2f * 0.6f) / total, 1e-6);
  EXPECT_NEAR(out[0].ymin + out[0].height, (0.5f * 0.9f + 0.7f * 0.6f) / total, 1e-6);
  EXPECT_NEAR(out[0].keypoints[0].second, (0.25f * 0.9f + 0.45f * 0.6f) / total, 1e-6);
  // Then C alone, then D alone (B was consumed by A, so D no longer meets it).
  EXPECT_FLOAT_EQ(out[1].score, 0.8f);
  EXPECT_FLOAT_EQ(out[1].xmin, 3.0f);
  EXPECT_FLOAT_EQ(out[2].score, 0.7f);
  EXPECT_FLOAT_EQ(out[2].ymin, 0.4f);
  EXPECT_EQ(weighted_non_max_suppression(std::vector<FaceDetection>{b, c, a, d}, 0.3f, 1).size(),
            1u);
  EXPECT_TRUE(weighted_non_max_suppression(std::vector<FaceDetection>{}, 0.3f).empty());
}

struct FaceCase {
  const char* name;
  FaceDetectorOptions options;
};

std::vector<FaceDetection> detect_from_reference(const std::string& name,
                                                 const FaceDetectorOptions& options,
                                                 bool* skipped) {
  const std::string out0 = testing::shared_data_path("reference/" + name + ".output0.npy");
  const std::string out1 = testing::shared_data_path("reference/" + name + ".output1.npy");
  *skipped = !testing::path_exists(out0) || !testing::path_exists(out1);
  if (*skipped) return {};
  auto regressors = load_npy(out0);
  auto scores = load_npy(out1);
  EXPECT_TRUE(regressors.is_ok() && scores.is_ok());
  if (!regressors.is_ok() || !scores.is_ok()) return {};
  FaceDetector detector(options);
  auto faces = detector.decode(regressors.value(), scores.value());
  EXPECT_TRUE(faces.is_ok()) << faces.status().message();
  return faces.is_ok() ? faces.value() : std::vector<FaceDetection>{};
}

TEST(FaceDetector, FindsTheAstronautsFaceInTfliteOutputs) {
  const FaceCase cases[] = {
      {"face_short_astronaut", FaceDetectorOptions::short_range()},
      {"face_full_astronaut", FaceDetectorOptions::full_range()},
      {"face_full_sparse_astronaut", FaceDetectorOptions::full_range()},
  };
  for (const FaceCase& c : cases) {
    bool skipped = false;
    const auto faces = detect_from_reference(c.name, c.options, &skipped);
    if (skipped)
      GTEST_SKIP() << "missing " << testing::shared_data_path(std::string("reference/") + c.name)
                   << ".output{0,1}.npy (set OUTPOST_SHARED_DATA)";
    ASSERT_EQ(faces.size(), 1u) << c.name;
    const FaceDetection& f = faces[0];
    const float cx = f.xmin + f.width / 2, cy = f.ymin + f.height / 2;
    std::cout << "[ face     ] " << c.name << ": score " << f.score << " box xmin " << f.xmin
              << " ymin " << f.ymin << " width " << f.width << " height " << f.height << " centre ("
              << cx << ", " << cy << ")\n";
    // Eileen Collins' face in skimage's astronaut.png spans about x 175..275, y 80..175 of its
    // 512x512 pixels (checked by drawing the box on the image): just left of the middle, in
    // the upper third.
    EXPECT_GT(cx, 0.38f);
    EXPECT_LT(cx, 0.50f);
    EXPECT_GT(cy, 0.15f);
    EXPECT_LT(cy, 0.35f);
    EXPECT_GT(f.width, 0.1f);
    EXPECT_LT(f.width, 0.4f);
    EXPECT_GE(f.score, c.options.min_score);
    // Keypoints lie within the face box (eyes, nose, mouth; the ears at its sides).
    for (const auto& [x, y] : f.keypoints) {
      EXPECT_GT(x, f.xmin - 0.05f * f.width) << c.name;
      EXPECT_LT(x, f.xmin + 1.05f * f.width) << c.name;
      EXPECT_GT(y, f.ymin) << c.name;
      EXPECT_LT(y, f.ymin + f.height) << c.name;
    }
    // The subject's right eye appears on the image's left.
    EXPECT_LT(f.keypoints[0].first, f.keypoints[1].first);
  }
}

TEST(FaceDetector, BuiltinKernelOutputsGiveTheSameFace) {
  bool skipped = false;
  const auto xnnpack =
      detect_from_reference("face_short_astronaut", FaceDetectorOptions::short_range(), &skipped);
  if (skipped) GTEST_SKIP() << "missing reference data under " << testing::shared_data_dir();
  const std::string b0 =
      testing::shared_data_path("reference/face_short_astronaut.builtin.output0.npy");
  const std::string b1 =
      testing::shared_data_path("reference/face_short_astronaut.builtin.output1.npy");
  OUTPOST_SKIP_UNLESS_EXISTS(b0);
  OUTPOST_SKIP_UNLESS_EXISTS(b1);
  auto r = load_npy(b0);
  auto s = load_npy(b1);
  ASSERT_TRUE(r.is_ok() && s.is_ok());
  auto builtin = FaceDetector(FaceDetectorOptions::short_range()).decode(r.value(), s.value());
  ASSERT_TRUE(builtin.is_ok());
  ASSERT_EQ(builtin->size(), 1u);
  ASSERT_EQ(xnnpack.size(), 1u);
  EXPECT_NEAR(builtin.value()[0].xmin, xnnpack[0].xmin, 1e-4);
  EXPECT_NEAR(builtin.value()[0].width, xnnpack[0].width, 1e-4);
}

TEST(FaceDetector, RejectsOutputsOfTheWrongShape) {
  FaceDetector detector(FaceDetectorOptions::short_range());
  auto regressors = Tensor::allocate(DType::kFloat32, Shape{1, 2304, 16});
  auto scores = Tensor::allocate(DType::kFloat32, Shape{1, 2304, 1});
  ASSERT_TRUE(regressors.is_ok() && scores.is_ok());
  auto faces = detector.decode(regressors.value(), scores.value());
  ASSERT_FALSE(faces.is_ok());
  EXPECT_EQ(faces.status().code(), StatusCode::kShapeMismatch);
  EXPECT_NE(faces.status().message().find("896"), std::string::npos) << faces.status().message();

  auto ints = Tensor::allocate(DType::kInt32, Shape{1, 896, 16});
  auto good_scores = Tensor::allocate(DType::kFloat32, Shape{1, 896, 1});
  ASSERT_TRUE(ints.is_ok() && good_scores.is_ok());
  EXPECT_FALSE(detector.decode(ints.value(), good_scores.value()).is_ok());
}

TEST(FaceDetector, LowScoresGiveNoFaces) {
  FaceDetector detector(FaceDetectorOptions::short_range());
  std::vector<float> regressors(896 * 16, 0.0f), scores(896, -1000.0f);  // clipped to -100
  EXPECT_TRUE(detector.decode(regressors.data(), scores.data()).empty());
  scores[100] = std::nanf("");
  EXPECT_TRUE(detector.decode(regressors.data(), scores.data()).empty());
  // One confident anchor: a box of 12.8 px = 0.1 around anchor 100's centre.
  scores[100] = 5.0f;
  regressors[100 * 16 + 2] = regressors[100 * 16 + 3] = 12.8f;
  const auto faces = detector.decode(regressors.data(), scores.data());
  ASSERT_EQ(faces.size(), 1u);
  const Anchor& a = detector.anchors()[100];
  EXPECT_NEAR(faces[0].xmin, a.x_center - 0.05f, 1e-6);
  EXPECT_NEAR(faces[0].height, 0.1f, 1e-6);
  EXPECT_NEAR(faces[0].score, 1.0f / (1.0f + std::exp(-5.0f)), 1e-6);
}

TEST(FaceDetector, InputFromImageMatchesReferenceInput) {
  const std::string image_path = testing::cache_path("debian/python3-skimage/astronaut.png");
  const std::string npy = testing::shared_data_path("reference/face_short_astronaut.input.npy");
  OUTPOST_SKIP_UNLESS_EXISTS(image_path);
  OUTPOST_SKIP_UNLESS_EXISTS(npy);
  auto image = load_image(image_path);
  ASSERT_TRUE(image.is_ok());
  auto input = face_detector_input(image.value(), FaceDetectorOptions::short_range());
  ASSERT_TRUE(input.is_ok()) << input.status().message();
  auto reference = load_npy(npy);
  ASSERT_TRUE(reference.is_ok());
  ASSERT_EQ(input->shape(), reference->shape());
  float max_diff = 0.0f;
  for (int64_t i = 0; i < input->num_elements(); ++i)
    max_diff =
        std::max(max_diff, std::abs(input->data_as<float>()[i] - reference->data_as<float>()[i]));
  EXPECT_LE(max_diff, 1.0f / 127.5f + 1e-6f);
}

}  // namespace
}  // namespace outpost
