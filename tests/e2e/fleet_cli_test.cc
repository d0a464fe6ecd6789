// `outpost fleet` against Debian's mosquitto and 1,000 simulated agents (`outpost fleet
// simulate`, one process, each device its own MQTT session): a rollout with a canary wave
// converges on every device; with failures injected in the canary wave it stops there, and the
// devices of the later waves are never sent the manifest. The figures (time to converge,
// messages, the simulator's and the broker's CPU and memory) are printed for the note.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <sstream>
#include <thread>

#include "agent/signed_manifest.h"
#include "bundle/keys.h"
#include "support/cli_runner.h"
#include "support/child_process.h"
#include "support/mqtt_test_broker.h"
#include "support/spawned_process.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;
using testing::run_outpost;

std::string file_text(const std::string& path) {
  std::ifstream in(path);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// CPU seconds and resident MiB of a process, from /proc.
std::pair<double, double> cpu_and_rss(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(stat)), std::istreambuf_iterator<char>());
  const size_t close = text.rfind(')');
  std::istringstream fields(close == std::string::npos ? "" : text.substr(close + 2));
  std::vector<std::string> f((std::istream_iterator<std::string>(fields)), std::istream_iterator<std::string>());
  if (f.size() < 22) return {0, 0};
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double cpu = (std::stod(f[11]) + std::stod(f[12])) / ticks;
  const double rss = std::stod(f[21]) * static_cast<double>(sysconf(_SC_PAGESIZE)) / (1 << 20);
  return {cpu, rss};
}

class FleetCli : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!testing::have_mosquitto()) GTEST_SKIP() << "needs Debian's mosquitto (scripts/setup)";
    dir_ = testing::make_temp_dir("outpost-fleet");
    port_ = testing::free_tcp_port();
    broker_ = std::make_unique<testing::MosquittoBroker>(dir_, port_);
    ASSERT_TRUE(broker_->start());
    fs::create_directories(dir_ + "/trust");
    auto key = bundle::generate_key_pair(true, "acme");
    ASSERT_TRUE(key.is_ok());
    publisher_ = std::make_unique<bundle::KeyPair>(std::move(*key));
    std::ofstream(dir_ + "/trust/acme.publisher.pub") << bundle::public_key_text(*publisher_);
    chmod((dir_ + "/trust/acme.publisher.pub").c_str(), 0600);
  }
  void TearDown() override {
    simulator_.reset();
    broker_.reset();
    if (!HasFailure() && !dir_.empty()) fs::remove_all(dir_);
  }
  std::string uri() const { return "tcp://127.0.0.1:" + std::to_string(port_); }

  // A signed manifest of version `version`, in DIR/NAME.
  std::string signed_manifest(int64_t version) {
    const json m = {{"deployment_id", "lobby"},
                    {"version", version},
                    {"expires", "2099-01-01T00:00:00Z"},
                    {"modules",
                     {{{"name", "door"},
                       {"run", "serve"},
                       {"bundles",
                        {{{"url", "https://repo.example/door.opk"},
                          {"sha256", std::string(64, 'a')},
                          {"size", 1000},
                          {"name", "door"},
                          {"version", "1.0.0"}}}}}}}};
    auto text = agent::sign_manifest(m.dump(2), *publisher_);
    EXPECT_TRUE(text.is_ok()) << text.status().message();
    const std::string path = dir_ + "/v" + std::to_string(version) + ".signed.json";
    std::ofstream(path) << (text.is_ok() ? *text : "");
    return path;
  }

  // Starts `outpost fleet simulate` and waits until all its devices are connected.
  void simulate(int devices, const std::vector<std::string>& extra = {}) {
    std::vector<std::string> argv = {OUTPOST_CLI_PATH, "fleet", "simulate", "--broker", uri(),
                                     "--devices", std::to_string(devices), "--trust", dir_ + "/trust",
                                     "--apply-s", "0.1", "--probation-s", "0.2"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    simulator_ = std::make_unique<testing::SpawnedProcess>(
        argv, testing::SpawnOptions{dir_ + "/simulator.out", dir_ + "/simulator.err"});
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (std::chrono::steady_clock::now() < until) {
      const std::string out = file_text(dir_ + "/simulator.out");
      if (out.find("\"ready\"") != std::string::npos) {
        std::printf("[ fleet    ] simulator: %s", out.c_str());
        return;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    FAIL() << "the simulated devices did not all connect\n" << file_text(dir_ + "/simulator.err");
  }

  void print_load(const std::string& what, double seconds) {
    const auto [sim_cpu, sim_rss] = cpu_and_rss(simulator_->pid());
    const auto [broker_cpu, broker_rss] = cpu_and_rss(broker_->pid());
    std::printf("[ fleet    ] %s in %.1f s; simulator so far: %.1f CPU s, %.0f MiB resident; "
                "mosquitto: %.1f CPU s, %.0f MiB resident\n",
                what.c_str(), seconds, sim_cpu, sim_rss, broker_cpu, broker_rss);
  }

  std::string dir_;
  int port_ = 0;
  std::unique_ptr<testing::MosquittoBroker> broker_;
  std::unique_ptr<bundle::KeyPair> publisher_;
  std::unique_ptr<testing::SpawnedProcess> simulator_;
};

TEST_F(FleetCli, ARolloutToAThousandSimulatedDevicesConverges) {
  simulate(1000);
  if (HasFatalFailure()) return;
  const std::string v1 = signed_manifest(1);
  const auto start = std::chrono::steady_clock::now();
  auto r = run_outpost({"fleet", "deploy", v1, "--broker", uri(), "--db", dir_ + "/fleet.db",
                        "--devices", "sim-*", "--canary", "5%", "--wait-healthy", "60s",
                        "--abort-failure-rate", "1%", "--json"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const json result = json::parse(r.out);
  EXPECT_EQ(result["state"], "completed");
  EXPECT_EQ(result["devices"], 1000);
  EXPECT_EQ(result["healthy"], 1000);
  EXPECT_EQ(result["failed"], 0);
  EXPECT_EQ(result["waves_run"], 5);  // 50, 100, 200, 400, 250
  print_load("1,000 devices converged on version 1 (5 waves, canary 5%)", seconds);

  // The fleet's view afterwards: every device at version 1, from the retained reports.
  r = run_outpost({"fleet", "status", "--broker", uri(), "--db", dir_ + "/fleet.db", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json status = json::parse(r.out);
  EXPECT_EQ(status["by_current_version"]["1"], 1000) << status["by_current_version"];
  EXPECT_EQ(status["last_rollout"]["state"], "completed");

  // Deploying the same version again touches nothing.
  r = run_outpost({"fleet", "deploy", v1, "--broker", uri(), "--db", dir_ + "/fleet.db", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  EXPECT_EQ(json::parse(r.out)["already_at_version"], 1000);
  EXPECT_EQ(json::parse(r.out)["waves_run"], 0);

  simulator_->signal(SIGTERM);
  int code = 0;
  ASSERT_TRUE(simulator_->wait(10, &code));
  EXPECT_TRUE(WIFEXITED(code) && WEXITSTATUS(code) == 0) << code << file_text(dir_ + "/simulator.err");
  const std::string out = file_text(dir_ + "/simulator.out");
  std::printf("[ fleet    ] %s", out.c_str());
  EXPECT_NE(out.find("\"healthy\":1000"), std::string::npos) << out;
}

TEST_F(FleetCli, FailuresInTheCanaryWaveStopTheRolloutThere) {
  simulate(1000, {"--fail", "sim-000*"});  // 10 of the 50 canary devices fail their probation
  if (HasFatalFailure()) return;
  const auto start = std::chrono::steady_clock::now();
  auto r = run_outpost({"fleet", "deploy", signed_manifest(1), "--broker", uri(), "--db",
                        dir_ + "/fleet.db", "--canary", "5%", "--wait-healthy", "60s",
                        "--abort-failure-rate", "10%", "--json"});
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 14) << r.out << r.err;  // rollout aborted
  const json result = json::parse(r.out);
  EXPECT_EQ(result["state"], "aborted");
  EXPECT_EQ(result["waves_run"], 1);
  EXPECT_EQ(result["healthy"], 40);
  EXPECT_EQ(result["failed"], 10);
  EXPECT_EQ(result["skipped"], 950);
  EXPECT_EQ(result["error"]["category"], "rollout_aborted");
  ASSERT_FALSE(result["failures"].empty());
  EXPECT_NE(result["failures"][0]["reason"].get<std::string>().find("failed its probation"), std::string::npos)
      << result["failures"][0];
  print_load("the abort at the canary wave", seconds);

  // The other 950 were never sent the manifest: they still run nothing (no last-good), and the
  // failed ones rolled back to theirs.
  r = run_outpost({"fleet", "status", "--broker", uri(), "--db", dir_ + "/fleet.db", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const json status = json::parse(r.out);
  EXPECT_EQ(status["by_current_version"]["1"], 40) << status["by_current_version"];
  EXPECT_EQ(status["by_current_version"]["0"], 960) << status["by_current_version"];
  std::map<std::string, int64_t> in_rollout;
  for (const json& d : status["devices"]) ++in_rollout[d["rollout_state"].get<std::string>()];
  EXPECT_EQ(in_rollout["healthy"], 40);
  EXPECT_EQ(in_rollout["failed"], 10);
  EXPECT_EQ(in_rollout["skipped"], 950) << "only the canary wave was sent the manifest";
  EXPECT_EQ(status["last_rollout"]["state"], "aborted");
}

TEST(FleetCliUsage, BadFlagsAndAnUnknownPatternAreRefusedByName) {
  auto r = run_outpost({"fleet", "deploy", "m.json", "--broker", "tcp://127.0.0.1:1", "--canary", "150%"});
  EXPECT_EQ(r.exit_code, 3) << r.err;  // the manifest file is read first
  const std::string dir = testing::make_temp_dir("outpost-fleet-usage");
  std::ofstream(dir + "/m.json") << "{}";
  r = run_outpost({"fleet", "deploy", dir + "/m.json", "--broker", "tcp://127.0.0.1:1", "--canary", "150%"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--canary"), std::string::npos) << r.err;
  r = run_outpost({"fleet", "deploy", dir + "/m.json", "--broker", "tcp://127.0.0.1:1", "--wait-healthy", "soon"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find("--wait-healthy"), std::string::npos) << r.err;
  // A manifest no device would take is refused before the broker is asked (none listens here).
  r = run_outpost({"fleet", "deploy", dir + "/m.json", "--broker", "tcp://127.0.0.1:1"});
  EXPECT_EQ(r.exit_code, 7) << r.err;
  EXPECT_NE(r.err.find("not signed"), std::string::npos) << r.err;
  std::ofstream(dir + "/bad.json") << R"({"signed": "AAAA", "signatures": []})";
  r = run_outpost({"fleet", "deploy", dir + "/bad.json", "--broker", "tcp://127.0.0.1:1"});
  EXPECT_NE(r.exit_code, 0) << r.err;
  EXPECT_NE(r.exit_code, 12) << "the broker was asked first: " << r.err;
  r = run_outpost({"fleet", "simulate", "--broker", "ssl://127.0.0.1:1", "--trust", dir});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace outpost
