// The agent's status.json: what is written reads back the same, a write is atomic and leaves
// nothing behind, and a missing or corrupt file is a clear error naming it and the field.
#include "agentd/reported_state.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include "support/test_paths.h"

namespace outpost::agentd {
namespace {

ReportedState sample_state() {
  ReportedState s;
  s.agent = "probation";
  s.agent_pid = 4242;
  s.updated = "2026-12-07T03:00:00Z";
  s.desired = DeploymentReport{"lobby", 8, std::string(64, 'b')};
  s.current = DeploymentReport{"lobby", 8, std::string(64, 'b')};
  s.last_good = DeploymentReport{"lobby", 7, std::string(64, 'a')};
  s.apply_step = "probation";
  ModuleReport faces;
  faces.name = "faces";
  faces.run = "serve";
  faces.process = "running";
  faces.pid = 4300;
  faces.restarts = 2;
  faces.health = "probation";
  faces.endpoint = "http://127.0.0.1:8000";
  faces.bundles = {{"face", "1.3.0", std::string(64, 'c')},
                   {"pose", "2.0.0", std::string(64, 'd')}};
  ModuleReport door;
  door.name = "door";
  door.run = "pipeline";
  door.process = "backing_off";
  door.health = "failed";
  door.last_error = "exited with code 3: camera.mp4 \xc3\xa9 missing";
  s.modules = {faces, door};
  s.last_error = "deployment lobby 6 rolled back: error rate 0.25 above the gate's 0.01";
  s.last_error_time = "2026-12-07T02:59:00Z";
  s.rollbacks = 1;
  return s;
}

class ReportedStateFile : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-reported-state"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write_text(const std::string& text) {
    std::ofstream(reported_state_path(dir_), std::ios::binary) << text;
  }
  std::string dir_;
};

TEST(ReportedState, JsonRoundTrip) {
  const ReportedState s = sample_state();
  const nlohmann::json j = reported_state_json(s);
  EXPECT_EQ(j["modules"][0]["bundles"][1]["name"], "pose");
  EXPECT_TRUE(reported_state_json(ReportedState{})["desired"].is_null());
  auto back = parse_reported_state(j, "status.json");
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(reported_state_json(*back), j);
  EXPECT_EQ(back->modules[1].last_error, s.modules[1].last_error);
  EXPECT_EQ(back->last_good->version, 7);
}

// A gateway's state (docs/gateway.md) reads back; other agents' documents have no such member,
// and a bad one is named.
TEST(ReportedState, AGatewaysStateRoundTripsAndIsOptional) {
  ReportedState s = sample_state();
  EXPECT_FALSE(reported_state_json(s).contains("gateway"));
  s.gateway = GatewayReport{"running", "connected", 3};
  const nlohmann::json j = reported_state_json(s);
  EXPECT_EQ(j["gateway"], (nlohmann::json{{"broker", "running"}, {"relay", "connected"}, {"children", 3}}));
  auto back = parse_reported_state(j, "status.json");
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  ASSERT_TRUE(back->gateway.has_value());
  EXPECT_EQ(back->gateway->children, 3);
  EXPECT_EQ(reported_state_json(*back), j);
  nlohmann::json bad = j;
  bad["gateway"]["relay"] = "sleeping";
  auto r = parse_reported_state(bad, "status.json");
  ASSERT_FALSE(r.is_ok());
  EXPECT_NE(r.status().message().find("gateway.relay"), std::string::npos) << r.status().message();
  bad = j;
  bad["gateway"].erase("children");
  EXPECT_FALSE(parse_reported_state(bad, "status.json").is_ok());
}

TEST(ReportedState, StrictReadNamesTheField) {
  const nlohmann::json good = reported_state_json(sample_state());
  struct Case {
    std::function<void(nlohmann::json&)> change;
    std::string want;
  };
  const std::vector<Case> cases = {
      {[](nlohmann::json& j) { j["extra"] = 1; }, "extra"},
      {[](nlohmann::json& j) { j.erase("rollbacks"); }, "rollbacks"},
      {[](nlohmann::json& j) { j["agent"] = "dancing"; }, "agent: 'dancing' is not one of"},
      {[](nlohmann::json& j) { j["agent_pid"] = -1; }, "agent_pid"},
      {[](nlohmann::json& j) { j["updated"] = "yesterday"; }, "updated: expected an RFC 3339"},
      {[](nlohmann::json& j) { j["current"]["version"] = "8"; }, "current.version"},
      {[](nlohmann::json& j) { j["last_good"]["extra"] = true; }, "last_good"},
      {[](nlohmann::json& j) { j["modules"][1]["health"] = "great"; }, "modules[1].health"},
      {[](nlohmann::json& j) { j["modules"][0]["run"] = "docker"; }, "modules[0].run"},
      {[](nlohmann::json& j) { j["modules"][0]["bundles"][1].erase("sha256"); },
       "modules[0].bundles[1]"},
      {[](nlohmann::json& j) { j["modules"] = "none"; }, "modules"},
      {[](nlohmann::json& j) { j["last_error_time"] = "later"; }, "last_error_time"},
      {[](nlohmann::json& j) { j = nlohmann::json::array(); }, "status.json"},
  };
  for (const Case& c : cases) {
    nlohmann::json doc = good;
    c.change(doc);
    auto r = parse_reported_state(doc, "status.json");
    ASSERT_FALSE(r.is_ok()) << doc.dump();
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel);
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << "want '" << c.want << "' in: " << r.status().message();
  }
  // An empty last_error_time is allowed (no error yet); an empty `updated` is not.
  nlohmann::json no_error = good;
  no_error["last_error"] = "";
  no_error["last_error_time"] = "";
  EXPECT_TRUE(parse_reported_state(no_error, "status.json").is_ok());
}

TEST_F(ReportedStateFile, WriteThenReadLeavesNoTemporaryFile) {
  ReportedState s = sample_state();
  ASSERT_TRUE(write_reported_state(dir_, s).is_ok());
  s.agent = "idle";
  s.apply_step = "";
  ASSERT_TRUE(write_reported_state(dir_, s).is_ok());  // replaces the first
  auto back = read_reported_state(dir_);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(reported_state_json(*back), reported_state_json(s));
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir_))
    names.push_back(e.path().filename().string());
  EXPECT_EQ(names, std::vector<std::string>{"status.json"});
}

TEST_F(ReportedStateFile, LongMessagesAreCutSoTheFileStaysReadable) {
  ReportedState s = sample_state();
  s.last_error = std::string(100000, 'x');
  ASSERT_TRUE(write_reported_state(dir_, s).is_ok());
  auto back = read_reported_state(dir_);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_LE(back->last_error.size(), 16384u);
  EXPECT_NE(back->last_error.find("(cut)"), std::string::npos);
}

// A message quoting a Latin-1 file name: nlohmann::json's dump() throws on such bytes, so the
// JSON holds them escaped (\xNN) and any dump of it works.
TEST_F(ReportedStateFile, BytesThatAreNotUtf8AreEscaped) {
  ReportedState s = sample_state();
  s.last_error = "cannot open caf\xe9.png";
  s.modules[0].last_error = "bad \xff\xfe";
  EXPECT_NO_THROW((void)reported_state_json(s).dump());
  ASSERT_TRUE(write_reported_state(dir_, s).is_ok());
  auto back = read_reported_state(dir_);
  ASSERT_TRUE(back.is_ok()) << back.status().message();
  EXPECT_EQ(back->last_error, "cannot open caf\\xe9.png");
  EXPECT_EQ(back->modules[0].last_error, "bad \\xff\\xfe");
}

TEST_F(ReportedStateFile, MissingFileSaysTheAgentHasNotRun) {
  auto r = read_reported_state(dir_);
  ASSERT_FALSE(r.is_ok());
  EXPECT_EQ(r.status().code(), StatusCode::kIoError);
  EXPECT_NE(r.status().message().find("the agent has not run with state directory " + dir_),
            std::string::npos)
      << r.status().message();
}

TEST_F(ReportedStateFile, CorruptFileIsInvalidNamingIt) {
  const std::string path = reported_state_path(dir_);
  for (const std::string& text :
       {std::string("{\"agent\": \"idle\""), std::string("not json"), std::string(""),
        std::string("{\"agent\": \"idle\", \"agent\": \"stopped\"}")}) {
    write_text(text);
    auto r = read_reported_state(dir_);
    ASSERT_FALSE(r.is_ok()) << text;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidModel) << text;
    EXPECT_NE(r.status().message().find(path), std::string::npos) << r.status().message();
  }
  // A directory where the file should be is not read.
  std::filesystem::remove(path);
  std::filesystem::create_directory(path);
  EXPECT_EQ(read_reported_state(dir_).status().code(), StatusCode::kIoError);
}

TEST_F(ReportedStateFile, WriteIntoAMissingDirectoryFails) {
  const Status s = write_reported_state(dir_ + "/nowhere", sample_state());
  EXPECT_EQ(s.code(), StatusCode::kIoError);
  EXPECT_NE(s.message().find(dir_ + "/nowhere/status.json.tmp"), std::string::npos) << s.message();
}

}  // namespace
}  // namespace outpost::agentd
