// outpost status as an operator runs it, against a state directory the test writes as the agent
// does (status.json through write_reported_state, the journal through Journal::write): the text
// names modules and versions, --json carries the fields, and a missing or bad state exits with
// its documented code (docs/cli.md).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "agent/journal.h"
#include "agentd/reported_state.h"
#include "support/cli_runner.h"
#include "support/test_paths.h"

namespace outpost {
namespace {

using testing::run_outpost;

// A pid that no process has: a child that has exited and been reaped.
int dead_pid() {
  const pid_t child = ::fork();
  if (child == 0) ::_exit(0);
  int status = 0;
  ::waitpid(child, &status, 0);
  return child;
}

agentd::ReportedState sample_state(int agent_pid) {
  agentd::ReportedState s;
  s.agent = "probation";
  s.agent_pid = agent_pid;
  s.updated = "2026-12-07T03:00:00Z";
  s.desired = agentd::DeploymentReport{"lobby", 8, std::string(64, 'b')};
  s.current = agentd::DeploymentReport{"lobby", 8, std::string(64, 'b')};
  s.last_good = agentd::DeploymentReport{"lobby", 7, std::string(64, 'a')};
  s.apply_step = "probation";
  agentd::ModuleReport faces;
  faces.name = "faces";
  faces.run = "serve";
  faces.process = "running";
  faces.pid = 4300;
  faces.restarts = 2;
  faces.health = "probation";
  faces.endpoint = "http://127.0.0.1:8000";
  faces.bundles = {{"face", "1.3.0", std::string(64, 'c')}};
  agentd::ModuleReport door;
  door.name = "door-camera";
  door.run = "pipeline";
  door.process = "backing_off";
  door.health = "failed";
  door.bundles = {{"person", "0.9.1", std::string(64, 'd')}};
  door.last_error = "exited with code 3: rtsp://door/stream did not answer";
  s.modules = {faces, door};
  s.last_error = "deployment lobby 6 rolled back: error rate 0.25 above the gate's 0.01";
  s.last_error_time = "2026-12-07T02:59:00Z";
  s.rollbacks = 1;
  return s;
}

class StatusCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::make_temp_dir("outpost-status-cli");
    state_ = dir_ + "/state";
    std::filesystem::create_directory(state_);
    // Relative paths: taken from the configuration file's directory.
    config_ = write("agent.json",
                    R"({"state_dir": "state", "manifest_dir": "manifests", "trust_dir": "trust"})");
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ + "/" + name) << text;
    return dir_ + "/" + name;
  }
  void write_journal() {
    agent::AgentState s;
    s.last_accepted_version = 9;
    s.last_good = agent::DeploymentRef{"lobby", 7, std::string(64, 'a')};
    s.current = agent::DeploymentRef{"lobby", 8, std::string(64, 'b')};
    s.in_progress = agent::InProgress{{"lobby", 9, std::string(64, 'e')}, agent::ApplyStep::kStage};
    ASSERT_TRUE(agent::Journal(state_).write(s).is_ok());
  }
  std::string dir_, state_, config_;
};

TEST_F(StatusCli, TextNamesModulesVersionsAndTheLastError) {
  ASSERT_TRUE(agentd::write_reported_state(state_, sample_state(::getpid())).is_ok());
  write_journal();
  auto r = run_outpost({"status", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const std::string& want :
       {"agent:      probation, pid " + std::to_string(::getpid()) + " (running)",
        std::string("desired    lobby       8        bbbbbbbbbbbb"),
        std::string("last good  lobby       7        aaaaaaaaaaaa"),
        std::string("apply step: probation"),
        std::string("journal:    current lobby 8, last good lobby 7, applying lobby 9 (step "
                    "stage), last accepted version 9"),
        std::string("faces        serve     running      4300  2         probation  "
                    "http://127.0.0.1:8000  face@1.3.0"),
        std::string("door-camera  pipeline  backing_off  -     0         failed     -  "),
        std::string("person@0.9.1"),
        std::string("door-camera: exited with code 3: rtsp://door/stream did not answer"),
        std::string("last error: 2026-12-07T02:59:00Z deployment lobby 6 rolled back"),
        std::string("rollbacks:  1")})
    EXPECT_NE(r.out.find(want), std::string::npos) << "want: " << want << "\nin:\n" << r.out;
  EXPECT_EQ(r.out.find("gateway"), std::string::npos) << "not a gateway";
}

TEST_F(StatusCli, AGatewaySaysWhetherItServesItsChildren) {
  agentd::ReportedState s = sample_state(::getpid());
  s.gateway = agentd::GatewayReport{"backing_off", "disconnected", 2};
  ASSERT_TRUE(agentd::write_reported_state(state_, s).is_ok());
  write_journal();
  auto r = run_outpost({"status", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("gateway:    2 child device(s); broker backing_off, relay disconnected"),
            std::string::npos)
      << r.out;
  auto j = run_outpost({"status", "--config", config_, "--json"});
  ASSERT_EQ(j.exit_code, 0) << j.err;
  EXPECT_EQ(nlohmann::json::parse(j.out)["reported"]["gateway"]["relay"], "disconnected");
}

TEST_F(StatusCli, JsonHasTheReportedStateTheJournalAndWhetherTheAgentRuns) {
  ASSERT_TRUE(agentd::write_reported_state(state_, sample_state(dead_pid())).is_ok());
  write_journal();
  auto r = run_outpost({"status", "--config", config_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["agent_running"], false);
  EXPECT_EQ(j["state_dir"], state_);
  EXPECT_EQ(j["reported"]["agent"], "probation");
  EXPECT_EQ(j["reported"]["current"]["version"], 8);
  EXPECT_EQ(j["reported"]["last_good"]["deployment_id"], "lobby");
  ASSERT_EQ(j["reported"]["modules"].size(), 2u);
  EXPECT_EQ(j["reported"]["modules"][1]["bundles"][0]["version"], "0.9.1");
  EXPECT_EQ(j["reported"]["rollbacks"], 1);
  EXPECT_EQ(j["journal"]["found"], true);
  EXPECT_EQ(j["journal"]["last_accepted_version"], 9);
  EXPECT_EQ(j["journal"]["current"]["version"], 8);
  EXPECT_EQ(j["journal"]["last_good"]["version"], 7);
  EXPECT_EQ(j["journal"]["in_progress"]["target"]["version"], 9);
  EXPECT_EQ(j["journal"]["in_progress"]["step"], "stage");

  // The same dead pid in text: the agent ended without saying so.
  r = run_outpost({"status", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("(not running: it ended without saying so"), std::string::npos) << r.out;
}

TEST_F(StatusCli, NoJournalYetAndAStoppedAgent) {
  agentd::ReportedState s;
  s.agent = "stopped";
  s.agent_pid = ::getpid();  // alive, but the agent said it stopped
  s.updated = "2026-12-07T03:00:00Z";
  ASSERT_TRUE(agentd::write_reported_state(state_, s).is_ok());
  auto r = run_outpost({"status", "--config", config_, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["agent_running"], false);
  EXPECT_EQ(j["journal"]["found"], false);
  EXPECT_TRUE(j["journal"]["current"].is_null());
  r = run_outpost({"status", "--config", config_});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("journal:    none yet"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("modules:    none"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("current    -"), std::string::npos) << r.out;
}

TEST_F(StatusCli, AgentNeverRanExits3SayingWhatToDo) {
  auto r = run_outpost({"status", "--config", config_});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("the agent has not run with state directory " + state_), std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("outpost agent --config " + config_), std::string::npos) << r.err;
  r = run_outpost({"status", "--config", config_, "--json"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_EQ(nlohmann::json::parse(r.out)["error"]["category"], "io_error");
  // A configuration that is not there: 3 too, naming it.
  r = run_outpost({"status", "--config", dir_ + "/nope.json"});
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("nope.json"), std::string::npos) << r.err;
}

TEST_F(StatusCli, BadConfigOrStatusFileExits4NamingIt) {
  const std::string bad =
      write("bad.json", R"({"state_dir": "state", "manifest_dir": 3, "trust_dir": "t"})");
  auto r = run_outpost({"status", "--config", bad});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("manifest_dir"), std::string::npos) << r.err;

  std::ofstream(agentd::reported_state_path(state_)) << R"({"agent": "idle"})";
  r = run_outpost({"status", "--config", config_, "--json"});
  EXPECT_EQ(r.exit_code, 4);
  EXPECT_NE(r.err.find("status.json"), std::string::npos) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["error"]["category"], "invalid_model");
}

TEST_F(StatusCli, ConfigIsRequired) {
  auto r = run_outpost({"status"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--config"), std::string::npos) << r.err;
  r = run_outpost({"status", "--help"});
  EXPECT_EQ(r.exit_code, 0);
  EXPECT_NE(r.out.find("--json"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace outpost
