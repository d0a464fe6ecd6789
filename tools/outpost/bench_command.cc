// outpost bench MODEL: load time, first-inference time, steady latency statistics, peak RSS.
#include <algorithm>
#include <iostream>
#include <numeric>

#include "backends/backend.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "outpost/tensor_summary.h"

namespace outpost::cli {
namespace {

struct BenchFlags {
  ModelFlags model;
  int runs = 50;
  int warmup = 5;
  bool profile = false;
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double pos = p * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

Status bench(const BenchFlags& flags) {
  double init_ms = 0;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags.model, &init_ms));
  for (size_t i = 0; i < session->num_inputs(); ++i) fill_deterministic(session->input(i));
  double start = now_seconds();
  OUTPOST_RETURN_IF_ERROR(session->run());
  const double first_ms = (now_seconds() - start) * 1e3;
  for (int i = 0; i < flags.warmup; ++i) OUTPOST_RETURN_IF_ERROR(session->run());
  std::vector<double> ms;
  ms.reserve(static_cast<size_t>(flags.runs));
  for (int i = 0; i < flags.runs; ++i) {
    start = now_seconds();
    OUTPOST_RETURN_IF_ERROR(session->run());
    ms.push_back((now_seconds() - start) * 1e3);
  }
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  const double mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  const double peak_mib = static_cast<double>(peak_rss_bytes()) / 1048576.0;
  std::vector<OpProfile> profile;
  if (flags.profile) {
    OUTPOST_ASSIGN_OR_RETURN(profile, session->profile(flags.runs));
  }
  const ModelStats& stats = session->stats();
  // The backends that run nodes, in the order the session offers nodes to them.
  std::string backend, split;
  for (const BackendEntry& entry : registered_backends()) {
    const auto it = stats.nodes_on_backend.find(entry.name);
    if (it == stats.nodes_on_backend.end()) continue;
    backend += (backend.empty() ? "" : "+") + entry.name;
    split += (split.empty() ? "" : ", ") + std::to_string(it->second) + " on " + entry.name;
  }
  if (flags.model.json) {
    nlohmann::json j;
    j["model"] = flags.model.model;
    j["backend"] = backend;
    j["threads"] = stats.threads;
    j["nodes_on_backend"] = stats.nodes_on_backend;
    j["channels_last_nodes"] = stats.channels_last_nodes;
    j["layout_transposes"] = stats.layout_transposes;
    j["nodes"] = stats.nodes_executed;
    j["runs"] = flags.runs;
    j["warmup"] = flags.warmup;
    j["init_ms"] = init_ms;
    j["first_ms"] = first_ms;
    j["latency_ms"] = {{"mean", mean},
                       {"p50", percentile(sorted, 0.5)},
                       {"p90", percentile(sorted, 0.9)},
                       {"p99", percentile(sorted, 0.99)},
                       {"min", sorted.front()},
                       {"max", sorted.back()}};
    j["peak_rss_mib"] = peak_mib;
    j["arena_bytes"] = session->stats().arena_bytes;
    if (flags.profile) {
      nlohmann::json ops = nlohmann::json::array();
      for (const OpProfile& p : profile)
        ops.push_back({{"op", p.op}, {"backend", p.backend}, {"nodes", p.nodes}, {"ms", p.ms}});
      j["profile"] = ops;
    }
    print_json(j);
    return Status::ok();
  }
  std::printf("model:       %s\n", flags.model.model.c_str());
  std::printf("backend:     %s, %d thread%s (%d nodes: %s)\n", backend.c_str(), stats.threads,
              stats.threads == 1 ? "" : "s", stats.nodes_executed, split.c_str());
  if (stats.channels_last_nodes > 0)
    std::printf("layout:      %d nodes channels-last, %d transposes where layouts meet\n",
                stats.channels_last_nodes, stats.layout_transposes);
  std::printf("init:        %.2f ms\n", init_ms);
  std::printf("first run:   %.3f ms\n", first_ms);
  std::printf("latency:     mean %.3f  p50 %.3f  p90 %.3f  p99 %.3f  min %.3f ms (%d runs, %d warm-up)\n", mean,
              percentile(sorted, 0.5), percentile(sorted, 0.9), percentile(sorted, 0.99), sorted.front(), flags.runs,
              flags.warmup);
  std::printf("peak RSS:    %.1f MiB\n", peak_mib);
  if (flags.profile) {
    double total = 0;
    for (const OpProfile& p : profile) total += p.ms;
    std::printf("profile (median per inference, %d runs):\n", flags.runs);
    for (const OpProfile& p : profile)
      std::printf("  %-22s %-8s %4d nodes %9.3f ms %5.1f%%\n", p.op.c_str(), p.backend.c_str(), p.nodes, p.ms,
                  total > 0 ? 100.0 * p.ms / total : 0.0);
  }
  return Status::ok();
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand("bench", "Measure load time, latency (mean/p50/p90/p99/min) and peak RSS");
  add_model_flags(cmd, flags->model);
  cmd->add_option("--runs", flags->runs, "Timed runs")->check(CLI::Range(1, 1000000));
  cmd->add_option("--warmup", flags->warmup, "Untimed runs before timing")->check(CLI::Range(0, 1000000));
  cmd->add_flag("--profile", flags->profile,
                "Then time every node over --runs more runs and print each op's share, per backend");
  set_action(cmd, [flags] { return bench(*flags); });
}

}  // namespace outpost::cli
