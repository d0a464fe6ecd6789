// outpost manifest check|sign|verify as a publisher and a device run them: each refusal exits
// with its documented code (docs/cli.md) and says why under --json.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

using testing::run_outpost;

std::string manifest_text(int version, const std::string& expires) {
  return "{\"deployment_id\": \"lobby\", \"version\": " + std::to_string(version) +
         ", \"expires\": \"" + expires +
         "\", \"modules\": [{\"name\": \"faces\", \"run\": \"serve\", \"bundles\": [{\"url\": "
         "\"https://example.com/f.opk\", \"sha256\": \"" +
         std::string(64, '0') +
         "\", \"size\": 1, \"name\": \"face\", \"version\": \"1.0.0\"}]}]}\n";
}

class ManifestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-manifest-cli");
    for (const char* p : {"acme", "stranger"})
      ASSERT_EQ(run_outpost({"keys", "gen", "--publisher", p, "--output-dir", dir_}).exit_code, 0);
    std::filesystem::create_directory(dir_ + "/trust");
    std::filesystem::copy_file(dir_ + "/acme.publisher.pub", dir_ + "/trust/acme.publisher.pub");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  // Exit code of `manifest verify`, and the JSON error's reason when it failed.
  std::pair<int, std::string> verify(const std::string& file, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"manifest",      "verify", file,    "--trust",
                                     dir_ + "/trust", "--json", "--now", "2027-01-01T00:00:00Z"};
    args.insert(args.end(), extra.begin(), extra.end());
    auto r = run_outpost(args);
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    std::string reason = j.is_object() && j.contains("error") ? j["error"].value("reason", "") : "";
    return {r.exit_code, reason};
  }
  std::string dir_;
};

TEST_F(ManifestCli, SignVerifyAndEachRefusal) {
  const std::string m = write("deploy.json", manifest_text(7, "2027-06-30T00:00:00Z"));
  auto c = run_outpost({"manifest", "check", m});
  EXPECT_EQ(c.exit_code, 0) << c.err;
  auto s = run_outpost({"manifest", "sign", m, "--key", dir_ + "/acme.publisher.key"});
  ASSERT_EQ(s.exit_code, 0) << s.err;
  const std::string signed_path = dir_ + "/deploy.signed.json";  // the default output
  ASSERT_TRUE(std::filesystem::exists(signed_path));
  auto v = run_outpost({"manifest", "verify", signed_path, "--trust", dir_ + "/trust", "--now",
                        "2027-01-01T00:00:00Z"});
  EXPECT_EQ(v.exit_code, 0) << v.err;
  EXPECT_NE(v.out.find("publisher 'acme'"), std::string::npos) << v.out;

  EXPECT_EQ(verify(signed_path, {"--last-version", "7"}),
            std::make_pair(13, std::string("not_newer")));
  EXPECT_EQ(verify(signed_path, {"--last-version", "6"}).first, 0);
  EXPECT_EQ(verify(m), std::make_pair(7, std::string("unsigned")));
  ASSERT_EQ(run_outpost({"manifest", "sign", m, "--key", dir_ + "/stranger.publisher.key", "-o",
                         dir_ + "/stranger.json"})
                .exit_code,
            0);
  EXPECT_EQ(verify(dir_ + "/stranger.json"), std::make_pair(7, std::string("untrusted_key")));

  // One changed byte of the signed text (a digit of the base64 payload).
  std::ifstream in(signed_path);
  std::string text((std::istreambuf_iterator<char>(in)), {});
  const size_t at = text.find("\"signed\":\"") + 20;
  text[at] = text[at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(verify(write("tampered.json", text)), std::make_pair(8, std::string("bad_signature")));

  const std::string old = write("old.json", manifest_text(8, "2026-12-31T23:59:59Z"));
  ASSERT_EQ(run_outpost({"manifest", "sign", old, "--key", dir_ + "/acme.publisher.key"}).exit_code,
            0);
  EXPECT_EQ(verify(dir_ + "/old.signed.json"), std::make_pair(13, std::string("expired")));

  const std::string bad = write("bad.json", "{\"deployment_id\": \"lobby\", \"version\": 1}");
  auto b = run_outpost({"manifest", "check", bad});
  EXPECT_EQ(b.exit_code, 4);
  EXPECT_NE(b.err.find("bad.json: expires: missing (required)"), std::string::npos) << b.err;
  EXPECT_EQ(run_outpost({"manifest", "sign", bad, "--key", dir_ + "/acme.publisher.key"}).exit_code,
            4);
  EXPECT_EQ(verify(write("junk.json", "{\"signed\": 1")),
            std::make_pair(4, std::string("invalid")));
  EXPECT_EQ(run_outpost({"manifest", "verify", signed_path, "--trust", dir_ + "/trust", "--now",
                         "tomorrow"})
                .exit_code,
            2);
  EXPECT_EQ(run_outpost({"manifest", "verify", dir_ + "/missing.json", "--trust", dir_ + "/trust"})
                .exit_code,
            3);
}

}  // namespace
}  // namespace outpost
