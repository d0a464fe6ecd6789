// Crash safety of an apply: the real agent, running version 1, is SIGKILLed at one point of
// applying version 2 (each step of the apply, and each step of the journal write that starts
// it); the source of version 2's bundle then disappears (no network), and the agent restarts.
// It must come back serving version 1 or version 2, whole: never nothing, never a mix. Where
// everything version 2 needs had reached the store before the kill, the apply completes
// offline.
#include "e2e/agent_harness.h"

namespace outpost {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using testing::AgentProcess;
using testing::AgentWorld;
using testing::runs_good;

struct KillPoint {
  const char* name;         // for the test's name
  const char* agent_step;   // OUTPOST_TEST_AGENT_KILL_AT, or null
  int journal_step;         // OUTPOST_TEST_JOURNAL_KILL_AT_STEP, or 0
  int64_t expected_version; // what runs after the offline restart
};

// After the journal recorded `fetch`, the bundle is not in the store yet: with its source gone,
// version 1 keeps running (and the apply keeps retrying). From `verify` on it is in the store.
const KillPoint kKillPoints[] = {
    {"fetch", "fetch", 0, 1},         {"verify", "verify", 0, 2},
    {"stage", "stage", 0, 2},         {"validate", "validate", 0, 2},
    {"switch", "switch", 0, 2},       {"switched", "switched", 0, 2},
    {"probation", "probation", 0, 2}, {"journal_open", nullptr, 1, 1},
    {"journal_half", nullptr, 2, 1},  {"journal_written", nullptr, 3, 1},
    {"journal_synced", nullptr, 4, 1}, {"journal_previous_kept", nullptr, 5, 1},
    {"journal_renamed", nullptr, 6, 1}, {"journal_durable", nullptr, 7, 1},
};

class AgentCrash : public ::testing::TestWithParam<KillPoint> {
 protected:
  // Once for all kill points: a state directory where version 1 is last-good, made by a real
  // agent that then stopped. Each kill point starts from a copy of it.
  static void SetUpTestSuite() {
    dir_ = new std::string(testing::make_temp_dir("outpost-agent-crash"));
    world_ = new AgentWorld(*dir_);
    const std::string v1 = world_->make_bundle("adder", "1.0.0", false);
    world_->publish(world_->manifest(1, {AgentWorld::bundle_ref(v1, "adder", "1.0.0")}), "v1.json");
    const std::string config = world_->write_config(world_->state_dir());
    AgentProcess agent(config, *dir_ + "/template.log");
    ready_ = world_->wait_for(world_->state_dir(), [](auto& r) { return runs_good(r, 1); }).has_value() &&
             agent.stop();
  }
  static void TearDownTestSuite() {
    if (!failed_) fs::remove_all(*dir_);
    delete world_;
    delete dir_;
  }
  void TearDown() override {
    if (HasFailure()) failed_ = true;
  }

  static std::string* dir_;
  static AgentWorld* world_;
  static bool ready_;
  static bool failed_;
};

std::string* AgentCrash::dir_ = nullptr;
AgentWorld* AgentCrash::world_ = nullptr;
bool AgentCrash::ready_ = false;
bool AgentCrash::failed_ = false;

TEST_P(AgentCrash, AnAgentKilledMidApplyComesBackOfflineRunningAWholeDeployment) {
  ASSERT_TRUE(ready_) << "version 1 could not be deployed: " << testing::read_text(*dir_ + "/template.log");
  const KillPoint& point = GetParam();
  const std::string base = *dir_ + "/" + point.name;
  const std::string state = base + "/state", manifests = base + "/manifests", repo = base + "/repo";
  fs::create_directories(base);
  fs::copy(world_->state_dir(), state, fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  fs::create_directories(manifests);
  fs::copy(*dir_ + "/manifests/v1.json", manifests + "/v1.json");
  // Version 2 (multiply), fetched from a directory that will vanish.
  fs::create_directories(repo);
  const std::string v2 = repo + "/adder-2.0.0.opk";
  fs::copy(world_->make_bundle("adder", "2.0.0", true), v2);
  json m2 = world_->manifest(2, {AgentWorld::bundle_ref(v2, "adder", "2.0.0")});
  auto signed_text = agent::sign_manifest(m2.dump(), world_->publisher());
  ASSERT_TRUE(signed_text.is_ok());
  std::ofstream(manifests + "/v2.json") << *signed_text;
  const std::string config = world_->write_config(state, {{"manifest_dir", manifests}});
  const std::string log = base + "/agent.log";

  {
    std::vector<std::string> env;
    if (point.agent_step) env.push_back(std::string("OUTPOST_TEST_AGENT_KILL_AT=") + point.agent_step);
    if (point.journal_step)
      env.push_back("OUTPOST_TEST_JOURNAL_KILL_AT_STEP=" + std::to_string(point.journal_step));
    AgentProcess doomed(config, log, env);
    int status = 0;
    ASSERT_TRUE(doomed.wait(60, &status)) << "the agent did not reach its kill point\n"
                                          << testing::read_text(log);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << testing::read_text(log);
  }
  fs::remove_all(repo);  // no network from here on

  AgentProcess agent(config, log);
  const int64_t expected = point.expected_version;
  auto r = world_->wait_for(state, [&](const agentd::ReportedState& s) {
    return s.current && s.current->version == expected && !s.modules.empty() &&
           s.modules[0].process == "running" &&
           (expected == 1 ? !s.last_error.empty() : runs_good(s, 2));
  });
  ASSERT_TRUE(r) << testing::read_text(log);
  ASSERT_EQ(r->modules.size(), 1u);
  EXPECT_EQ(r->modules[0].bundles.at(0).version, expected == 1 ? "1.0.0" : "2.0.0");
  EXPECT_TRUE(world_->eventually_answers(expected == 1 ? 5.0f : 6.0f))
      << "the deployment reported is the one serving\n" << testing::read_text(log);
  EXPECT_TRUE(agent.stop()) << testing::read_text(log);
}

INSTANTIATE_TEST_SUITE_P(EveryStep, AgentCrash, ::testing::ValuesIn(kKillPoints),
                         [](const ::testing::TestParamInfo<KillPoint>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace outpost
