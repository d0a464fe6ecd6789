// `outpost agent` as a process, with real `outpost serve` modules on loopback: a good
// deployment and an upgrade; bad bundles (hash, signature, golden vectors, name, older version)
// refused while the old deployment keeps serving; a deployment that passes validation but
// breaks its health gate, rolled back by itself; a newer manifest superseding one whose
// download is in progress; a disk that fills during a download; SIGTERM.
#include "e2e/agent_harness.h"

#include <sys/socket.h>
#include <sys/un.h>

#include <cstdio>

#include "support/cli_runner.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::AgentProcess;
using testing::AgentWorld;
using testing::runs_good;

class AgentCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-agent-test");
    world_ = std::make_unique<AgentWorld>(dir_);
    config_ = world_->write_config(world_->state_dir());
  }
  void TearDown() override {
    agent_.reset();
    if (!HasFailure()) fs::remove_all(dir_);
  }
  void start_agent(const std::vector<std::string>& env = {}, uint64_t file_size_limit = 0,
                   bool standalone = false) {
    agent_ = std::make_unique<AgentProcess>(config_, dir_ + "/agent.log", env, file_size_limit,
                                            standalone);
  }
  std::string log() const { return testing::read_text(dir_ + "/agent.log"); }

  // Publishes version 1 (the add bundle 1.0.0) and waits until it is last-good and serves.
  void deploy_v1() {
    const std::string v1 = world_->make_bundle("adder", "1.0.0", false);
    world_->publish(world_->manifest(1, {AgentWorld::bundle_ref(v1, "adder", "1.0.0")}), "v1.json");
    ASSERT_TRUE(world_->wait_for(world_->state_dir(), [](auto& r) { return runs_good(r, 1); }))
        << log();
    ASSERT_TRUE(world_->eventually_answers(5)) << log();
  }

  // Publishes `manifest` and waits until the agent reports an error containing `expected`;
  // version 1 must still be what runs and serves.
  void expect_refused(const json& manifest, const std::string& file, const std::string& expected) {
    world_->publish(manifest, file);
    auto r = world_->wait_for(world_->state_dir(), [&](const agentd::ReportedState& s) {
      return s.last_error.find(expected) != std::string::npos && s.agent == "idle";
    });
    ASSERT_TRUE(r) << "expected an error with '" << expected << "'\n" << log();
    EXPECT_TRUE(runs_good(*r, 1)) << agentd::reported_state_json(*r).dump(2);
    EXPECT_EQ(world_->infer(), 5.0f) << "the old deployment must keep serving";
  }

  std::string dir_, config_;
  std::unique_ptr<AgentWorld> world_;
  std::unique_ptr<AgentProcess> agent_;
};

TEST_F(AgentCli, DeploysAManifestThenUpgradesToTheNextOne) {
  start_agent();
  deploy_v1();
  auto r = agentd::read_reported_state(world_->state_dir());
  ASSERT_TRUE(r.is_ok());
  ASSERT_EQ(r->modules.size(), 1u);
  EXPECT_EQ(r->modules[0].process, "running");
  EXPECT_EQ(r->modules[0].health, "healthy");
  EXPECT_EQ(r->modules[0].bundles.at(0).version, "1.0.0");

  const std::string v2 = world_->make_bundle("adder", "1.1.0", true);
  world_->publish(world_->manifest(2, {AgentWorld::bundle_ref(v2, "adder", "1.1.0")}), "v2.json");
  ASSERT_TRUE(world_->wait_for(world_->state_dir(), [](auto& s) { return runs_good(s, 2); }))
      << log();
  EXPECT_TRUE(world_->eventually_answers(6)) << "the multiply bundle serves now\n" << log();
  // The store keeps what last-good needs: version 1's bundle is gone, 2's is there.
  EXPECT_FALSE(fs::exists(world_->state_dir() + "/store/sha256/" +
                          AgentWorld::bundle_ref(dir_ + "/repo/adder-1.0.0-add.opk", "", "")["sha256"]
                              .get<std::string>()));
  EXPECT_TRUE(agent_->stop()) << log();
}

// The executable devices run: the same agent without the model runtime linked in; it runs
// its modules and validations with the `outpost` beside it.
TEST_F(AgentCli, TheStandaloneAgentExecutableDeploysToo) {
  start_agent({}, 0, /*standalone=*/true);
  deploy_v1();
  EXPECT_TRUE(agent_->stop()) << log();
  EXPECT_NE(log().find("outpost-agent: info: agent: accepted"), std::string::npos) << log();
}

TEST_F(AgentCli, RefusesBadBundlesWhileTheOldDeploymentKeepsServing) {
  start_agent();
  deploy_v1();
  const std::string good = world_->make_bundle("adder", "1.1.0", true);

  json wrong_hash = AgentWorld::bundle_ref(good, "adder", "1.1.0");
  wrong_hash["sha256"] = std::string(64, 'a');
  expect_refused(world_->manifest(2, {wrong_hash}), "v2.json", "SHA-256");

  auto stranger = AgentWorld::make_key("stranger", true);
  const std::string unsigned_by_us = world_->make_bundle("adder", "1.2.0", true, stranger.get());
  expect_refused(world_->manifest(3, {AgentWorld::bundle_ref(unsigned_by_us, "adder", "1.2.0")}),
                 "v3.json", "unknown publisher");

  // A trusted publisher's bundle changed after signing (the manifest names the changed bytes).
  const std::string tampered = world_->make_bundle("adder", "1.2.5", true);
  {
    std::fstream f(tampered, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(fs::file_size(tampered) / 2));
    f.put('\x5a');
  }
  expect_refused(world_->manifest(35, {AgentWorld::bundle_ref(tampered, "adder", "1.2.5")}),
                 "v35.json", "modified after signing");

  const std::string bad_golden = world_->make_bundle("adder", "1.3.0", true, nullptr, true);
  expect_refused(world_->manifest(40, {AgentWorld::bundle_ref(bad_golden, "adder", "1.3.0")}),
                 "v40.json", "golden");

  // A trusted bundle of another model, named in the manifest as the one expected.
  const std::string other = world_->make_bundle("counter", "1.4.0", true);
  expect_refused(world_->manifest(50, {AgentWorld::bundle_ref(other, "adder", "1.4.0")}), "v50.json",
                 "signed as 'counter'");

  const std::string older = world_->make_bundle("adder", "0.9.0", true);
  expect_refused(world_->manifest(60, {AgentWorld::bundle_ref(older, "adder", "0.9.0")}), "v60.json",
                 "older than 1.0.0");

  // An older manifest (a replay) is refused before anything is fetched.
  expect_refused(world_->manifest(60, {AgentWorld::bundle_ref(good, "adder", "1.1.0")}),
                 "replay.json", "not_newer");
  EXPECT_TRUE(agent_->stop()) << log();
}

TEST_F(AgentCli, RollsBackADeploymentThatBreaksItsHealthGate) {
  start_agent();
  deploy_v1();
  const std::string v2 = world_->make_bundle("adder", "2.0.0", true);
  // Valid and signed, golden vectors pass; but during its probation most requests fail.
  world_->publish(world_->manifest(2, {AgentWorld::bundle_ref(v2, "adder", "2.0.0")},
                                   {{"probation_s", 30}, {"max_error_rate", 0.1}}),
                  "v2.json");
  ASSERT_TRUE(world_->eventually_answers(6)) << log();
  for (int i = 0; i < 20; ++i) world_->infer(/*bad_shape=*/true);
  auto r = world_->wait_for(world_->state_dir(), [](auto& s) { return s.rollbacks == 1; });
  ASSERT_TRUE(r) << log();
  EXPECT_NE(r->last_error.find("error rate"), std::string::npos) << r->last_error;
  EXPECT_NE(r->last_error.find("rolled back to 'lobby' version 1"), std::string::npos) << r->last_error;
  EXPECT_TRUE(runs_good(*r, 1)) << agentd::reported_state_json(*r).dump(2);
  EXPECT_TRUE(world_->eventually_answers(5)) << "version 1 serves again\n" << log();
  EXPECT_TRUE(agent_->stop()) << log();
}

TEST_F(AgentCli, ANewerManifestSupersedesOneStillDownloading) {
  // An HTTP server that holds the version 2 bundle's download for a long time.
  const std::string slow = world_->make_bundle("adder", "2.0.0", true);
  const std::string slow_bytes = testing::read_text(slow);
  std::atomic<bool> release{false};
  httplib::Server server;
  server.Get("/slow.opk", [&](const httplib::Request&, httplib::Response& res) {
    for (int i = 0; i < 200 && !release; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    res.set_content(slow_bytes, "application/octet-stream");
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  std::thread serving([&] { server.listen_after_bind(); });

  start_agent();
  deploy_v1();
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/slow.opk";
  world_->publish(world_->manifest(2, {AgentWorld::bundle_ref(slow, "adder", "2.0.0", url)}), "v2.json");
  ASSERT_TRUE(world_->wait_for(world_->state_dir(), [](auto& s) {
    return s.apply_step == "fetch" && s.desired && s.desired->version == 2;
  })) << log();
  const std::string v3 = world_->make_bundle("adder", "3.0.0", true);
  world_->publish(world_->manifest(3, {AgentWorld::bundle_ref(v3, "adder", "3.0.0")}), "v3.json");
  auto r = world_->wait_for(world_->state_dir(), [](auto& s) { return runs_good(s, 3); });
  release = true;
  server.stop();
  serving.join();
  ASSERT_TRUE(r) << log();
  EXPECT_NE(log().find("supersedes"), std::string::npos) << log();
  EXPECT_TRUE(world_->eventually_answers(6)) << log();
  EXPECT_TRUE(agent_->stop()) << log();
}

TEST_F(AgentCli, ADiskThatFillsDuringADownloadIsReportedAndTheOldDeploymentKeepsRunning) {
  // Every file the agent writes is limited to 1 MiB (RLIMIT_FSIZE: writes past it fail with
  // EFBIG, as they would on a full disk; a test cannot mount a small filesystem unprivileged).
  start_agent({}, 1 << 20);
  deploy_v1();
  // 512 x 512 inputs: the golden vectors alone take 1 MiB per tensor.
  const std::string big = world_->make_bundle("adder", "2.0.0", true, nullptr, false, 512);
  ASSERT_GT(fs::file_size(big), 1u << 20);
  json ref = AgentWorld::bundle_ref(big, "adder", "2.0.0");
  json m = world_->manifest(2, {ref});
  world_->publish(m, "v2.json");
  auto r = world_->wait_for(world_->state_dir(), [](const agentd::ReportedState& s) {
    return s.last_error.find("File too large") != std::string::npos;
  });
  ASSERT_TRUE(r) << log();
  EXPECT_NE(r->last_error.find("the running deployment is kept"), std::string::npos) << r->last_error;
  EXPECT_EQ(r->current->version, 1);
  EXPECT_EQ(world_->infer(), 5.0f) << "version 1 keeps serving";
  EXPECT_TRUE(agent_->stop()) << log();
}

TEST_F(AgentCli, SigtermStopsTheModulesAndARestartWithoutNetworkBringsThemBack) {
  start_agent();
  deploy_v1();
  auto r = agentd::read_reported_state(world_->state_dir());
  ASSERT_TRUE(r.is_ok());
  const int module_pid = r->modules.at(0).pid;
  ASSERT_GT(module_pid, 0);
  EXPECT_TRUE(agent_->stop()) << log();
  EXPECT_EQ(kill(module_pid, 0), -1) << "the serve module outlived the agent";
  EXPECT_FALSE(world_->infer().has_value());
  r = agentd::read_reported_state(world_->state_dir());
  ASSERT_TRUE(r.is_ok());
  EXPECT_EQ(r->agent, "stopped");

  // A reboot with no network: the bundles' source is gone, the store has what runs.
  fs::remove_all(dir_ + "/repo");
  start_agent();
  ASSERT_TRUE(world_->wait_for(world_->state_dir(), [module_pid](const agentd::ReportedState& s) {
    return runs_good(s, 1) && !s.modules.empty() && s.modules[0].process == "running" &&
           s.modules[0].pid != module_pid;
  })) << log();
  EXPECT_TRUE(world_->eventually_answers(5)) << log();
  EXPECT_TRUE(agent_->stop()) << log();
}

// Under systemd (Type=notify, WatchdogSec): READY=1 once started, WATCHDOG=1 every half of
// WATCHDOG_USEC, STOPPING=1 on SIGTERM, as datagrams to $NOTIFY_SOCKET.
TEST_F(AgentCli, TellsSystemdItIsReadyFeedsTheWatchdogAndSaysWhenItStops) {
  const std::string socket_path = dir_ + "/notify.sock";
  const int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  ASSERT_GE(fd, 0);
  sockaddr_un address{};
  address.sun_family = AF_UNIX;
  std::snprintf(address.sun_path, sizeof address.sun_path, "%s", socket_path.c_str());
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  const timeval wait{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
  auto next_message = [fd] {
    char buffer[512];
    const ssize_t n = recv(fd, buffer, sizeof buffer, 0);
    return n > 0 ? std::string(buffer, static_cast<size_t>(n)) : std::string();
  };
  start_agent({"NOTIFY_SOCKET=" + socket_path, "WATCHDOG_USEC=200000"});
  EXPECT_EQ(next_message().rfind("READY=1", 0), 0u) << log();
  int watchdogs = 0;
  for (int i = 0; i < 3; ++i) watchdogs += next_message() == "WATCHDOG=1";
  EXPECT_EQ(watchdogs, 3) << log();
  agent_->signal(SIGTERM);
  std::string last;
  for (std::string m = next_message(); !m.empty(); m = next_message()) {
    last = m;
    if (m.rfind("STOPPING=1", 0) == 0) break;
  }
  EXPECT_EQ(last.rfind("STOPPING=1", 0), 0u) << log();
  int status = 0;
  EXPECT_TRUE(agent_->wait(30, &status) && WIFEXITED(status) && WEXITSTATUS(status) == 0) << log();
  close(fd);
}

// An apply waiting to retry a failed download (here for 60 s) is replaced by a newer manifest
// at once, not when its retry comes due.
TEST_F(AgentCli, ANewerManifestReplacesAnApplyWaitingToRetry) {
  config_ = world_->write_config(world_->state_dir(),
                                 {{"fetch", {{"max_attempts", 1}, {"backoff_min_s", 60},
                                             {"backoff_max_s", 60}}}});
  start_agent();
  deploy_v1();
  const std::string gone = world_->make_bundle("adder", "2.0.0", true);
  json ref = AgentWorld::bundle_ref(gone, "adder", "2.0.0");
  fs::remove(gone);  // its source is unreachable: the download fails and waits to retry
  world_->publish(world_->manifest(2, {ref}), "v2.json");
  ASSERT_TRUE(world_->wait_for(world_->state_dir(), [](const agentd::ReportedState& s) {
    return s.last_error.find("retrying in 60 s") != std::string::npos;
  })) << log();
  const std::string v3 = world_->make_bundle("adder", "3.0.0", true);
  world_->publish(world_->manifest(3, {AgentWorld::bundle_ref(v3, "adder", "3.0.0")}), "v3.json");
  EXPECT_TRUE(world_->wait_for(world_->state_dir(), [](auto& r) { return runs_good(r, 3); }, 20))
      << log();
  EXPECT_TRUE(agent_->stop()) << log();
}

// A missing manifest directory is reported (and logged once, not on every poll); the agent
// keeps running and applies what appears once the directory does.
TEST_F(AgentCli, AMissingManifestDirectoryIsReportedOnceAndPickedUpWhenItAppears) {
  fs::remove_all(dir_ + "/manifests");
  start_agent();
  ASSERT_TRUE(world_->wait_for(world_->state_dir(), [](const agentd::ReportedState& s) {
    return s.last_error.find("cannot be read") != std::string::npos;
  })) << log();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));  // about five more polls
  const std::string text = log();
  size_t mentions = 0;
  for (size_t at = text.find("cannot be read"); at != std::string::npos;
       at = text.find("cannot be read", at + 1))
    ++mentions;
  EXPECT_EQ(mentions, 1u) << text;
  fs::create_directories(dir_ + "/manifests");
  deploy_v1();
  EXPECT_TRUE(agent_->stop()) << log();
}

TEST_F(AgentCli, AConfigurationErrorNamesTheFieldAndExits4) {
  std::ofstream(dir_ + "/bad.json") << R"({"state_dir": "s", "manifest_dir": "m", "trust_dir": "t",
                                          "poll_interval_s": "fast"})";
  auto r = testing::run_outpost({"agent", "--config", dir_ + "/bad.json"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("poll_interval_s"), std::string::npos) << r.err;

  std::ofstream(dir_ + "/typo.json") << R"({"state_dir": "s", "manifest_dir": "m", "trust_dir": "t",
                                           "pol_interval_s": 1})";
  r = testing::run_outpost({"agent", "--config", dir_ + "/typo.json"});
  EXPECT_EQ(r.exit_code, 4) << r.err;
  EXPECT_NE(r.err.find("pol_interval_s"), std::string::npos) << r.err;

  r = testing::run_outpost({"agent", "--config", dir_ + "/missing.json"});
  EXPECT_EQ(r.exit_code, 3) << r.err;
}

}  // namespace
}  // namespace outpost
