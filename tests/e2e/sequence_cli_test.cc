// The CLI on an ONNX model with a sequence input: inspect shows it and how to bind its length,
// run takes --sequence-length NAME=N (its elements then are inputs NAME[k], its sequence output
// the outputs NAME[k]), and refuses a malformed or missing one with the exit codes of docs/cli.md.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "formats/onnx/onnx_model_builder.h"
#include "support/cli_runner.h"

namespace outpost {
namespace {

using namespace outpost::testing;  // NOLINT: the builder helpers

class SequenceCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = make_temp_dir("outpost-sequence-cli-test");
    model_ = dir_ + "/insert.onnx";
    auto m = onnx_model(16);
    add_composite_io(m, "seq", true, false, {2});
    add_input(m, "t", {2});
    add_node(m, "SequenceInsert", {"seq", "t"}, {"out"});
    add_composite_io(m, "out", true, false, {2}, true, onnx::TensorProto::FLOAT, true);
    const auto bytes = serialize(m);
    std::ofstream(model_, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<std::streamsize>(bytes.size()));
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_, model_;
};

TEST_F(SequenceCli, InspectShowsTheSequenceAndHowToBindItsLength) {
  auto r = run_outpost({"inspect", model_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("seq: sequence<float32[2]> (length: bind with --sequence-length seq=N)"),
            std::string::npos)
      << r.out;
  r = run_outpost({"inspect", model_, "--sequence-length", "seq=2"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("seq[1]"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("out: sequence<float32[2]> (length 3: the outputs out[0] ... out[2])"),
            std::string::npos)
      << r.out;
}

TEST_F(SequenceCli, RunBindsTheLengthAndWritesEachElement) {
  auto r = run_outpost({"run", model_, "--sequence-length", "seq=2", "--output-dir", dir_ + "/out"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* file : {"out_0_.npy", "out_1_.npy", "out_2_.npy"})
    EXPECT_TRUE(std::filesystem::exists(dir_ + "/out/" + file)) << file << "\n" << r.out;
}

TEST_F(SequenceCli, AMissingLengthIsAShapeMismatchAndAMalformedOneAUsageError) {
  auto r = run_outpost({"run", model_});
  EXPECT_EQ(r.exit_code, 6) << r.out << r.err;
  EXPECT_NE(r.err.find("--sequence-length seq=N"), std::string::npos) << r.err;
  r = run_outpost({"run", model_, "--sequence-length", "seq=two"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
  EXPECT_NE(r.err.find("NAME=N"), std::string::npos) << r.err;
  r = run_outpost({"run", model_, "--sequence-length", "t=2"});
  EXPECT_EQ(r.exit_code, 2) << r.out << r.err;
}

}  // namespace
}  // namespace outpost
