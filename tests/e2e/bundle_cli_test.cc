// Bundles through the CLI: keys gen/show, pack, verify, and every model command taking a
// bundle; each failure exits with its own code (docs/cli.md).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "bundle/pack.h"
#include "bundle/trust_store.h"
#include "core/npy.h"
#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::run_outpost;

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class BundleCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-bundle-cli");
    trust_ = dir_ + "/trust";
    model_ = write_file("add.tflite", testing::build_tflite(testing::add_model_spec()));
    for (const char* d : {"cam1", "cam2", "cam3"})
      ASSERT_EQ(run_outpost({"keys", "gen", "--device", d, "--output-dir", dir_}).exit_code, 0);
    ASSERT_EQ(run_outpost({"keys", "gen", "--publisher", "acme", "--output-dir", dir_}).exit_code, 0);
    std::filesystem::create_directory(trust_);
    std::filesystem::copy_file(dir_ + "/acme.publisher.pub", trust_ + "/acme.publisher.pub");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write_file(const std::string& name, const std::vector<uint8_t>& bytes) {
    const std::string path = dir_ + "/" + name;
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()), static_cast<long>(bytes.size()));
    return path;
  }
  // Packs `model` as NAME.opk with extra flags; asserts success.
  std::string pack(const std::string& model, const std::string& name,
                   std::vector<std::string> extra = {}) {
    const std::string out = dir_ + "/" + name + ".opk";
    std::vector<std::string> args = {
        "pack", model, "--name", name, "--sign", key("acme.publisher.key"), "-o", out};
    if (std::find(extra.begin(), extra.end(), "--bundle-version") == extra.end())
      extra.insert(extra.end(), {"--bundle-version", "1.0.0"});
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_outpost(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return out;
  }
  std::string key(const std::string& file) const { return dir_ + "/" + file; }

  std::string dir_, model_, trust_;
};

TEST_F(BundleCli, KeysGenWritesPrivateFilesAndRefusesOverwrite) {
  struct stat st {};
  ASSERT_EQ(::stat(key("acme.publisher.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  ASSERT_EQ(::stat(key("cam1.device.key").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
  const std::string before = slurp(key("acme.publisher.key"));
  auto r = run_outpost({"keys", "gen", "--publisher", "acme", "--output-dir", dir_});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("refusing to overwrite"), std::string::npos) << r.err;
  EXPECT_EQ(slurp(key("acme.publisher.key")), before);
  r = run_outpost({"keys", "show", key("acme.publisher.key")});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, slurp(key("acme.publisher.pub")));
  r = run_outpost({"keys", "show", key("cam1.device.pub"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["type"], "device");
  EXPECT_EQ(run_outpost({"keys", "gen", "--publisher", "x", "--device", "y", "--output-dir", dir_}).exit_code,
            2);
}

TEST_F(BundleCli, PackVerifyRunGivesTheRawModelsOutputsByteForByte) {
  const std::string opk =
      pack(model_, "adder", {"--encrypt-for", key("cam1.device.pub"), key("cam2.device.pub")});
  auto r = run_outpost(
      {"verify", opk, "--trust", trust_, "--device-key", key("cam1.device.key"), "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_TRUE(j["ok"].get<bool>());
  EXPECT_TRUE(j["golden_checked"].get<bool>());
  EXPECT_EQ(j["publisher"], "acme");
  EXPECT_EQ(j["recipients"], 2);
  EXPECT_EQ(j["metadata"]["version"], "1.0.0");
  // Without a device key, verify still checks what the trust store can, and says so.
  r = run_outpost({"verify", opk, "--trust", trust_});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("not checked"), std::string::npos) << r.out;

  ASSERT_EQ(run_outpost({"run", model_, "--output-dir", dir_ + "/raw"}).exit_code, 0);
  for (const char* device : {"cam1.device.key", "cam2.device.key"}) {
    const std::string out = dir_ + "/from-" + device;
    r = run_outpost({"run", opk, "--trust", trust_, "--device-key", key(device), "--output-dir", out});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(slurp(out + "/sum.npy"), slurp(dir_ + "/raw/sum.npy"));
  }
  for (const char* cmd : {"inspect", "bench"}) {
    r = run_outpost(
        {cmd, opk, "--trust", trust_, "--device-key", key("cam2.device.key"), "--json"});
    EXPECT_EQ(r.exit_code, 0) << cmd << ": " << r.err;
  }
  // The environment stands in for the flags.
  const std::string env =
      "OUTPOST_TRUST_DIR=" + trust_ + " OUTPOST_DEVICE_KEY=" + key("cam1.device.key") + " ";
  EXPECT_EQ(std::system((env + OUTPOST_CLI_PATH + " inspect " + opk + " >/dev/null").c_str()), 0);
}

TEST_F(BundleCli, RealModelsRunFromBundles) {
  const std::string face = testing::model_path("face_detection_short_range.tflite");
  const std::string image = testing::skimage_path("astronaut.png");
  OUTPOST_SKIP_UNLESS_EXISTS(face);
  OUTPOST_SKIP_UNLESS_EXISTS(image);
  const std::string opk = pack(face, "face", {"--encrypt-for", key("cam1.device.pub")});
  const std::vector<std::string> keys = {"--trust", trust_, "--device-key", key("cam1.device.key")};
  auto with_keys = [&](std::vector<std::string> args) {
    args.insert(args.end(), keys.begin(), keys.end());
    return run_outpost(args);
  };
  auto r = with_keys({"verify", opk});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  r = with_keys({"detect", opk, image, "-o", dir_ + "/faces.png", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["faces"].size(), 1u);
  ASSERT_EQ(run_outpost({"run", face, "--output-dir", dir_ + "/raw"}).exit_code, 0);
  ASSERT_EQ(with_keys({"run", opk, "--output-dir", dir_ + "/packed"}).exit_code, 0);
  for (const char* out : {"regressors.npy", "classificators.npy"})
    EXPECT_EQ(slurp(dir_ + "/packed/" + out), slurp(dir_ + "/raw/" + out)) << out;
}

TEST_F(BundleCli, EachFailureHasItsExitCode) {
  const std::string opk =
      pack(model_, "adder", {"--encrypt-for", key("cam1.device.pub"), "--bundle-version", "1.4.0"});
  const std::string bytes = slurp(opk);
  auto verify = [&](const std::string& path, std::vector<std::string> extra) {
    std::vector<std::string> args = {"verify", path, "--trust", trust_};
    args.insert(args.end(), extra.begin(), extra.end());
    return run_outpost(args);
  };
  const std::vector<std::string> cam1 = {"--device-key", key("cam1.device.key")};
  EXPECT_EQ(verify(opk, cam1).exit_code, 0);

  // 7: the publisher is not in the trust store (or there is no trust store at all).
  const std::string empty_trust = dir_ + "/empty";
  std::filesystem::create_directory(empty_trust);
  auto r = run_outpost({"verify", opk, "--trust", empty_trust});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("unknown publisher"), std::string::npos) << r.err;
  EXPECT_EQ(run_outpost({"run", opk}).exit_code, 7);

  // 8: one tampered byte.
  std::string tampered = bytes;
  tampered[bytes.size() / 2] ^= 0x01;
  r = verify(write_file("tampered.opk", {tampered.begin(), tampered.end()}), cam1);
  EXPECT_EQ(r.exit_code, 8) << r.err;
  EXPECT_NE(r.err.find("modified after signing"), std::string::npos) << r.err;

  // 4: truncated.
  r = verify(
      write_file("cut.opk", {bytes.begin(), bytes.begin() + static_cast<long>(bytes.size() - 100)}),
      cam1);
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("truncated"), std::string::npos) << r.err;

  // 9: a device it was not encrypted for, or no device key where the model is needed.
  r = verify(opk, {"--device-key", key("cam3.device.key")});
  EXPECT_EQ(r.exit_code, 9) << r.err;
  r = run_outpost({"run", opk, "--trust", trust_});
  EXPECT_EQ(r.exit_code, 9) << r.err;
  EXPECT_NE(r.err.find("--device-key"), std::string::npos) << r.err;

  // 11: a newer format version, or a newer minimum Outpost version.
  std::string newer = bytes;
  newer[8] = 2;
  EXPECT_EQ(verify(write_file("newer.opk", {newer.begin(), newer.end()}), cam1).exit_code, 11);
  const std::string future = pack(model_, "future", {"--min-outpost-version", "99.0.0"});
  r = verify(future, {});
  EXPECT_EQ(r.exit_code, 11) << r.err;
  EXPECT_NE(r.err.find("needs Outpost 99.0.0"), std::string::npos) << r.err;

  // 13: older than --min-version (a replay).
  r = verify(opk, {"--min-version", "1.5.0"});
  EXPECT_EQ(r.exit_code, 13) << r.err;
  EXPECT_NE(r.err.find("older than the required 1.5.0"), std::string::npos) << r.err;
  EXPECT_EQ(verify(opk, {"--min-version", "1.4.0"}).exit_code, 0);
}

TEST_F(BundleCli, GoldenMismatchExitsWithTen) {
  Tensor in = Tensor::allocate(DType::kFloat32, {1, 2, 2, 1}).value();
  Tensor wrong = Tensor::allocate(DType::kFloat32, {1, 2, 2, 1}).value();
  for (int i = 0; i < 4; ++i) {
    in.data_as<float>()[i] = static_cast<float>(i);
    wrong.data_as<float>()[i] = 5;
  }
  ASSERT_TRUE(save_npy(dir_ + "/in.npy", in).is_ok());
  ASSERT_TRUE(save_npy(dir_ + "/wrong.npy", wrong).is_ok());
  // pack refuses outputs the model does not reproduce...
  auto r =
      run_outpost({"pack", model_, "--name", "a", "--bundle-version", "1.0.0", "--sign",
                   key("acme.publisher.key"), "--golden", "a=" + dir_ + "/in.npy",
                   "b=" + dir_ + "/in.npy", "sum=" + dir_ + "/wrong.npy", "-o", dir_ + "/a.opk"});
  EXPECT_EQ(r.exit_code, 10) << r.err;
  // ...and verify refuses a bundle signed with wrong vectors anyway (made through the library).
  bundle::PackOptions o;
  o.name = "a";
  o.version = "1.0.0";
  o.golden_mode = bundle::GoldenMode::kGiven;
  o.golden = {{true, "a", in}, {true, "b", in}, {false, "sum", wrong}};
  o.check_given_outputs = false;
  auto signer = bundle::read_key_file(key("acme.publisher.key"));
  ASSERT_TRUE(signer.is_ok()) << signer.status().message();
  ASSERT_TRUE(bundle::pack_bundle_file(model_, *signer, o, dir_ + "/bad.opk").is_ok());
  r = run_outpost({"verify", dir_ + "/bad.opk", "--trust", trust_});
  EXPECT_EQ(r.exit_code, 10) << r.err;
  EXPECT_NE(r.err.find("fails its golden test"), std::string::npos) << r.err;
  // Given correct vectors, pack takes them.
  r = run_outpost({"pack", model_, "--name", "a", "--bundle-version", "1.0.0", "--sign",
                   key("acme.publisher.key"), "--golden", "a=" + dir_ + "/in.npy",
                   "b=" + dir_ + "/in.npy", "-o", dir_ + "/good.opk"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(run_outpost({"verify", dir_ + "/good.opk", "--trust", trust_}).exit_code, 0);
}

}  // namespace
}  // namespace outpost
