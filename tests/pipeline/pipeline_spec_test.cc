#include "pipeline/pipeline_spec.h"

#include <gtest/gtest.h>

namespace outpost {
namespace {

Result<PipelineSpec> parse(const std::string& text) {
  return parse_pipeline_spec(text, "/srv/pipes", "p.json");
}

void expect_usage_error(const std::string& text, const std::string& part) {
  auto spec = parse(text);
  ASSERT_FALSE(spec.is_ok()) << text;
  EXPECT_EQ(spec.status().code(), StatusCode::kUsage) << spec.status().message();
  EXPECT_NE(spec.status().message().find(part), std::string::npos)
      << "'" << part << "' missing in: " << spec.status().message();
  EXPECT_NE(spec.status().message().find("p.json"), std::string::npos);
}

TEST(PipelineSpec, ReadsEverythingWithPathsFromTheFilesDirectory) {
  auto spec = parse(R"({"source": {"type": "video", "path": "cam/door.mp4"},
    "model": "/models/face.tflite", "task": "faces", "min_score": 0.7, "queue_size": 8,
    "max_frames": 100, "sinks": [{"type": "jsonl", "path": "events.jsonl"},
                                 {"type": "images", "dir": "out", "format": "jpg"},
                                 {"type": "jsonl"}]})");
  ASSERT_TRUE(spec.is_ok()) << spec.status().message();
  EXPECT_EQ(spec->source_kind, SourceKind::kVideo);
  EXPECT_EQ(spec->source, "/srv/pipes/cam/door.mp4");
  EXPECT_EQ(spec->model, "/models/face.tflite");  // absolute stays
  EXPECT_EQ(spec->task.kind, TaskKind::kFaces);
  EXPECT_FLOAT_EQ(spec->task.min_score, 0.7f);
  EXPECT_EQ(spec->queue_size, 8u);
  EXPECT_EQ(spec->max_frames, 100);
  ASSERT_EQ(spec->sinks.size(), 3u);
  EXPECT_EQ(spec->sinks[0].path, "/srv/pipes/events.jsonl");
  EXPECT_EQ(spec->sinks[1].kind, SinkSpec::Kind::kImages);
  EXPECT_EQ(spec->sinks[1].path, "/srv/pipes/out");
  EXPECT_EQ(spec->sinks[1].format, "jpg");
  EXPECT_EQ(spec->sinks[2].path, "-");  // stdout
}

TEST(PipelineSpec, DefaultsAndShortForms) {
  auto spec = parse(R"({"source": "frames/*.png", "model": "m.tflite", "task": "segmentation"})");
  ASSERT_TRUE(spec.is_ok()) << spec.status().message();
  EXPECT_EQ(spec->source_kind, SourceKind::kImages);  // a pattern
  EXPECT_EQ(spec->source, "/srv/pipes/frames/*.png");
  EXPECT_EQ(spec->task.kind, TaskKind::kSegmentation);
  EXPECT_TRUE(spec->task.input_zero_to_one);
  EXPECT_FLOAT_EQ(spec->task.threshold, 0.5f);
  ASSERT_EQ(spec->sinks.size(), 1u);  // JSON lines on stdout
  EXPECT_EQ(spec->sinks[0].path, "-");
  auto video = parse(R"({"source": "rtsp://cam.local/stream", "model": "m.tflite", "task": "faces"})");
  ASSERT_TRUE(video.is_ok());
  EXPECT_EQ(video->source_kind, SourceKind::kVideo);
  EXPECT_EQ(video->source, "rtsp://cam.local/stream");
}

TEST(PipelineSpec, MistakesNameTheField) {
  expect_usage_error("{", "not valid JSON");
  expect_usage_error("[1]", "one JSON object");
  expect_usage_error(R"({"model": "m", "task": "faces"})", "'source' is required");
  expect_usage_error(R"({"source": "a.mp4", "task": "faces"})", "'model' is required");
  expect_usage_error(R"({"source": "a.mp4", "model": "m", "task": "poses"})", "'task'");
  expect_usage_error(R"({"source": "a.mp4", "model": "m", "task": "faces", "treshold": 1})",
                     "'treshold' is not a known key");
  expect_usage_error(R"({"source": "a.mp4", "model": "m", "task": "faces", "threshold": 2})",
                     "'threshold' must be between");
  expect_usage_error(R"({"source": {"type": "camera", "path": "x"}, "model": "m", "task": "faces"})",
                     "'source.type'");
  expect_usage_error(
      R"({"source": "a.mp4", "model": "m", "task": "faces", "sinks": [{"type": "mqtt"}]})",
      "'sinks[0].type'");
  expect_usage_error(
      R"({"source": "a.mp4", "model": "m", "task": "faces", "sinks": [{"type": "images"}]})",
      "'sinks[0].dir' is required");
  expect_usage_error(R"({"source": "a.mp4", "model": 3, "task": "faces"})",
                     "'model' must be a non-empty string");
}

}  // namespace
}  // namespace outpost
