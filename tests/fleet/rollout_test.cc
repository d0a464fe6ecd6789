// The rollout's rules alone: waves (a canary, then doubling), a device's verdict from its
// reported state, and the fleet database that keeps reports and rollouts.
#include "fleet/rollout.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "agent/utc_time.h"
#include "fleet/fleet_store.h"
#include "support/test_paths.h"

namespace outpost::fleet {
namespace {

using nlohmann::json;

std::vector<std::string> ids(int n) {
  std::vector<std::string> out;
  for (int i = 0; i < n; ++i) out.push_back("d" + std::to_string(1000 + i));
  return out;
}

std::vector<size_t> sizes(const std::vector<std::vector<std::string>>& waves) {
  std::vector<size_t> out;
  for (const auto& w : waves) out.push_back(w.size());
  return out;
}

TEST(RolloutWaves, ACanaryThenWavesThatDoubleTheLastTakingTheRest) {
  EXPECT_EQ(sizes(plan_waves(ids(1000), 5)), (std::vector<size_t>{50, 100, 200, 400, 250}));
  EXPECT_EQ(sizes(plan_waves(ids(10), 10)), (std::vector<size_t>{1, 2, 4, 3}));
  // At least one device in the canary, and 100% is one wave.
  EXPECT_EQ(sizes(plan_waves(ids(7), 0)), (std::vector<size_t>{1, 2, 4}));
  EXPECT_EQ(sizes(plan_waves(ids(7), 100)), (std::vector<size_t>{7}));
  EXPECT_TRUE(plan_waves({}, 10).empty());
  // Devices keep their order, each in exactly one wave.
  const auto waves = plan_waves(ids(10), 10);
  std::vector<std::string> flat;
  for (const auto& w : waves) flat.insert(flat.end(), w.begin(), w.end());
  EXPECT_EQ(flat, ids(10));
}

json report(const std::string& agent, int64_t desired, int64_t current, int64_t last_good,
            const std::string& error = "", int64_t error_time = 0) {
  auto d = [](int64_t v) { return v == 0 ? json(nullptr) : json{{"deployment_id", "lobby"}, {"version", v}}; };
  json r = {{"agent", agent}, {"desired", d(desired)}, {"current", d(current)}, {"last_good", d(last_good)}};
  if (!error.empty()) {
    r["last_error"] = error;
    r["last_error_time"] = agent::format_utc_time(error_time);
  }
  return r;
}

TEST(RolloutVerdict, HealthyOnlyOnceTheVersionIsTheDevicesLastGood) {
  const int64_t published = 1'800'000'000;
  EXPECT_EQ(judge_device(report("idle", 1, 1, 1), 2, published).outcome, DeviceOutcome::kPending);
  EXPECT_EQ(judge_device(report("applying", 2, 1, 1), 2, published).outcome, DeviceOutcome::kPending);
  EXPECT_EQ(judge_device(report("probation", 2, 2, 1), 2, published).outcome, DeviceOutcome::kPending);
  EXPECT_EQ(judge_device(report("idle", 2, 2, 2), 2, published).outcome, DeviceOutcome::kHealthy);
  EXPECT_EQ(judge_device(report("idle", 3, 3, 3), 2, published).outcome, DeviceOutcome::kHealthy);
  EXPECT_EQ(judge_device(json(), 2, published).outcome, DeviceOutcome::kPending);
}

TEST(RolloutVerdict, ARollbackOrARefusalAfterThePublicationIsAFailureWithItsReason) {
  const int64_t published = 1'800'000'000;
  const Verdict rolled_back =
      judge_device(report("idle", 2, 1, 1, "probation failed: 3 restarts", published + 20), 2, published);
  EXPECT_EQ(rolled_back.outcome, DeviceOutcome::kFailed);
  EXPECT_EQ(rolled_back.detail, "probation failed: 3 restarts");
  const Verdict refused =
      judge_device(report("idle", 1, 1, 1, "signature does not verify", published + 1), 2, published);
  EXPECT_EQ(refused.outcome, DeviceOutcome::kFailed);
  EXPECT_EQ(refused.detail, "signature does not verify");
  // An old error, from before this publication, says nothing about it.
  EXPECT_EQ(judge_device(report("idle", 1, 1, 1, "an old refusal", published - 60), 2, published).outcome,
            DeviceOutcome::kPending);
}

TEST(RolloutDevices, PatternsAreShellGlobs) {
  EXPECT_TRUE(device_matches("*", "cam-17"));
  EXPECT_TRUE(device_matches("cam-1?", "cam-17"));
  EXPECT_TRUE(device_matches("cam-[0-4]*", "cam-17"));
  EXPECT_FALSE(device_matches("cam-[5-9]*", "cam-17"));
  EXPECT_FALSE(device_matches("door-*", "cam-17"));
}

TEST(FleetStoreTest, KeepsReportsAndTheLastRolloutWithEachDevicesState) {
  const std::string dir = testing::make_temp_dir("outpost-fleet-store");
  {
    auto store = FleetStore::open(dir + "/fleet.db");
    ASSERT_TRUE(store.is_ok()) << store.status().message();
    ASSERT_TRUE((*store)->record_reported("d1", report("idle", 1, 1, 1), 10).is_ok());
    ASSERT_TRUE((*store)->record_reported_all({{"d1", report("idle", 2, 2, 2)}, {"d2", report("idle", 1, 1, 1)}}, 20).is_ok());
    auto id = (*store)->begin_rollout("lobby", 2, "d*", 30);
    ASSERT_TRUE(id.is_ok());
    ASSERT_TRUE((*store)->set_devices(*id, {{"d1", 1, "published", ""}, {"d2", 2, "pending", ""}}, 31).is_ok());
    ASSERT_TRUE((*store)->set_devices(*id, {{"d1", 1, "healthy", ""}, {"d2", 2, "skipped", "aborted"}}, 32).is_ok());
    ASSERT_TRUE((*store)->finish_rollout(*id, "aborted", 40).is_ok());
  }
  auto store = FleetStore::open(dir + "/fleet.db");  // what was kept survives a reopen
  ASSERT_TRUE(store.is_ok());
  auto devices = (*store)->devices();
  ASSERT_TRUE(devices.is_ok());
  ASSERT_EQ(devices->size(), 2u);
  EXPECT_EQ((*devices)["d1"]["current"]["version"], 2);
  auto last = (*store)->last_rollout();
  ASSERT_TRUE(last.is_ok());
  ASSERT_TRUE(last->has_value());
  EXPECT_EQ((*last)->state, "aborted");
  EXPECT_EQ((*last)->version, 2);
  ASSERT_EQ((*last)->devices.size(), 2u);
  EXPECT_EQ((*last)->devices[0].state, "healthy");
  EXPECT_EQ((*last)->devices[1].state, "skipped");
  EXPECT_EQ((*last)->devices[1].detail, "aborted");
  std::filesystem::remove_all(dir);
}

TEST(FleetStoreTest, AFileThatIsNotADatabaseIsAnErrorNotACrash) {
  const std::string dir = testing::make_temp_dir("outpost-fleet-store");
  std::ofstream(dir + "/fleet.db") << std::string(4096, 'x');
  auto store = FleetStore::open(dir + "/fleet.db");
  ASSERT_FALSE(store.is_ok());
  EXPECT_EQ(store.status().code(), StatusCode::kInvalidModel) << store.status().message();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace outpost::fleet
