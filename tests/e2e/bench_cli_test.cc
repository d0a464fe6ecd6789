// outpost bench to the standard of TFLite's benchmark_model and its peers: count- and
// duration-based runs, the full latency statistics, throughput, real inputs, the memory the
// model adds, a per-node profile and a Chrome trace that tools can open.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "core/npy.h"
#include "support/cli_runner.h"
#include "support/model_paths.h"
#include "support/test_paths.h"
#include "support/tflite_builder.h"

namespace outpost {
namespace {

using testing::run_outpost;

class BenchCli : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = testing::make_temp_dir("outpost-bench-cli"); }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  std::string dir_;
};

nlohmann::json read_json(const std::string& path) {
  std::ifstream in(path);
  return nlohmann::json::parse(in, nullptr, false);
}

TEST_F(BenchCli, TraceHasOneCompleteEventPerNodePerRun) {
  const std::string model = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  const std::string trace = dir_ + "/t.json";
  auto r = run_outpost({"bench", model, "--runs", "3", "--warmup", "0", "--threads", "1",
                        "--trace", trace, "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto report = nlohmann::json::parse(r.out);
  const int nodes = report["nodes"].get<int>();
  ASSERT_GT(nodes, 10);

  const auto t = read_json(trace);
  ASSERT_FALSE(t.is_discarded()) << "not JSON: " << trace;
  ASSERT_TRUE(t.contains("traceEvents"));
  const auto& events = t["traceEvents"];
  ASSERT_EQ(events.size(), static_cast<size_t>(3 * nodes));
  std::map<int, int> per_run;
  std::map<std::string, int> per_node;
  for (const auto& e : events) {
    EXPECT_EQ(e["ph"], "X");
    EXPECT_GE(e["dur"].get<double>(), 0.0);
    EXPECT_GE(e["ts"].get<double>(), 0.0);
    EXPECT_TRUE(e["pid"].is_number_integer());
    EXPECT_TRUE(e["tid"].is_number_integer());
    EXPECT_FALSE(e["name"].get<std::string>().empty());
    EXPECT_FALSE(e["cat"].get<std::string>().empty());
    EXPECT_TRUE(e["args"]["backend"] == "xnnpack" || e["args"]["backend"] == "ref") << e;
    ++per_run[e["args"]["run"].get<int>()];
    ++per_node[e["name"].get<std::string>()];
  }
  EXPECT_EQ(per_run, (std::map<int, int>{{0, nodes}, {1, nodes}, {2, nodes}}));
  for (const auto& [name, count] : per_node) EXPECT_EQ(count % 3, 0) << name;
  // Events of one thread must not overlap, or trace viewers stack them wrongly.
  for (size_t i = 1; i < events.size(); ++i)
    EXPECT_GE(events[i]["ts"].get<double>() + 1e-3,
              events[i - 1]["ts"].get<double>() + events[i - 1]["dur"].get<double>());
}

TEST_F(BenchCli, ReportsTheStatisticsThePeersReport) {
  const std::string model = testing::model_path("face_detection_short_range.tflite");
  OUTPOST_SKIP_UNLESS_EXISTS(model);
  auto r = run_outpost({"bench", model, "--runs", "5", "--warmup", "1", "--threads", "1",
                        "--profile", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["runs"], 5);
  const auto& l = j["latency_ms"];
  for (const char* k : {"mean", "min", "max", "p50", "p90", "p99"})
    EXPECT_GT(l[k].get<double>(), 0) << k;
  EXPECT_GE(l["std"].get<double>(), 0);
  EXPECT_LE(l["min"].get<double>(), l["p50"].get<double>());
  EXPECT_LE(l["p50"].get<double>(), l["p99"].get<double>());
  EXPECT_LE(l["p99"].get<double>(), l["max"].get<double>());
  EXPECT_GT(j["throughput_per_s"].get<double>(), 0);
  EXPECT_GT(j["peak_rss_mib"].get<double>(), 1);
  // The model's own memory: its weights are mapped, its arena and packed weights allocated.
  EXPECT_GT(j["model_rss_mib"].get<double>(), 0);
  EXPECT_LT(j["model_rss_mib"].get<double>(), j["peak_rss_mib"].get<double>());
  EXPECT_TRUE(j["inputs_filled_deterministically"].get<bool>());
  // The load average is not ours to set: check that the warning agrees with the figures.
  const bool noisy = j["load_average_1m"].get<double>() > j["cores_available"].get<double>();
  EXPECT_EQ(j["noisy"].get<bool>(), noisy);
  EXPECT_EQ(r.err.find("figures below will be noisy") != std::string::npos, noisy) << r.err;
  // Per node, in execution order, and the per-op summary beside it.
  ASSERT_EQ(j["node_profile"].size(), j["nodes"].get<size_t>());
  EXPECT_EQ(j["node_profile"][0]["op"], "Conv");
  double share = 0;
  for (const auto& n : j["node_profile"]) share += n["share"].get<double>();
  EXPECT_NEAR(share, 1.0, 1e-6);
  ASSERT_FALSE(j["profile"].empty());
  EXPECT_TRUE(j["profile"][0].contains("nodes"));

  r = run_outpost({"bench", model, "--runs", "2", "--warmup", "0", "--threads", "1", "--profile"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  for (const char* text : {"throughput:", "std ", "p99 ", "the model adds", "peak RSS",
                           "profile per node", "profile per op", "conv2d"})
    EXPECT_NE(r.out.find(text), std::string::npos) << text << " in: " << r.out;
}

TEST_F(BenchCli, DurationRunsForAtLeastThatLong) {
  auto model_bytes = testing::build_tflite(testing::add_model_spec());
  const std::string model = dir_ + "/add.tflite";
  std::ofstream(model, std::ios::binary)
      .write(reinterpret_cast<const char*>(model_bytes.data()),
             static_cast<long>(model_bytes.size()));
  auto r = run_outpost({"bench", model, "--duration", "0.3", "--warmup", "0", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["duration_s"].get<double>(), 0.3);
  EXPECT_GT(j["runs"].get<int>(), 10);  // a 4-element Add runs far faster than 30 ms
  // With both, each is a minimum (as trtexec's --iterations and --duration).
  r = run_outpost({"bench", model, "--duration", "0.05", "--runs", "7", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["runs"].get<int>(), 7);
  EXPECT_GE(j["duration_s"].get<double>(), 0.05);
  r = run_outpost({"bench", model, "--duration", "-1"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
}

TEST_F(BenchCli, TakesRealInputsAsRunDoes) {
  auto model_bytes = testing::build_tflite(testing::add_model_spec());
  const std::string model = dir_ + "/add.tflite";
  std::ofstream(model, std::ios::binary)
      .write(reinterpret_cast<const char*>(model_bytes.data()),
             static_cast<long>(model_bytes.size()));
  Tensor t = Tensor::allocate(DType::kFloat32, Shape{1, 2, 2, 1}).value();
  for (int i = 0; i < 4; ++i) t.data_as<float>()[i] = static_cast<float>(i);
  ASSERT_TRUE(save_npy(dir_ + "/a.npy", t).is_ok());
  auto r = run_outpost({"bench", model, "--input", "a=" + dir_ + "/a.npy", "--input",
                        "b=" + dir_ + "/a.npy", "--runs", "2", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_FALSE(nlohmann::json::parse(r.out)["inputs_filled_deterministically"].get<bool>());
  // The same errors as run: a wrong name is a usage error, a wrong shape exit 6.
  r = run_outpost({"bench", model, "--input", "c=" + dir_ + "/a.npy"});
  EXPECT_EQ(r.exit_code, 2) << r.err;
  Tensor wrong = Tensor::allocate(DType::kFloat32, Shape{4}).value();
  ASSERT_TRUE(save_npy(dir_ + "/w.npy", wrong).is_ok());
  r = run_outpost({"bench", model, "--input", "a=" + dir_ + "/w.npy", "--input",
                   "b=" + dir_ + "/a.npy"});
  EXPECT_EQ(r.exit_code, 6) << r.err;
}

}  // namespace
}  // namespace outpost
