// outpost status against the real agent: while `outpost agent` runs a deployment its status
// shows the running agent, the deployment and the module serving the bundle; after SIGTERM it
// shows the agent stopped and the same deployment, read from the files the agent left.
#include "e2e/agent_harness.h"
#include "support/cli_runner.h"

namespace outpost {
namespace {

using nlohmann::json;
using testing::AgentProcess;
using testing::AgentWorld;
using testing::run_outpost;
using testing::runs_good;

TEST(AgentStatusCli, ShowsTheRunningAgentThenTheStoppedOne) {
  const std::string dir = testing::make_temp_dir("outpost-agent-status");
  AgentWorld world(dir);
  const std::string config = world.write_config(world.state_dir());
  auto agent = std::make_unique<AgentProcess>(config, dir + "/agent.log");
  const std::string v1 = world.make_bundle("adder", "1.0.0", false);
  world.publish(world.manifest(1, {AgentWorld::bundle_ref(v1, "adder", "1.0.0")}), "v1.json");
  ASSERT_TRUE(world.wait_for(world.state_dir(), [](auto& r) { return runs_good(r, 1); }))
      << testing::read_text(dir + "/agent.log");

  auto r = run_outpost({"status", "--config", config});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& want :
       {"agent:      idle, pid " + std::to_string(agent->pid()) + " (running)",
        std::string("current    lobby"), std::string("last good  lobby"),
        std::string("journal:    current lobby 1, last good lobby 1, applying nothing"),
        std::string("adder@1.0.0"), std::string("healthy"),
        "http://127.0.0.1:" + std::to_string(world.port())})
    EXPECT_NE(r.out.find(want), std::string::npos) << "want: " << want << "\nin:\n" << r.out;

  r = run_outpost({"status", "--config", config, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  json j = json::parse(r.out);
  EXPECT_EQ(j["agent_running"], true);
  EXPECT_EQ(j["reported"]["agent_pid"], agent->pid());
  EXPECT_EQ(j["reported"]["current"]["version"], 1);
  EXPECT_EQ(j["journal"]["current"]["version"], 1);
  EXPECT_EQ(j["journal"]["last_good"]["version"], 1);
  ASSERT_EQ(j["reported"]["modules"].size(), 1u);
  EXPECT_EQ(j["reported"]["modules"][0]["process"], "running");
  EXPECT_GT(j["reported"]["modules"][0]["pid"].get<int>(), 0);

  ASSERT_TRUE(agent->stop()) << testing::read_text(dir + "/agent.log");
  r = run_outpost({"status", "--config", config, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = json::parse(r.out);
  EXPECT_EQ(j["agent_running"], false);
  EXPECT_EQ(j["reported"]["agent"], "stopped");
  EXPECT_EQ(j["journal"]["current"]["version"], 1);
  agent.reset();
  if (!::testing::Test::HasFailure()) std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost
