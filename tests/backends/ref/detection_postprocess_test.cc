// DetectionPostProcess (TFLite_Detection_PostProcess) on hand-computed cases. Unless a test
// says otherwise, box encodings are zero, so each decoded box is its anchor:
// (y, x, h, w) -> (y - h/2, x - w/2, y + h/2, x + w/2).
#include <gtest/gtest.h>

#include <array>
#include <cmath>

#include "backends/ref/float_factory_status.h"
#include "support/op_runner.h"

namespace outpost {
namespace {

using testing::make_tensor;
using testing::make_typed;
using testing::OpInput;
using testing::run_op;

struct DppCase {
  int64_t max_detections = 3, max_classes_per_detection = 1, detections_per_class = 100;
  int64_t num_classes = 1;
  bool use_regular_nms = false;
  float score_threshold = 0.5f, iou_threshold = 0.5f;
  float y_scale = 10, x_scale = 10, h_scale = 5, w_scale = 5;

  Attributes attrs() const {
    Attributes a;
    a.set("max_detections", max_detections);
    a.set("max_classes_per_detection", max_classes_per_detection);
    a.set("detections_per_class", detections_per_class);
    a.set("use_regular_nms", int64_t{use_regular_nms});
    a.set("nms_score_threshold", score_threshold);
    a.set("nms_iou_threshold", iou_threshold);
    a.set("num_classes", num_classes);
    a.set("y_scale", y_scale);
    a.set("x_scale", x_scale);
    a.set("h_scale", h_scale);
    a.set("w_scale", w_scale);
    return a;
  }
};

using Box = std::array<float, 4>;  // ymin, xmin, ymax, xmax

struct DppOutputs {
  Shape boxes_shape;
  std::vector<Box> boxes;
  std::vector<float> classes, scores;
  float num_detections = -1;
};

OpInput constant(Tensor t) {
  OpInput in{std::move(t)};
  in.constant = true;
  return in;
}

Tensor zeros(int64_t boxes) {
  return make_tensor({1, boxes, 4}, std::vector<float>(static_cast<size_t>(boxes * 4), 0.0f));
}

Result<DppOutputs> run_dpp(const DppCase& c, Tensor encodings, Tensor scores, OpInput anchors) {
  OUTPOST_ASSIGN_OR_RETURN(
      auto out,
      run_op(OpKind::kDetectionPostProcess, c.attrs(),
             {{std::move(encodings)}, {std::move(scores)}, std::move(anchors)}, {{}, {}, {}, {}}));
  DppOutputs r;
  r.boxes_shape = out[0].shape();
  const float* b = out[0].data_as<float>();
  for (int64_t i = 0; i < out[1].num_elements(); ++i)
    r.boxes.push_back({b[4 * i], b[4 * i + 1], b[4 * i + 2], b[4 * i + 3]});
  r.classes.assign(out[1].data_as<float>(), out[1].data_as<float>() + out[1].num_elements());
  r.scores.assign(out[2].data_as<float>(), out[2].data_as<float>() + out[2].num_elements());
  r.num_detections = out[3].data_as<float>()[0];
  return r;
}

DppOutputs run_ok(const DppCase& c, Tensor encodings, Tensor scores, Tensor anchors) {
  auto r = run_dpp(c, std::move(encodings), std::move(scores), constant(std::move(anchors)));
  EXPECT_TRUE(r.is_ok()) << r.status().message();
  return r.is_ok() ? *r : DppOutputs{};
}

void expect_box(const Box& got, const Box& want) {
  for (size_t k = 0; k < 4; ++k) EXPECT_NEAR(got[k], want[k], 1e-6) << "coordinate " << k;
}

// Anchors A and B overlap (IoU 0.905), C is far from both.
//   A (0.5, 0.5, 0.4, 0.4) -> [0.3, 0.3, 0.7, 0.7]
//   B (0.52, 0.5, 0.4, 0.4) -> [0.32, 0.3, 0.72, 0.7]: intersection 0.38 * 0.4 = 0.152,
//     union 0.16 + 0.16 - 0.152 = 0.168
//   C (0.1, 0.1, 0.1, 0.1) -> [0.05, 0.05, 0.15, 0.15]
Tensor abc_anchors() {
  return make_tensor({3, 4},
                     {0.5f, 0.5f, 0.4f, 0.4f, 0.52f, 0.5f, 0.4f, 0.4f, 0.1f, 0.1f, 0.1f, 0.1f});
}
const Box kA = {0.3f, 0.3f, 0.7f, 0.7f}, kB = {0.32f, 0.3f, 0.72f, 0.7f},
          kC = {0.05f, 0.05f, 0.15f, 0.15f};
const Box kEmpty = {0, 0, 0, 0};

TEST(DetectionPostProcess, DecodesWithScalesAndAnchors) {
  // Scales y 10, x 5, h 2, w 4; anchor (0.5, 0.4, 0.2, 0.4); encoding (1, -1, 2 ln 2, 4 ln 0.5):
  //   y = 1 / 10 * 0.2 + 0.5 = 0.52, x = -1 / 5 * 0.4 + 0.4 = 0.32,
  //   h = exp(ln 2) * 0.2 = 0.4, w = exp(ln 0.5) * 0.4 = 0.2 -> [0.32, 0.22, 0.72, 0.42]
  DppCase c;
  c.max_detections = 1;
  c.x_scale = 5;
  c.h_scale = 2;
  c.w_scale = 4;
  auto r =
      run_ok(c, make_tensor({1, 1, 4}, {1.0f, -1.0f, 2 * std::log(2.0f), 4 * std::log(0.5f)}),
             make_tensor({1, 1, 2}, {0.0f, 0.9f}), make_tensor({1, 4}, {0.5f, 0.4f, 0.2f, 0.4f}));
  EXPECT_EQ(r.boxes_shape, (Shape{1, 1, 4}));
  ASSERT_EQ(r.boxes.size(), 1u);
  expect_box(r.boxes[0], {0.32f, 0.22f, 0.72f, 0.42f});
  EXPECT_EQ(r.classes[0], 0.0f);
  EXPECT_FLOAT_EQ(r.scores[0], 0.9f);
  EXPECT_EQ(r.num_detections, 1.0f);
}

TEST(DetectionPostProcess, SuppressesTheOverlappingLowerScoreBoxOnly) {
  // Scores A 0.9 > B 0.8 > C 0.7: B overlaps A (IoU 0.905 > 0.5) and goes; C stays.
  auto r = run_ok(DppCase{}, zeros(3), make_tensor({1, 3, 2}, {0, 0.9f, 0, 0.8f, 0, 0.7f}),
                  abc_anchors());
  EXPECT_EQ(r.num_detections, 2.0f);
  expect_box(r.boxes[0], kA);
  expect_box(r.boxes[1], kC);
  expect_box(r.boxes[2], kEmpty);  // padding
  EXPECT_EQ(r.scores, (std::vector<float>{0.9f, 0.7f, 0.0f}));
  EXPECT_EQ(r.classes, (std::vector<float>{0, 0, 0}));
}

TEST(DetectionPostProcess, OverlapUnderTheIouThresholdStays) {
  // IoU(A, B) = 0.152 / 0.168 = 0.90476...; a threshold just above it keeps B.
  DppCase c;
  c.iou_threshold = 0.91f;
  auto r = run_ok(c, zeros(3), make_tensor({1, 3, 2}, {0, 0.9f, 0, 0.8f, 0, 0.7f}), abc_anchors());
  EXPECT_EQ(r.num_detections, 3.0f);
  expect_box(r.boxes[1], kB);
}

TEST(DetectionPostProcess, ScoreThresholdKeepsEqualScores) {
  // TFLite keeps score >= threshold: C's 0.7 passes a threshold of 0.7, not one of 0.71.
  DppCase c;
  c.score_threshold = 0.7f;
  auto scores = std::vector<float>{0, 0.9f, 0, 0.8f, 0, 0.7f};
  auto r = run_ok(c, zeros(3), make_tensor({1, 3, 2}, scores), abc_anchors());
  EXPECT_EQ(r.num_detections, 2.0f);
  c.score_threshold = 0.71f;
  r = run_ok(c, zeros(3), make_tensor({1, 3, 2}, scores), abc_anchors());
  EXPECT_EQ(r.num_detections, 1.0f);
  expect_box(r.boxes[0], kA);
  EXPECT_EQ(r.scores, (std::vector<float>{0.9f, 0.0f, 0.0f}));
}

// Three boxes far apart: (0.1, 0.1), (0.5, 0.5), (0.9, 0.9), each 0.1 x 0.1.
Tensor distant_anchors() {
  return make_tensor({3, 4},
                     {0.1f, 0.1f, 0.1f, 0.1f, 0.5f, 0.5f, 0.1f, 0.1f, 0.9f, 0.9f, 0.1f, 0.1f});
}
const Box kD0 = {0.05f, 0.05f, 0.15f, 0.15f}, kD1 = {0.45f, 0.45f, 0.55f, 0.55f},
          kD2 = {0.85f, 0.85f, 0.95f, 0.95f};

TEST(DetectionPostProcess, MaxDetectionsCapsTheBestBoxes) {
  DppCase c;
  c.max_detections = 2;
  auto r =
      run_ok(c, zeros(3), make_tensor({1, 3, 2}, {0, 0.6f, 0, 0.8f, 0, 0.7f}), distant_anchors());
  EXPECT_EQ(r.boxes_shape, (Shape{1, 2, 4}));
  EXPECT_EQ(r.num_detections, 2.0f);
  expect_box(r.boxes[0], kD1);
  expect_box(r.boxes[1], kD2);
  EXPECT_EQ(r.scores, (std::vector<float>{0.8f, 0.7f}));
}

TEST(DetectionPostProcess, EqualScoresGoToTheLowerBoxIndex) {
  auto r = run_ok(DppCase{}, zeros(3), make_tensor({1, 3, 2}, {0, 0.6f, 0, 0.8f, 0, 0.8f}),
                  distant_anchors());
  expect_box(r.boxes[0], kD1);
  expect_box(r.boxes[1], kD2);
  expect_box(r.boxes[2], kD0);
}

TEST(DetectionPostProcess, FastPathEmitsTopClassesPerBox) {
  // 3 classes after the background column, max_classes_per_detection 2: rows come in pairs per
  // kept box, best class first; num_detections counts boxes. Box 1 (best 0.9) goes first.
  // The second class is emitted whatever its score (0.3 is under the threshold): TFLite's rule.
  DppCase c;
  c.num_classes = 3;
  c.max_classes_per_detection = 2;
  auto r = run_ok(c, zeros(3),
                  make_tensor({1, 3, 4}, {0.9f, 0.7f, 0.1f, 0.3f,    // box 0: class 0, then 2
                                          0.0f, 0.2f, 0.9f, 0.6f,    // box 1: class 1, then 2
                                          0.0f, 0.1f, 0.2f, 0.4f}),  // box 2: under the threshold
                  distant_anchors());
  EXPECT_EQ(r.boxes_shape, (Shape{1, 6, 4}));
  EXPECT_EQ(r.num_detections, 2.0f);
  EXPECT_EQ(r.classes, (std::vector<float>{1, 2, 0, 2, 0, 0}));
  EXPECT_EQ(r.scores, (std::vector<float>{0.9f, 0.6f, 0.7f, 0.3f, 0, 0}));
  expect_box(r.boxes[0], kD1);
  expect_box(r.boxes[1], kD1);
  expect_box(r.boxes[2], kD0);
  expect_box(r.boxes[3], kD0);
  expect_box(r.boxes[4], kEmpty);
}

TEST(DetectionPostProcess, FastPathPadsWhenFewerClassesThanSlots) {
  // One class but 2 slots per box: the second slot of each kept box stays zero.
  DppCase c;
  c.max_detections = 2;
  c.max_classes_per_detection = 2;
  auto r =
      run_ok(c, zeros(3), make_tensor({1, 3, 2}, {0, 0.6f, 0, 0.8f, 0, 0.1f}), distant_anchors());
  EXPECT_EQ(r.num_detections, 2.0f);
  EXPECT_EQ(r.scores, (std::vector<float>{0.8f, 0, 0.6f, 0}));
  expect_box(r.boxes[1], kEmpty);
  expect_box(r.boxes[2], kD0);
}

TEST(DetectionPostProcess, FastPathTiedClassesGoToTheLowerClass) {
  DppCase c;
  c.num_classes = 3;
  c.max_classes_per_detection = 2;
  c.max_detections = 1;
  auto r = run_ok(c, zeros(1), make_tensor({1, 1, 4}, {0, 0.6f, 0.8f, 0.8f}),
                  make_tensor({1, 4}, {0.5f, 0.5f, 0.2f, 0.2f}));
  EXPECT_EQ(r.classes, (std::vector<float>{1, 2}));
}

// A scores 0.9 for class 0 and 0.8 for class 1; B 0.85 for class 0 (overlapping A) and 0.1.
Tensor two_class_scores() { return make_tensor({1, 2, 3}, {0, 0.9f, 0.8f, 0, 0.85f, 0.1f}); }
Tensor ab_anchors() {
  return make_tensor({2, 4}, {0.5f, 0.5f, 0.4f, 0.4f, 0.52f, 0.5f, 0.4f, 0.4f});
}

TEST(DetectionPostProcess, RegularNmsKeepsOtherClassesOnTheSameBox) {
  DppCase c;
  c.num_classes = 2;
  c.use_regular_nms = true;
  auto r = run_ok(c, zeros(2), two_class_scores(), ab_anchors());
  // Class 0: A (0.9) suppresses B (0.85); class 1: A (0.8). A appears twice.
  EXPECT_EQ(r.num_detections, 2.0f);
  EXPECT_EQ(r.classes, (std::vector<float>{0, 1, 0}));
  EXPECT_EQ(r.scores, (std::vector<float>{0.9f, 0.8f, 0}));
  expect_box(r.boxes[0], kA);
  expect_box(r.boxes[1], kA);
  expect_box(r.boxes[2], kEmpty);
  // The fast path scores each box by its best class only: A (class 0) suppresses B.
  c.use_regular_nms = false;
  r = run_ok(c, zeros(2), two_class_scores(), ab_anchors());
  EXPECT_EQ(r.num_detections, 1.0f);
  EXPECT_EQ(r.classes, (std::vector<float>{0, 0, 0}));
}

TEST(DetectionPostProcess, RegularNmsRanksAcrossClassesAndCapsPerClass) {
  // Distant boxes, 2 classes: box 0 (0.9, 0.6), box 1 (0.8, 0.95), box 2 (0.55, 0.7).
  DppCase c;
  c.num_classes = 2;
  c.use_regular_nms = true;
  auto scores = std::vector<float>{0, 0.9f, 0.6f, 0, 0.8f, 0.95f, 0, 0.55f, 0.7f};
  // All candidates: b1/c1 0.95, b0/c0 0.9, b1/c0 0.8, b2/c1 0.7, ...; the best 3.
  auto r = run_ok(c, zeros(3), make_tensor({1, 3, 3}, scores), distant_anchors());
  EXPECT_EQ(r.num_detections, 3.0f);
  EXPECT_EQ(r.scores, (std::vector<float>{0.95f, 0.9f, 0.8f}));
  EXPECT_EQ(r.classes, (std::vector<float>{1, 0, 0}));
  expect_box(r.boxes[0], kD1);
  expect_box(r.boxes[1], kD0);
  expect_box(r.boxes[2], kD1);
  // One detection per class: b0/c0 0.9 and b1/c1 0.95 only.
  c.detections_per_class = 1;
  r = run_ok(c, zeros(3), make_tensor({1, 3, 3}, scores), distant_anchors());
  EXPECT_EQ(r.num_detections, 2.0f);
  EXPECT_EQ(r.scores, (std::vector<float>{0.95f, 0.9f, 0}));
  EXPECT_EQ(r.classes, (std::vector<float>{1, 0, 0}));
}

TEST(DetectionPostProcess, RegularNmsTiesGoToTheLowerClass) {
  DppCase c;
  c.num_classes = 2;
  c.use_regular_nms = true;
  c.max_detections = 2;
  auto r = run_ok(c, zeros(1), make_tensor({1, 1, 3}, {0, 0.7f, 0.7f}),
                  make_tensor({1, 4}, {0.5f, 0.5f, 0.2f, 0.2f}));
  EXPECT_EQ(r.classes, (std::vector<float>{0, 1}));
}

TEST(DetectionPostProcess, BackgroundColumnIsSkippedWhenPresent) {
  // num_classes 2: with 3 columns the first is background (its 0.99 never counts, and class
  // indices start after it); with 2 columns there is none. Both give class 1 at 0.8.
  DppCase c;
  c.num_classes = 2;
  c.max_detections = 1;
  const Tensor anchor = make_tensor({1, 4}, {0.5f, 0.5f, 0.2f, 0.2f});
  auto with = run_ok(c, zeros(1), make_tensor({1, 1, 3}, {0.99f, 0.1f, 0.8f}), anchor);
  auto without = run_ok(c, zeros(1), make_tensor({1, 1, 2}, {0.1f, 0.8f}), anchor);
  for (const auto* r : {&with, &without}) {
    EXPECT_EQ(r->classes, (std::vector<float>{1}));
    EXPECT_EQ(r->scores, (std::vector<float>{0.8f}));
  }
}

TEST(DetectionPostProcess, EmptyBoxesHaveIouZero) {
  // Box 1 has the same centre as box 0 but zero height: IoU 0, so even an IoU threshold of 0
  // (drop any overlap) keeps it; box 2 overlaps box 0 a little and goes.
  DppCase c;
  c.iou_threshold = 0.0f;
  auto r = run_ok(c, zeros(3), make_tensor({1, 3, 2}, {0, 0.9f, 0, 0.8f, 0, 0.7f}),
                  make_tensor({3, 4}, {0.5f, 0.5f, 0.4f, 0.4f, 0.5f, 0.5f, 0.0f, 0.4f, 0.75f, 0.5f,
                                       0.2f, 0.2f}));
  EXPECT_EQ(r.num_detections, 2.0f);
  expect_box(r.boxes[1], {0.5f, 0.3f, 0.5f, 0.7f});
}

TEST(DetectionPostProcess, QuantizedInputsAreDequantized) {
  // uint8 encodings (scale 0.1, zero point 128): (138, 128, 128, 128) = (1, 0, 0, 0);
  // uint8 anchors (scale 0.01): (50, 50, 40, 40) = (0.5, 0.5, 0.4, 0.4) -> y 1/10*0.4 + 0.5 = 0.54,
  //   box [0.34, 0.3, 0.74, 0.7];
  // int8 scores (scale 1/256, zero point -128): 102 -> 230/256 = 0.8984375, -28 -> 100/256.
  DppCase c;
  c.max_detections = 1;
  QuantParams enc_q{{0.1f}, {128}}, anchor_q{{0.01f}, {0}}, score_q{{1.0f / 256}, {-128}};
  auto r =
      run_ok(c, make_typed<uint8_t>({1, 2, 4}, {138, 128, 128, 128, 128, 128, 128, 128}, enc_q),
             make_typed<int8_t>({1, 2, 2}, {-128, 102, -128, -28}, score_q),
             make_typed<uint8_t>({2, 4}, {50, 50, 40, 40, 10, 10, 10, 10}, anchor_q));
  EXPECT_EQ(r.num_detections, 1.0f);
  expect_box(r.boxes[0], {0.34f, 0.3f, 0.74f, 0.7f});
  EXPECT_FLOAT_EQ(r.scores[0], 0.8984375f);
}

TEST(DetectionPostProcess, RunTimeAnchorsWork) {
  auto r = run_dpp(DppCase{}, zeros(3), make_tensor({1, 3, 2}, {0, 0.9f, 0, 0.8f, 0, 0.7f}),
                   OpInput{abc_anchors()});
  ASSERT_TRUE(r.is_ok()) << r.status().message();
  EXPECT_EQ(r->num_detections, 2.0f);
  expect_box(r->boxes[1], kC);
}

TEST(DetectionPostProcess, NegativeConstantAnchorsAreInvalid) {
  auto r = run_dpp(DppCase{}, zeros(1), make_tensor({1, 1, 2}, {0, 0.9f}),
                   constant(make_tensor({1, 4}, {0.5f, 0.5f, -0.2f, 0.2f})));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
  EXPECT_NE(r.status().message().find("anchor 0"), std::string::npos) << r.status().message();
}

void expect_shape_error(const DppCase& c, Tensor enc, Tensor scores, Tensor anchors,
                        const std::string& fragment) {
  auto r = run_dpp(c, std::move(enc), std::move(scores), constant(std::move(anchors)));
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kShapeMismatch) << r.status().message();
  EXPECT_NE(r.status().message().find(fragment), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("DetectionPostProcess"), std::string::npos)
      << r.status().message();
}

Tensor filled(Shape s) {
  return make_tensor(s, std::vector<float>(static_cast<size_t>(*s.num_elements()), 0.1f));
}

TEST(DetectionPostProcess, WrongInputShapesNameTheInput) {
  const DppCase c;
  expect_shape_error(c, filled({3, 4}), filled({1, 3, 2}), filled({3, 4}), "box_encodings");
  expect_shape_error(c, filled({2, 3, 4}), filled({2, 3, 2}), filled({3, 4}), "box_encodings");
  expect_shape_error(c, filled({1, 3, 3}), filled({1, 3, 2}), filled({3, 4}), "box_encodings");
  expect_shape_error(c, filled({1, 3, 4}), filled({1, 2, 2}), filled({3, 4}), "class_predictions");
  expect_shape_error(c, filled({1, 3, 4}), filled({1, 3, 3}), filled({3, 4}),
                     "num_classes (1) or num_classes + 1");
  expect_shape_error(c, filled({1, 3, 4}), filled({1, 3, 2}), filled({3, 3}), "anchors");
  expect_shape_error(c, filled({1, 3, 4}), filled({1, 3, 2}), filled({2, 4}), "anchors");
}

TEST(DetectionPostProcess, BadAttributesAreShapeErrors) {
  DppCase c;
  c.max_detections = 0;
  expect_shape_error(c, filled({1, 1, 4}), filled({1, 1, 2}), filled({1, 4}), "max_detections");
  c = DppCase{};
  c.h_scale = 0;
  expect_shape_error(c, filled({1, 1, 4}), filled({1, 1, 2}), filled({1, 4}), "h_scale");
  c = DppCase{};
  c.iou_threshold = 1.5f;
  expect_shape_error(c, filled({1, 1, 4}), filled({1, 1, 2}), filled({1, 4}), "nms_iou_threshold");
}

TEST(DetectionPostProcess, Int32InputsAreUnsupported) {
  auto s = testing::factory_status(make_detection_postprocess, OpKind::kDetectionPostProcess,
                                   DppCase{}.attrs(),
                                   {{make_typed<int32_t>({1, 1, 4}, {0, 0, 0, 0})},
                                    {filled({1, 1, 2})},
                                    constant(filled({1, 4}))},
                                   {{}, {}, {}, {}});
  ASSERT_FALSE(s.is_ok());
  EXPECT_EQ(s.code(), StatusCode::kUnsupported);
  EXPECT_NE(s.message().find("box_encodings"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace outpost
