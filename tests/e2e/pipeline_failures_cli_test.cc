// `outpost pipeline run` when part of its input is bad: a folder with one unreadable image and
// one whose name is not UTF-8, a truncated video, a refused RTSP connection, malformed
// pipeline files; and --json, whose summary (or error) is one JSON object on stdout. Real
// images (Debian's python3-skimage), real videos (made with ffmpeg) and the real MediaPipe
// face detector.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "support/child_process.h"
#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "support/test_video.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;
using testing::run_outpost;

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

class PipelineFailuresCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-pipeline-failures-test");
    model_ = testing::model_path("face_detection_short_range.tflite");
    images_ = fs::path(testing::skimage_path("astronaut.png")).parent_path().string();
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  // A pipeline running the face detector on `source` (a JSON value), with these sinks.
  std::string faces(const std::string& name, const std::string& source,
                    const std::string& sinks = "") {
    return write(name, R"({"source": )" + source + R"(, "model": ")" + model_ +
                           R"(", "task": "faces")" +
                           (sinks.empty() ? "" : ", \"sinks\": " + sinks) + "}");
  }
  // `frames` frames of astronaut.png at 128x128, 30 FPS, into dir_/name (extra ffmpeg flags).
  std::string video(const std::string& name, int frames, const std::string& flags = "") {
    const std::string path = dir_ + "/" + name;
    const std::string make = "ffmpeg -loglevel error -y -loop 1 -framerate 30 -i " + images_ +
                             "/astronaut.png -frames:v " + std::to_string(frames) +
                             " -vf scale=128:128 -pix_fmt yuv420p -c:v libx264 -preset ultrafast " +
                             flags + " " + path;
    return std::system(make.c_str()) == 0 ? path : "";
  }
  std::string dir_, model_, images_;
};

TEST_F(PipelineFailuresCli, AFolderWithABadImageReportsItAndRunsTheRest) {
  OUTPOST_SKIP_UNLESS_EXISTS(model_);
  OUTPOST_SKIP_UNLESS_EXISTS(images_ + "/astronaut.png");
  const std::string folder = dir_ + "/photos";
  fs::create_directories(folder);
  fs::copy_file(images_ + "/astronaut.png", folder + "/a_astronaut.png");
  // A PNG cut off after 3000 bytes, as a failed copy leaves it.
  std::ifstream in(images_ + "/coffee.png", std::ios::binary);
  std::string bytes(3000, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  std::ofstream(folder + "/b_broken.png", std::ios::binary) << bytes;
  // A Latin-1 name from an old SD card: "c_café.png" with é as the single byte 0xE9.
  fs::copy_file(images_ + "/astronaut.png", folder + "/c_caf\xe9.png");
  fs::copy_file(images_ + "/coffee.png", folder + "/d_coffee.png");
  const std::string pipeline =
      faces("folder.json", R"({"type": "images", "path": "photos"})",
            R"([{"type": "jsonl", "path": "events.jsonl"}, {"type": "images", "dir": "out"}])");
  auto r = run_outpost({"pipeline", "run", pipeline, "--json"});
  // The failing image's own category: an unreadable input file.
  EXPECT_EQ(r.exit_code, 3) << r.err;
  EXPECT_NE(r.err.find("b_broken.png"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("3 frames"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("1 failed"), std::string::npos) << r.err;
  std::ifstream events_file(dir_ + "/events.jsonl");
  std::stringstream events_text;
  events_text << events_file.rdbuf();
  const auto events = json_lines(events_text.str());
  ASSERT_EQ(events.size(), 4u) << events_text.str();
  EXPECT_EQ(events[0]["faces"].size(), 1u);
  // The bad image: an error event naming it and why, in the --json error shape.
  EXPECT_EQ(events[1]["frame"], 1);
  EXPECT_NE(events[1]["source"].get<std::string>().find("b_broken.png"), std::string::npos);
  EXPECT_EQ(events[1]["error"]["exit_code"], 3);
  EXPECT_EQ(events[1]["error"]["category"], "io_error");
  EXPECT_NE(events[1]["error"]["message"].get<std::string>().find("truncated"), std::string::npos)
      << events[1].dump();
  EXPECT_FALSE(events[1].contains("faces"));
  // The non-UTF-8 name ran, and reads back with its byte escaped as \xe9.
  EXPECT_NE(events[2]["source"].get<std::string>().find("c_caf\\xe9.png"), std::string::npos)
      << events[2].dump();
  EXPECT_EQ(events[2]["faces"].size(), 1u);
  EXPECT_EQ(events[3]["faces"].size(), 0u);  // coffee: after the failure, still run
  EXPECT_TRUE(fs::exists(dir_ + "/out/frame_000003.png"));
  EXPECT_FALSE(fs::exists(dir_ + "/out/frame_000001.png"));  // nothing to draw on
  // --json: one summary object on stdout, with the error in it.
  const auto out = json_lines(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  EXPECT_EQ(out[0]["frames"], 3);
  EXPECT_EQ(out[0]["failed"], 1);
  EXPECT_EQ(out[0]["error"]["exit_code"], 3);
  EXPECT_EQ(out[0]["error"]["category"], "io_error");
}

TEST_F(PipelineFailuresCli, ANonUtf8NameOnStdoutDoesNotAbort) {
  OUTPOST_SKIP_UNLESS_EXISTS(model_);
  OUTPOST_SKIP_UNLESS_EXISTS(images_ + "/astronaut.png");
  // A pipeline file is JSON, so it names only UTF-8 paths; the names come from the folder.
  fs::create_directories(dir_ + "/card");
  fs::copy_file(images_ + "/astronaut.png", dir_ + "/card/IMG_\xff\xe9.png");
  const std::string pipeline = faces("p\xe9.json", R"({"type": "images", "path": "card"})");
  auto r = run_outpost({"pipeline", "run", pipeline, "--json", "--stats"});
  ASSERT_EQ(r.exit_code, 0) << r.err;  // was SIGABRT (134) from an exception in a thread
  const auto out = json_lines(r.out);  // the event, then the summary
  ASSERT_EQ(out.size(), 2u) << r.out;
  EXPECT_NE(out[0]["source"].get<std::string>().find("card/IMG_\\xff\\xe9.png"), std::string::npos)
      << r.out;
  EXPECT_EQ(out[0]["faces"].size(), 1u);
  EXPECT_EQ(out[1]["frames"], 1);
  EXPECT_NE(out[1]["pipeline"].get<std::string>().find("p\\xe9.json"), std::string::npos);
  // --stats on stderr parses too.
  EXPECT_NO_THROW(nlohmann::json::parse(r.err.substr(r.err.rfind('{')))) << r.err;
}

TEST_F(PipelineFailuresCli, ATruncatedVideoIsReportedNotEndedQuietly) {
  OUTPOST_SKIP_UNLESS_EXISTS(model_);
  if (!testing::have_ffmpeg()) GTEST_SKIP() << "needs the ffmpeg command";
  // MKV and MP4 with its index first (+faststart) declare their length up front; cut in half,
  // they play to the cut and stop. (An MP4 with its index at the end cannot be opened at all.)
  for (const std::string name : {"clip.mkv", "clip.mp4"}) {
    SCOPED_TRACE(name);
    const std::string whole = video(name, 90, name == "clip.mp4" ? "-movflags +faststart" : "");
    ASSERT_FALSE(whole.empty());
    const std::string cut = dir_ + "/cut_" + name;
    std::ifstream in(whole, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
    // The whole file: exit 0, all 90 frames, no failure.
    auto r = run_outpost({"pipeline", "run", faces("whole.json", "\"" + whole + "\""), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    auto out = json_lines(r.out);
    ASSERT_FALSE(out.empty());
    EXPECT_EQ(out.back()["frames"], 90);
    EXPECT_EQ(out.back()["failed"], 0);
    // The cut one: the frames before the cut, then an error event saying what was lost.
    r = run_outpost({"pipeline", "run", faces("cut.json", "\"" + cut + "\""), "--json"});
    EXPECT_EQ(r.exit_code, 3) << r.err;
    EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;
    out = json_lines(r.out);
    ASSERT_GE(out.size(), 2u) << r.out;
    const auto& summary = out.back();
    const auto& failure = out[out.size() - 2];
    EXPECT_GT(summary["frames"].get<int>(), 0);
    EXPECT_LT(summary["frames"].get<int>(), 90);
    EXPECT_EQ(summary["failed"], 1);
    EXPECT_EQ(summary["error"]["exit_code"], 3);
    EXPECT_EQ(failure["frame"], summary["frames"]);  // where it stopped
    EXPECT_EQ(failure["error"]["category"], "io_error");
    const std::string why = failure["error"]["message"].get<std::string>();
    EXPECT_NE(why.find("declares 3.00 s"), std::string::npos) << why;
    EXPECT_NE(why.find("frames missing"), std::string::npos) << why;
  }
}

TEST_F(PipelineFailuresCli, ARefusedRtspConnectionIsANetworkFailure) {
  OUTPOST_SKIP_UNLESS_EXISTS(model_);
  const int port = testing::free_tcp_port();  // nothing listens there
  ASSERT_GT(port, 0);
  const std::string url = "rtsp://127.0.0.1:" + std::to_string(port) + "/door";
  auto r = run_outpost({"pipeline", "run", faces("rtsp.json", "\"" + url + "\"")});
  EXPECT_EQ(r.exit_code, 12) << r.err;
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
  // --json: the error as one JSON object on stdout.
  r = run_outpost({"pipeline", "run", faces("rtsp.json", "\"" + url + "\""), "--json"});
  EXPECT_EQ(r.exit_code, 12) << r.err;
  const auto out = json_lines(r.out);
  ASSERT_EQ(out.size(), 1u) << r.out;
  EXPECT_EQ(out[0]["error"]["exit_code"], 12);
  EXPECT_EQ(out[0]["error"]["category"], "network");
  EXPECT_NE(out[0]["error"]["message"].get<std::string>().find(url), std::string::npos);
}

TEST_F(PipelineFailuresCli, MalformedPipelinesAreUsageErrors) {
  const auto check = [&](const std::string& text, const std::string& part) {
    const std::string path = write("bad.json", text);
    auto r = run_outpost({"pipeline", "run", path, "--json"});
    EXPECT_EQ(r.exit_code, 2) << text << "\n" << r.err;
    EXPECT_NE(r.err.find(part), std::string::npos) << r.err;
    const auto out = json_lines(r.out);
    ASSERT_EQ(out.size(), 1u) << r.out;
    EXPECT_EQ(out[0]["error"]["category"], "usage");
    EXPECT_NE(out[0]["error"]["message"].get<std::string>().find(part), std::string::npos);
  };
  const std::string head = R"({"source": "a.mp4", "model": "m.tflite", "task": "faces", )";
  check(head + R"("sinks": []})", "'sinks' lists no sink");
  check(head + R"("min_score": -1})", "'min_score' must be from 0 to 1, not -1");
  check(head + R"("queue_size": 2.5})", "'queue_size' must be a whole number from 1 to 1024");
  check(head + R"("task": "faces"})", "'task' appears twice");
}

}  // namespace
}  // namespace outpost
