// Bad inputs that used to hang or crash the CLI: a FIFO given as any file (open() waited for a
// writer forever) and thread counts beyond the machine (pthreadpool spun for threads it never
// started, OpenMP crashed or exited 1). Each command runs under a timeout, so a regression fails
// instead of hanging the suite; suite names contain 'Robust', so the sanitizer build runs them.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <initializer_list>

#include "core/cpu_count.h"
#include "formats/onnx/onnx_model_builder.h"
#include "support/cli_runner.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::run_outpost;
using testing::run_outpost_within;

// Seconds a refused command gets: it should take milliseconds, but sanitizer builds on a loaded
// 2-core box are slow to start.
constexpr double kPrompt = 30;

// A float model with one [1, 2, 2, 3] image input and a [1, 12] score output (a RESHAPE), so
// that classify takes it.
std::vector<uint8_t> tiny_classifier() {
  testing::TfModelSpec spec;
  spec.tensors = {{{1, 2, 2, 3}, 0, 0, "image"}, {{1, 12}, 0, 0, "scores"}};
  testing::TfOperatorSpec reshape;
  reshape.builtin_code = 22;  // RESHAPE; without options it takes the declared output shape
  reshape.inputs = {0};
  reshape.outputs = {1};
  spec.operators = {reshape};
  spec.inputs = {0};
  spec.outputs = {1};
  return testing::build_tflite(spec);
}

// An ONNX 1x1 convolution, which oneDNN (OpenMP threads) runs under --backend auto.
std::vector<uint8_t> tiny_onnx_conv() {
  auto m = testing::onnx_model(13);
  testing::add_input(m, "x", {1, 3, 4, 4});
  testing::add_float_initializer(m, "w", {2, 3, 1, 1}, {1, 0, 0, 0, 1, 0});
  testing::add_node(m, "Conv", {"x", "w"}, {"y"});
  testing::add_output(m, "y");
  return testing::serialize(m);
}

class RobustInputCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-robust-cli");
    ASSERT_FALSE(dir_.empty());
    fifo_ = dir_ + "/pipe";
    ASSERT_EQ(::mkfifo(fifo_.c_str(), 0600), 0);
    tflite_ = write("tiny.tflite", tiny_classifier());
    onnx_ = write("tiny.onnx", tiny_onnx_conv());
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    return path;
  }
  // A FIFO with the name a file of that kind would have (some commands go by the extension).
  std::string fifo(const std::string& name) {
    const std::string path = dir_ + "/" + name;
    EXPECT_EQ(::mkfifo(path.c_str(), 0600), 0) << path;
    return path;
  }
  void expect_refused_promptly(const std::vector<std::string>& args, int code,
                               const std::string& names) {
    std::string line;
    for (const auto& a : args) line += a + " ";
    SCOPED_TRACE(line);
    const auto r = run_outpost_within(kPrompt, args);
    EXPECT_NE(r.exit_code, 124) << "timed out: it blocked";
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_NE(r.err.find(names), std::string::npos) << r.err;
  }
  void make_keys() {
    ASSERT_EQ(run_outpost({"keys", "gen", "--publisher", "acme", "--output-dir", dir_}).exit_code, 0);
    trust_ = dir_ + "/trust";
    std::filesystem::create_directory(trust_);
    std::filesystem::copy_file(dir_ + "/acme.publisher.pub", trust_ + "/acme.publisher.pub");
  }

  std::string dir_, fifo_, tflite_, onnx_, trust_;
};

TEST_F(RobustInputCli, AFifoModelExitsThree) {
  const std::string model = fifo("model.tflite");
  for (const char* command : {"inspect", "run", "bench"})
    expect_refused_promptly({command, model}, 3, model);
  expect_refused_promptly({"inspect", fifo_}, 3, fifo_);
  expect_refused_promptly({"classify", model, tflite_}, 3, model);
}

TEST_F(RobustInputCli, AFifoInputTensorExitsThree) {
  const std::string npy = fifo("image.npy");
  expect_refused_promptly({"run", tflite_, "--input", "image=" + npy}, 3, npy);
  expect_refused_promptly({"run", tflite_, "--input", npy}, 3, npy);
}

TEST_F(RobustInputCli, AFifoImageOrLabelsFileExitsThree) {
  const std::string image = fifo("photo.png");
  expect_refused_promptly({"classify", tflite_, image}, 3, image);
  const std::string labels = fifo("labels.txt");
  expect_refused_promptly({"classify", tflite_, "--labels", labels, image}, 3, labels);
}

TEST_F(RobustInputCli, AFifoPipelineFileExitsThree) {
  const std::string pipeline = fifo("pipeline.json");
  expect_refused_promptly({"pipeline", "run", pipeline}, 3, pipeline);
}

TEST_F(RobustInputCli, AFifoKeyBundleOrTrustStoreExitsThree) {
  make_keys();
  const std::string key = fifo("other.publisher.key");
  expect_refused_promptly({"pack", tflite_, "--name", "tiny", "--bundle-version", "1.0.0", "--sign",
                           key, "-o", dir_ + "/tiny.opk"},
                          3, key);
  const std::string labels = fifo("pack-labels.txt");
  expect_refused_promptly(
      {"pack", tflite_, "--name", "tiny", "--bundle-version", "1.0.0", "--sign",
       dir_ + "/acme.publisher.key", "--labels", labels, "-o", dir_ + "/tiny.opk"},
      3, labels);
  const std::string bundle = fifo("tiny.opk");
  expect_refused_promptly({"verify", bundle, "--trust", trust_}, 3, bundle);
  expect_refused_promptly({"inspect", bundle, "--trust", trust_}, 3, bundle);
  // A FIFO in the trust store, named as a publisher key, and a FIFO as the store itself.
  const std::string pub = trust_ + "/evil.pub";
  ASSERT_EQ(::mkfifo(pub.c_str(), 0600), 0);
  ASSERT_EQ(run_outpost({"pack", tflite_, "--name", "tiny", "--bundle-version", "1.0.0", "--sign",
                         dir_ + "/acme.publisher.key", "-o", dir_ + "/real.opk"})
                .exit_code,
            0);
  expect_refused_promptly({"verify", dir_ + "/real.opk", "--trust", trust_}, 3, pub);
  expect_refused_promptly({"verify", dir_ + "/real.opk", "--trust", fifo_}, 3, fifo_);
  std::filesystem::remove(pub);
  expect_refused_promptly({"verify", dir_ + "/real.opk", "--trust", trust_, "--device-key", fifo_},
                          3, fifo_);
}

TEST_F(RobustInputCli, ThreadCountsBeyondTheCoresExitTwo) {
  const int cores = available_cores();
  const std::string too_many = std::to_string(cores + 1);
  for (const std::string& model : {tflite_, onnx_}) {
    for (const std::string& threads : {std::string("100000"), std::string("1000"), too_many}) {
      expect_refused_promptly({"run", model, "--threads", threads}, 2,
                              "this process can use " + std::to_string(cores) + " core");
      expect_refused_promptly({"inspect", model, "--threads", threads}, 2, "--threads " + threads);
    }
    expect_refused_promptly({"run", model, "--threads", "-1"}, 2, "cannot be negative");
    expect_refused_promptly({"bench", model, "--threads", "-5", "--runs", "1"}, 2,
                            "cannot be negative");
    // Within the cores: runs, and 0 means all of them.
    for (const std::string& threads : {std::string("0"), std::to_string(cores)}) {
      const auto r = run_outpost_within(kPrompt * 2, {"run", model, "--threads", threads});
      EXPECT_EQ(r.exit_code, 0) << model << " --threads " << threads << ": " << r.err;
    }
  }
}

TEST_F(RobustInputCli, PipelineThreadCountsAreCheckedToo) {
  const std::string pipeline = dir_ + "/p.json";
  std::ofstream(pipeline) << R"({"model": ")" << tflite_
                          << R"(", "task": "classification", "source": ")" << dir_
                          << R"(/*.png", "sinks": [{"type": "jsonl", "path": ")" << dir_
                          << R"(/out.jsonl"}]})";
  expect_refused_promptly({"pipeline", "run", pipeline, "--threads", "100000"}, 2,
                          "--threads 100000");
}

}  // namespace
}  // namespace outpost
