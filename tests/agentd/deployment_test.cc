// Deployments on disk and the processes that run their modules.
#include "agentd/deployment.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

namespace fs = std::filesystem;

agent::Module serve_module(nlohmann::json config) {
  agent::Module m;
  m.name = "faces";
  m.run = agent::RunKind::kServe;
  agent::BundleRef b;
  b.name = "face-detector";
  b.version = "1.2.0";
  b.artifact = {"file:///x.opk", std::string(64, 'b'), 10};
  m.bundles = {b};
  m.config = std::move(config);
  return m;
}

AgentConfig config_in(const std::string& dir) {
  AgentConfig c;
  c.state_dir = dir;
  c.trust_dir = "/etc/outpost/trust";
  c.outpost_binary = "/usr/bin/outpost";
  return c;
}

TEST(ModuleConfig, KnownKeysWithTheirTypesPass) {
  EXPECT_TRUE(check_module_config(serve_module({{"port", 8001}, {"host", "0.0.0.0"},
                                                {"threads", 2}, {"max_concurrency", 4},
                                                {"max_body_bytes", 1000000}, {"backend", "ref"}}))
                  .is_ok());
  EXPECT_TRUE(check_module_config(serve_module(nlohmann::json::object())).is_ok());
}

TEST(ModuleConfig, TyposAndWrongTypesNameTheKey) {
  for (const auto& [config, fragment] :
       std::vector<std::pair<nlohmann::json, std::string>>{
           {{{"prot", 8000}}, "modules[faces].config.prot"},
           {{{"port", "8000"}}, "config.port: expected an integer"},
           {{{"port", 70000}}, "config.port"},
           {{{"threads", 0}}, "config.threads"},
           {{{"host", ""}}, "config.host"}}) {
    const Status s = check_module_config(serve_module(config));
    EXPECT_EQ(s.code(), StatusCode::kInvalidModel) << config.dump();
    EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
  }
  agent::Module pipeline = serve_module({{"port", 8000}});
  pipeline.run = agent::RunKind::kPipeline;
  EXPECT_NE(check_module_config(pipeline).message().find("not a setting of a 'pipeline'"),
            std::string::npos);
}

TEST(ModuleProcess, AServeModuleRunsOutpostServeOnItsBundlesUnderTheTrustStore) {
  const AgentConfig c = config_in("/var/lib/outpost");
  const ProcessSpec p = module_process(c, std::string(64, 'a'), serve_module({{"port", 8001},
                                                                             {"max_concurrency", 4}}));
  EXPECT_EQ(p.argv, (std::vector<std::string>{"/usr/bin/outpost", "serve", "face-detector.opk",
                                              "--port", "8001", "--max-concurrency", "4", "--trust",
                                              "/etc/outpost/trust"}));
  EXPECT_EQ(p.working_dir, "/var/lib/outpost/deployments/" + std::string(64, 'a') + "/faces");
  EXPECT_EQ(p.log_path, "/var/lib/outpost/logs/faces.log");
  auto e = serve_endpoint(serve_module({{"port", 8001}}));
  ASSERT_TRUE(e.is_ok());
  EXPECT_EQ(e->url(), "http://127.0.0.1:8001");
}

TEST(ModuleProcess, APipelineModuleRunsItsPipelineFileWithTheDeviceKey) {
  AgentConfig c = config_in("/s");
  c.device_key = "/k/cam.device.key";
  agent::Module m = serve_module({{"threads", 1}});
  m.run = agent::RunKind::kPipeline;
  const ProcessSpec p = module_process(c, "abc", m);
  EXPECT_EQ(p.argv, (std::vector<std::string>{"/usr/bin/outpost", "pipeline", "run",
                                              "pipeline.json", "--threads", "1", "--trust",
                                              "/etc/outpost/trust", "--device-key",
                                              "/k/cam.device.key"}));
}

TEST(Staging, LinksEachFileUnderItsModuleNameRelativelyAndAtomically) {
  const std::string dir = testing::make_temp_dir("outpost-staging");
  AgentConfig c = config_in(dir);
  fs::create_directories(c.deployments_dir());
  ContentStore store(c.store_dir());
  ASSERT_TRUE(store.init().is_ok());
  auto sha = store.put_bytes("bundle bytes");
  ASSERT_TRUE(sha.is_ok());
  agent::Manifest manifest;
  agent::Module m = serve_module({});
  m.bundles[0].artifact.sha256 = *sha;
  manifest.modules = {m};
  EXPECT_FALSE(is_staged(c, "d1"));
  ASSERT_TRUE(stage_deployment(c, store, manifest, "d1").is_ok());
  EXPECT_TRUE(is_staged(c, "d1"));
  const std::string link = module_dir(c, "d1", "faces") + "/face-detector.opk";
  EXPECT_TRUE(fs::read_symlink(link).is_relative());
  std::ifstream in(link);
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  EXPECT_EQ(text, "bundle bytes");
  EXPECT_FALSE(fs::exists(deployment_dir(c, "d1") + ".tmp"));
  EXPECT_TRUE(stage_deployment(c, store, manifest, "d1").is_ok()) << "staged twice: no change";
  // A copy of the whole state directory still runs: the links are relative.
  const std::string copy = dir + "-copy";
  fs::copy(dir, copy, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::ifstream copied(copy + "/deployments/d1/faces/face-detector.opk");
  EXPECT_TRUE(copied.good());
  remove_deployments_except(c, {});
  EXPECT_FALSE(is_staged(c, "d1"));
  fs::remove_all(dir);
  fs::remove_all(copy);
}

}  // namespace
}  // namespace outpost::agentd
