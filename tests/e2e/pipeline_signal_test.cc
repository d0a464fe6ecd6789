// SIGTERM or SIGINT during `outpost pipeline run` ends it as gst-launch -e does: the source
// stops, the frames already read go through, the annotated video is finalized (ffprobe reads
// its duration), the statistics are printed and the exit code is 0. A second signal ends it at
// once, killed by that signal (a shell shows 143 or 130). The pipeline runs as a child process
// on a 60-second video made with ffmpeg, and on a live RTSP stream (GStreamer's server), which
// never ends by itself, with the real face detector.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/rtsp_test_server.h"
#include "support/spawned_process.h"
#include "support/test_paths.h"
#include "support/test_video.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;

std::string slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

size_t line_count(const std::string& path) {
  const std::string text = slurp(path);
  return static_cast<size_t>(std::count(text.begin(), text.end(), '\n'));
}

// `outpost args...` as a child process with stdout and stderr in files
// (support/spawned_process.h).
class Outpost : public testing::SpawnedProcess {
 public:
  Outpost(const std::vector<std::string>& args, const std::string& out, const std::string& err)
      : SpawnedProcess(argv(args), {out, err}) {}

 private:
  static std::vector<std::string> argv(const std::vector<std::string>& args) {
    std::vector<std::string> a{OUTPOST_CLI_PATH};
    a.insert(a.end(), args.begin(), args.end());
    return a;
  }
};

class PipelineSignal : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-pipeline-signal-test");
    model_ = testing::model_path("face_detection_short_range.tflite");
    image_ = testing::skimage_path("astronaut.png");
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The video every test runs on, made once (ffmpeg takes seconds for it): 60 s at 30 FPS.
  static void SetUpTestSuite() {
    video_dir_ = new std::string(testing::make_temp_dir("outpost-pipeline-signal-video"));
    const std::string image = testing::skimage_path("astronaut.png");
    if (!testing::have_ffmpeg() || !testing::path_exists(image)) return;
    const std::string make = "ffmpeg -loglevel error -y -loop 1 -framerate 30 -i " + image +
                             " -frames:v 1800 -vf scale=128:128 -pix_fmt yuv420p -c:v libx264 "
                             "-preset ultrafast " +
                             *video_dir_ + "/long.mp4";
    if (std::system(make.c_str()) != 0) fs::remove(*video_dir_ + "/long.mp4");
  }
  static void TearDownTestSuite() {
    fs::remove_all(*video_dir_);
    delete video_dir_;
    video_dir_ = nullptr;
  }

  // Skips unless ffmpeg, ffprobe, the model and the video are there.
  bool prepare() {
    if (!testing::have_ffmpeg() || std::system("ffprobe -version >/dev/null 2>&1") != 0) {
      why_ = "needs the ffmpeg and ffprobe commands (Debian package ffmpeg)";
      return false;
    }
    if (!testing::path_exists(model_) || !testing::path_exists(image_)) {
      why_ = "missing " + model_ + " or " + image_ + " (run scripts/fetch-data)";
      return false;
    }
    if (!testing::path_exists(*video_dir_ + "/long.mp4")) {
      why_ = "ffmpeg could not make the video";
      return false;
    }
    return true;
  }
  std::string pipeline(int queue_size) {
    const std::string path = dir_ + "/door.json";
    std::ofstream(path) << R"({"source": ")" << *video_dir_ << R"(/long.mp4", "model": ")" << model_
                        << R"(", "task": "faces", "queue_size": )" << queue_size
                        << R"(, "sinks": [{"type": "jsonl", "path": "events.jsonl"},
                                          {"type": "video", "path": "door.mp4"}]})";
    return path;
  }
  // Waits until the pipeline has written `frames` events (at most 60 s).
  bool wait_for_events(Outpost& outpost, size_t frames) {
    for (int i = 0; i < 3000 && outpost.running(); ++i) {
      if (line_count(dir_ + "/events.jsonl") >= frames) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    return false;
  }
  double video_duration(const std::string& path) {
    const std::string probe = "ffprobe -v error -show_entries format=duration -of csv=p=0 " + path +
                              " > " + dir_ + "/duration.txt 2>&1";
    if (std::system(probe.c_str()) != 0) return -1;
    return std::atof(slurp(dir_ + "/duration.txt").c_str());
  }
  void stops_cleanly_on(int sig, const std::string& name) {
    Outpost outpost({"pipeline", "run", pipeline(4), "--threads", "1", "--json"}, dir_ + "/out",
                    dir_ + "/err");
    ASSERT_TRUE(outpost.started());
    ASSERT_TRUE(wait_for_events(outpost, 5)) << slurp(dir_ + "/err");
    outpost.signal(sig);
    int status = 0;
    ASSERT_TRUE(outpost.wait(30, &status)) << "still running 30 s after " << name;
    ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
    EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(dir_ + "/err");
    // The statistics, on stderr and as --json's summary on stdout.
    const std::string err = slurp(dir_ + "/err");
    EXPECT_NE(err.find("stopped by " + name), std::string::npos) << err;
    EXPECT_NE(err.find("per frame:"), std::string::npos) << err;
    const auto summary = nlohmann::json::parse(slurp(dir_ + "/out"));
    EXPECT_EQ(summary["stopped_by"], name);
    const int64_t frames = summary["frames"].get<int64_t>();
    EXPECT_GE(frames, 5);
    EXPECT_LT(frames, 1800);  // it did stop early
    EXPECT_EQ(line_count(dir_ + "/events.jsonl"), static_cast<size_t>(frames));
    // The video has its index: it plays, as long as the frames it got (30 FPS).
    const double duration = video_duration(dir_ + "/door.mp4");
    EXPECT_GT(duration, 0) << slurp(dir_ + "/duration.txt");
    EXPECT_NEAR(duration, frames / 30.0, 0.2);
  }
  static std::string* video_dir_;
  std::string dir_, model_, image_, why_;
};

std::string* PipelineSignal::video_dir_ = nullptr;

TEST_F(PipelineSignal, SigtermFinalizesTheVideoAndExitsZero) {
  if (!prepare()) GTEST_SKIP() << why_;
  stops_cleanly_on(SIGTERM, "SIGTERM");
}

TEST_F(PipelineSignal, SigintFinalizesTheVideoAndExitsZero) {
  if (!prepare()) GTEST_SKIP() << why_;
  stops_cleanly_on(SIGINT, "SIGINT");
}

// A live stream never ends: a signal is how its recording gets closed.
TEST_F(PipelineSignal, SigtermClosesTheRecordingOfALiveStream) {
  if (!prepare()) GTEST_SKIP() << why_;
  std::string why_not, error;
  const std::string python = testing::rtsp_server_python(&why_not);
  if (python.empty()) GTEST_SKIP() << why_not;
  auto server = testing::RtspTestServer::start(python, testing::free_tcp_port(), &error);
  ASSERT_TRUE(server) << error;
  const std::string path = dir_ + "/live.json";
  std::ofstream(path) << R"({"source": ")" << server->url() << R"(", "model": ")" << model_
                      << R"(", "task": "faces", "sinks": [{"type": "jsonl", "path":
                      "events.jsonl"}, {"type": "video", "path": "door.mkv"}]})";
  Outpost outpost({"pipeline", "run", path, "--threads", "1", "--json"}, dir_ + "/out",
                  dir_ + "/err");
  ASSERT_TRUE(outpost.started());
  ASSERT_TRUE(wait_for_events(outpost, 15)) << slurp(dir_ + "/err");  // a second of stream
  outpost.signal(SIGTERM);
  int status = 0;
  ASSERT_TRUE(outpost.wait(30, &status)) << "still running 30 s after SIGTERM";
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0) << slurp(dir_ + "/err");
  const auto summary = nlohmann::json::parse(slurp(dir_ + "/out"));
  EXPECT_EQ(summary["stopped_by"], "SIGTERM");
  EXPECT_GE(summary["frames"].get<int64_t>(), 15);
  EXPECT_GT(video_duration(dir_ + "/door.mkv"), 0.5) << slurp(dir_ + "/duration.txt");
}

TEST_F(PipelineSignal, ASecondSignalEndsItAtOnce) {
  if (!prepare()) GTEST_SKIP() << why_;
  // A long queue read ahead: after the first signal there are hundreds of frames to drain,
  // which the second signal does not wait for.
  Outpost outpost({"pipeline", "run", pipeline(600), "--threads", "1"}, dir_ + "/out",
                  dir_ + "/err");
  ASSERT_TRUE(outpost.started());
  ASSERT_TRUE(wait_for_events(outpost, 5)) << slurp(dir_ + "/err");
  outpost.signal(SIGTERM);
  // The first signal is being handled once the pipeline says so.
  for (int i = 0; i < 500 && slurp(dir_ + "/err").find("stopping") == std::string::npos; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const size_t at_second = line_count(dir_ + "/events.jsonl");
  outpost.signal(SIGTERM);
  int status = 0;
  ASSERT_TRUE(outpost.wait(5, &status)) << "still running 5 s after the second SIGTERM";
  ASSERT_TRUE(WIFSIGNALED(status)) << "exited with " << WEXITSTATUS(status);
  EXPECT_EQ(WTERMSIG(status), SIGTERM);  // a shell shows 143
  EXPECT_GE(line_count(dir_ + "/events.jsonl"), at_second);
  EXPECT_LT(line_count(dir_ + "/events.jsonl"), 1800u);  // the queue was not drained
}

}  // namespace
}  // namespace outpost
