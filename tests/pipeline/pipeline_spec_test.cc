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
  auto stream =
      parse(R"({"source": "rtsp://cam.local/stream", "model": "m.tflite", "task": "faces"})");
  ASSERT_TRUE(stream.is_ok());
  EXPECT_EQ(stream->source_kind, SourceKind::kStream);  // a network url is a live stream
  EXPECT_EQ(stream->source, "rtsp://cam.local/stream");
  EXPECT_DOUBLE_EQ(stream->reconnect_timeout, 30);
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
                     "'threshold' must be from 0 to 1, not 2");
  expect_usage_error(
      R"({"source": {"type": "webcam", "path": "x"}, "model": "m", "task": "faces"})",
      "'source.type'");
  expect_usage_error(
      R"({"source": {"type": "camera", "path": "x"}, "model": "m", "task": "faces"})",
      "'source.path' is not a known key");
  expect_usage_error(R"({"source": {"type": "video", "path": "a.mp4", "reconnect_timeout": 5},
                         "model": "m", "task": "faces"})",
                     "'source.reconnect_timeout' is not a known key");
  expect_usage_error(R"({"source": {"type": "stream", "url": "rtsp://c/s", "reconnect_timeout": -1},
                         "model": "m", "task": "faces"})",
                     "'source.reconnect_timeout' must be a number of seconds");
  expect_usage_error(R"({"source": {"type": "stream"}, "model": "m", "task": "faces"})",
                     "'source.url' is required");
  expect_usage_error(
      R"({"source": "a.mp4", "model": "m", "task": "faces", "sinks": [{"type": "video"}]})",
      "'sinks[0].path' is required");
  expect_usage_error(R"({"source": "a.mp4", "model": "m", "task": "faces",
                         "sinks": [{"type": "video", "path": "out.gif"}]})",
                     "'sinks[0].path' must end in .mp4, .mkv or .avi");
  expect_usage_error(
      R"({"source": "a.mp4", "model": "m", "task": "faces", "sinks": [{"type": "mqtt"}]})",
      "'sinks[0].type'");
  expect_usage_error(
      R"({"source": "a.mp4", "model": "m", "task": "faces", "sinks": [{"type": "images"}]})",
      "'sinks[0].dir' is required");
  expect_usage_error(R"({"source": "a.mp4", "model": 3, "task": "faces"})",
                     "'model' must be a non-empty string");
}

TEST(PipelineSpec, LiveSourcesAndTheVideoSink) {
  auto rtsp = parse(R"({"source": {"type": "rtsp", "url": "rtsp://10.0.0.5/main",
    "reconnect_timeout": 120}, "model": "m.tflite", "task": "faces",
    "sinks": [{"type": "video", "path": "out/annotated.MKV"}]})");
  ASSERT_TRUE(rtsp.is_ok()) << rtsp.status().message();
  EXPECT_EQ(rtsp->source_kind, SourceKind::kStream);
  EXPECT_EQ(rtsp->source, "rtsp://10.0.0.5/main");
  EXPECT_DOUBLE_EQ(rtsp->reconnect_timeout, 120);
  ASSERT_EQ(rtsp->sinks.size(), 1u);
  EXPECT_EQ(rtsp->sinks[0].kind, SinkSpec::Kind::kVideo);
  EXPECT_EQ(rtsp->sinks[0].path, "/srv/pipes/out/annotated.MKV");

  auto camera = parse(R"({"source": {"type": "camera", "device": "/dev/video2",
    "reconnect_timeout": 0}, "model": "m.tflite", "task": "faces"})");
  ASSERT_TRUE(camera.is_ok()) << camera.status().message();
  EXPECT_EQ(camera->source_kind, SourceKind::kCamera);
  EXPECT_EQ(camera->source, "/dev/video2");
  EXPECT_DOUBLE_EQ(camera->reconnect_timeout, 0);
  auto default_camera = parse(R"({"source": {"type": "camera"}, "model": "m", "task": "faces"})");
  ASSERT_TRUE(default_camera.is_ok()) << default_camera.status().message();
  EXPECT_EQ(default_camera->source, "/dev/video0");
  auto bare_device = parse(R"({"source": "/dev/video1", "model": "m", "task": "faces"})");
  ASSERT_TRUE(bare_device.is_ok());
  EXPECT_EQ(bare_device->source_kind, SourceKind::kCamera);

  // A URL is a stream even with a query string ('?' is no pattern there); a file served over
  // HTTP that must be read whole, without drops, says "video".
  auto http = parse(R"({"source": "http://cam/video.mjpg?fps=10", "model": "m", "task": "faces"})");
  ASSERT_TRUE(http.is_ok());
  EXPECT_EQ(http->source_kind, SourceKind::kStream);
  auto file = parse(R"({"source": {"type": "video", "path": "https://host/clip.mp4"},
    "model": "m", "task": "faces"})");
  ASSERT_TRUE(file.is_ok());
  EXPECT_EQ(file->source_kind, SourceKind::kVideo);
  EXPECT_EQ(file->source, "https://host/clip.mp4");
}

// Numbers are checked for type and range and refused naming the key, the allowed range and
// the value given.
TEST(PipelineSpec, NumbersMustBeInRangeAndWholeWhereTheyCount) {
  const std::string head = R"({"source": "a.mp4", "model": "m", "task": "faces", )";
  expect_usage_error(head + R"("min_score": -1})", "'min_score' must be from 0 to 1, not -1");
  expect_usage_error(head + R"("min_score": 1.5})", "'min_score' must be from 0 to 1, not 1.5");
  expect_usage_error(head + R"("min_score": "0.5"})", "'min_score' must be a number from 0 to 1");
  expect_usage_error(head + R"("queue_size": 2.5})",
                     "'queue_size' must be a whole number from 1 to 1024, not 2.5");
  expect_usage_error(head + R"("queue_size": 0})", "'queue_size' must be a whole number from 1");
  expect_usage_error(head + R"("queue_size": true})", "'queue_size' must be a whole number");
  expect_usage_error(head + R"("top_k": 1.5})", "'top_k' must be a whole number from 1 to 1000");
  expect_usage_error(head + R"("max_frames": 0})", "'max_frames' must be a whole number from 1");
  expect_usage_error(head + R"("max_frames": -1})", "'max_frames'");
  expect_usage_error(head + R"("threshold": -0.1})", "'threshold' must be from 0 to 1");
  // Whole numbers written as 8.0 are whole.
  auto spec = parse(head + R"("queue_size": 8.0, "top_k": 3, "min_score": 0, "max_frames": 1})");
  ASSERT_TRUE(spec.is_ok()) << spec.status().message();
  EXPECT_EQ(spec->queue_size, 8u);
  EXPECT_EQ(spec->task.top_k, 3);
  EXPECT_FLOAT_EQ(spec->task.min_score, 0.0f);
  EXPECT_EQ(spec->max_frames, 1);
}

// JSON parsers keep the last of two equal keys; a pipeline with two is a mistake either way.
TEST(PipelineSpec, DuplicateKeysAreRefusedWithTheirPath) {
  expect_usage_error(R"({"source": "a.mp4", "model": "m", "task": "faces", "min_score": 0.5,
                         "min_score": 0.9})",
                     "'min_score' appears twice");
  expect_usage_error(R"({"source": {"type": "video", "path": "a.mp4", "path": "b.mp4"},
                         "model": "m", "task": "faces"})",
                     "'source.path' appears twice");
  expect_usage_error(R"({"source": "a.mp4", "model": "m", "task": "faces",
                         "sinks": [{"type": "jsonl"}, {"type": "video", "path": "a.mp4",
                                                       "type": "images"}]})",
                     "'sinks[1].type' appears twice");
  expect_usage_error(R"({"source": "a.mp4", "model": "m", "task": "faces",
                         "preprocess": {"fit": "crop", "fit": "letterbox"}})",
                     "'preprocess.fit' appears twice");
  // The same key in two different objects is no duplicate.
  auto spec = parse(R"({"source": "a.mp4", "model": "m", "task": "faces",
                        "sinks": [{"type": "jsonl", "path": "a"}, {"type": "jsonl", "path": "b"}]})");
  ASSERT_TRUE(spec.is_ok()) << spec.status().message();
  EXPECT_EQ(spec->sinks.size(), 2u);
}

TEST(PipelineSpec, APipelineWithoutSinksIsRefused) {
  expect_usage_error(R"({"source": "a.mp4", "model": "m", "task": "faces", "sinks": []})",
                     "'sinks' lists no sink");
}

TEST(PipelineSpec, TheUplinkSinkAndItsSettings) {
  const std::string head = R"({"source": "a.mp4", "model": "m", "task": "faces", "sinks": )";
  auto spec = parse(head + R"([{"type": "uplink"}]})");
  ASSERT_TRUE(spec.is_ok()) << spec.status().message();
  ASSERT_EQ(spec->sinks.size(), 1u);
  EXPECT_EQ(spec->sinks[0].kind, SinkSpec::Kind::kUplink);
  EXPECT_EQ(spec->sinks[0].path, "");  // the agent's, from the environment
  EXPECT_DOUBLE_EQ(spec->sinks[0].metrics_interval_s, 60);
  EXPECT_EQ(spec->sinks[0].max_pending, 10000u);
  spec = parse(head + R"([{"type": "uplink", "socket": "run/a.sock", "metrics_interval_s": 0,
                            "max_pending": 50}]})");
  ASSERT_TRUE(spec.is_ok()) << spec.status().message();
  EXPECT_EQ(spec->sinks[0].path, "/srv/pipes/run/a.sock");
  EXPECT_DOUBLE_EQ(spec->sinks[0].metrics_interval_s, 0);
  EXPECT_EQ(spec->sinks[0].max_pending, 50u);
  expect_usage_error(head + R"([{"type": "jsonl"}, {"type": "uplink", "max_pending": 0}]})",
                     "'sinks[1].max_pending' must be a whole number from 1");
  expect_usage_error(head + R"([{"type": "uplink", "metrics_interval_s": -5}]})",
                     "'sinks[0].metrics_interval_s' must be from 0 to 86400");
  // Each sink type takes its own keys only.
  expect_usage_error(head + R"([{"type": "uplink", "path": "x"}]})", "'sinks[0].path' is not a known key");
  expect_usage_error(head + R"([{"type": "jsonl", "socket": "x"}]})", "'sinks[0].socket' is not a known key");
  expect_usage_error(head + R"([{"type": "mqtt"}]})", "must be jsonl, images, video or uplink");
}

}  // namespace
}  // namespace outpost
