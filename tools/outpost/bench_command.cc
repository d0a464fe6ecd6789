// outpost bench MODEL: what TFLite's benchmark_model, onnxruntime_perf_test, OpenVINO's
// benchmark_app and trtexec report, for one model: load time, first inference, latency
// statistics over a count or a duration of runs, throughput, the memory the model adds and the
// process peak, and on request a per-node profile and a Chrome trace (docs/cli.md).
#include <sched.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <iostream>
#include <map>
#include <numeric>
#include <thread>

#include "backends/backend.h"
#include "core/log.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"

namespace outpost::cli {
namespace {

constexpr int kDefaultRuns = 50;
// Per-node timing keeps one event per node per run: a bound on the trace file (ResNet-50 at
// 1000 runs is about 15 MB).
constexpr int kMaxTracedRuns = 1000;

struct BenchFlags {
  ModelFlags model;
  int runs = kDefaultRuns;
  double duration_s = 0;
  int warmup = 5;
  std::vector<std::string> inputs;
  bool profile = false;
  std::string trace_path;
  const CLI::Option* runs_option = nullptr;  // to tell --runs given from the default
};

double percentile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double pos = p * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(pos);
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - static_cast<double>(lo));
}

struct LatencyStats {
  int runs = 0;
  double wall_s = 0;  // of the timed loop
  double mean = 0, std = 0, min = 0, max = 0, p50 = 0, p90 = 0, p99 = 0;
  double throughput() const { return wall_s > 0 ? runs / wall_s : 0; }
};

LatencyStats latency_stats(const std::vector<double>& ms, double wall_s) {
  LatencyStats s;
  s.runs = static_cast<int>(ms.size());
  s.wall_s = wall_s;
  if (ms.empty()) return s;
  std::vector<double> sorted = ms;
  std::sort(sorted.begin(), sorted.end());
  s.mean = std::accumulate(ms.begin(), ms.end(), 0.0) / static_cast<double>(ms.size());
  double squares = 0;
  for (double v : ms) squares += (v - s.mean) * (v - s.mean);
  // The sample standard deviation, as the peers print it.
  s.std = ms.size() > 1 ? std::sqrt(squares / static_cast<double>(ms.size() - 1)) : 0.0;
  s.min = sorted.front();
  s.max = sorted.back();
  s.p50 = percentile(sorted, 0.5);
  s.p90 = percentile(sorted, 0.9);
  s.p99 = percentile(sorted, 0.99);
  return s;
}

// Runs until both the count and the duration are reached (trtexec's --iterations and
// --duration), each inference timed on its own.
Status timed_runs(Session& session, int min_runs, double min_seconds, std::vector<double>& ms,
                  double* wall_s) {
  const double start = now_seconds();
  for (;;) {
    const double elapsed = now_seconds() - start;
    if (static_cast<int>(ms.size()) >= min_runs && elapsed >= min_seconds) break;
    const double t0 = now_seconds();
    OUTPOST_RETURN_IF_ERROR(session.run());
    ms.push_back((now_seconds() - t0) * 1e3);
  }
  *wall_s = now_seconds() - start;
  return Status::ok();
}

// The cores this process may run on (its affinity mask), which is what a busy machine
// competes for.
int cores_available() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return CPU_COUNT(&set);
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

// Each node's median over the traced runs, in execution order.
struct NodeProfile {
  std::string node, op, backend;
  double ms = 0;
};

std::vector<NodeProfile> node_medians(const std::vector<NodeTiming>& timings, int runs) {
  const size_t nodes = runs > 0 ? timings.size() / static_cast<size_t>(runs) : 0;
  std::vector<NodeProfile> out(nodes);
  std::vector<double> samples;
  for (size_t s = 0; s < nodes; ++s) {
    samples.clear();
    for (int r = 0; r < runs; ++r)
      samples.push_back(timings[static_cast<size_t>(r) * nodes + s].ms);
    const auto middle = samples.begin() + static_cast<std::ptrdiff_t>(samples.size() / 2);
    std::nth_element(samples.begin(), middle, samples.end());
    out[s] = {timings[s].node, timings[s].op, timings[s].backend, samples[samples.size() / 2]};
  }
  return out;
}

// Per (op, backend): the sum of its nodes' medians, slowest first (Session::profile's figure).
std::vector<OpProfile> op_summary(const std::vector<NodeProfile>& nodes) {
  std::map<std::pair<std::string, std::string>, OpProfile> groups;
  for (const NodeProfile& n : nodes) {
    OpProfile& p = groups[{n.op, n.backend}];
    p.op = n.op;
    p.backend = n.backend;
    ++p.nodes;
    p.ms += n.ms;
  }
  std::vector<OpProfile> out;
  for (auto& [key, p] : groups) out.push_back(p);
  std::sort(out.begin(), out.end(),
            [](const OpProfile& a, const OpProfile& b) { return a.ms > b.ms; });
  return out;
}

// The Chrome trace event format's JSON object form: one complete event ("ph": "X") per node
// per run, times in microseconds; chrome://tracing and ui.perfetto.dev open it.
nlohmann::json chrome_trace(const std::vector<NodeTiming>& timings, const std::string& model) {
  nlohmann::json events = nlohmann::json::array();
  const int pid = static_cast<int>(getpid());
  for (const NodeTiming& t : timings)
    events.push_back({{"name", t.node},
                      {"cat", t.op},
                      {"ph", "X"},
                      {"ts", t.start_ms * 1e3},
                      {"dur", t.ms * 1e3},
                      {"pid", pid},
                      {"tid", 1},
                      {"args", {{"backend", t.backend}, {"run", t.run}}}});
  return {{"traceEvents", events},
          {"displayTimeUnit", "ms"},
          {"otherData", {{"model", model}, {"tool", std::string("outpost ") + OUTPOST_VERSION}}}};
}

Status bench(const BenchFlags& flags) {
  const bool runs_given = flags.runs_option != nullptr && flags.runs_option->count() > 0;
  const int min_runs = flags.duration_s > 0 && !runs_given ? 1 : flags.runs;

  const double rss_before = static_cast<double>(current_rss_bytes()) / 1048576.0;
  double init_ms = 0;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(flags.model, &init_ms, true));
  const double rss_loaded = static_cast<double>(current_rss_bytes()) / 1048576.0;
  bool filled = false;
  OUTPOST_RETURN_IF_ERROR(feed_inputs(*session, flags.inputs, &filled));

  // Figures taken on a machine busier than its cores are noise; say so before they are read.
  double load = 0;
  const int cores = cores_available();
  const bool noisy = getloadavg(&load, 1) == 1 && load > cores;
  if (noisy)
    OUTPOST_LOG_WARNING("the load average over the last minute is "
                        << load << ", more than the " << cores
                        << " cores available: the figures below will be noisy");

  double start = now_seconds();
  OUTPOST_RETURN_IF_ERROR(session->run());
  const double first_ms = (now_seconds() - start) * 1e3;
  const double rss_first_run = static_cast<double>(current_rss_bytes()) / 1048576.0;
  for (int i = 0; i < flags.warmup; ++i) OUTPOST_RETURN_IF_ERROR(session->run());
  std::vector<double> ms;
  double wall_s = 0;
  OUTPOST_RETURN_IF_ERROR(timed_runs(*session, min_runs, flags.duration_s, ms, &wall_s));
  const LatencyStats lat = latency_stats(ms, wall_s);
  const double peak_mib = static_cast<double>(peak_rss_bytes()) / 1048576.0;

  // Per-node timing costs a clock reading per node, so it runs apart from the timed runs.
  const int traced_runs = std::min(lat.runs, kMaxTracedRuns);
  std::vector<NodeTiming> timings;
  std::vector<NodeProfile> nodes;
  std::vector<OpProfile> ops;
  if (flags.profile || !flags.trace_path.empty()) {
    OUTPOST_ASSIGN_OR_RETURN(timings, session->trace(traced_runs));
    nodes = node_medians(timings, traced_runs);
    ops = op_summary(nodes);
  }
  if (!flags.trace_path.empty()) {
    OUTPOST_RETURN_IF_ERROR(
        write_json_file(flags.trace_path, chrome_trace(timings, flags.model.model)));
    OUTPOST_LOG_DEBUG("wrote " << timings.size() << " trace events to " << flags.trace_path);
  }
  // Creation again in this process, once the figures above are taken (a second session adds
  // memory): what a restart pays when the process's one-time work is done (libraries
  // initialized, their in-memory kernel caches filled, the model file in the page cache).
  double warm_init_ms = 0;
  {
    OUTPOST_ASSIGN_OR_RETURN(auto again, open_session(flags.model, &warm_init_ms, true));
  }
  double profiled_ms = 0;
  for (const NodeProfile& n : nodes) profiled_ms += n.ms;
  auto share = [&](double v) { return profiled_ms > 0 ? v / profiled_ms : 0.0; };

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
    j["inputs_filled_deterministically"] = filled;
    j["runs"] = lat.runs;
    j["warmup"] = flags.warmup;
    j["duration_s"] = lat.wall_s;
    j["init_ms"] = init_ms;
    j["warm_init_ms"] = warm_init_ms;
    j["first_ms"] = first_ms;
    j["latency_ms"] = {{"mean", lat.mean}, {"std", lat.std}, {"min", lat.min}, {"max", lat.max},
                       {"p50", lat.p50},   {"p90", lat.p90}, {"p99", lat.p99}};
    j["throughput_per_s"] = lat.throughput();
    j["peak_rss_mib"] = peak_mib;
    j["model_rss_mib"] = rss_loaded - rss_before;
    j["model_rss_after_first_run_mib"] = rss_first_run - rss_before;
    j["arena_bytes"] = stats.arena_bytes;
    j["load_average_1m"] = load;
    j["cores_available"] = cores;
    j["noisy"] = noisy;
    if (!nodes.empty()) {
      j["profile_runs"] = traced_runs;
      nlohmann::json per_op = nlohmann::json::array();
      for (const OpProfile& p : ops)
        per_op.push_back({{"op", p.op}, {"backend", p.backend}, {"nodes", p.nodes}, {"ms", p.ms},
                          {"share", share(p.ms)}});
      nlohmann::json per_node = nlohmann::json::array();
      for (const NodeProfile& n : nodes)
        per_node.push_back({{"node", n.node}, {"op", n.op}, {"backend", n.backend}, {"ms", n.ms},
                            {"share", share(n.ms)}});
      if (flags.profile) {
        j["profile"] = per_op;
        j["node_profile"] = per_node;
      }
    }
    if (!flags.trace_path.empty()) j["trace"] = flags.trace_path;
    print_json(j);
    return Status::ok();
  }
  std::printf("model:       %s\n", flags.model.model.c_str());
  std::printf("backend:     %s, %d thread%s (%d nodes: %s)\n", backend.c_str(), stats.threads,
              stats.threads == 1 ? "" : "s", stats.nodes_executed, split.c_str());
  if (stats.channels_last_nodes > 0)
    std::printf("layout:      %d nodes channels-last, %d transposes where layouts meet\n",
                stats.channels_last_nodes, stats.layout_transposes);
  std::printf("inputs:      %s\n", filled ? "a fixed deterministic pattern (no --input given)"
                                          : "from --input");
  std::printf("init:        %.2f ms cold (the first session in this process), %.2f ms warm "
              "(a second one)\n",
              init_ms, warm_init_ms);
  std::printf("first run:   %.3f ms\n", first_ms);
  std::printf("latency:     mean %.3f  std %.3f  min %.3f  max %.3f ms\n", lat.mean, lat.std,
              lat.min, lat.max);
  std::printf("             p50 %.3f  p90 %.3f  p99 %.3f ms (%d runs in %.2f s, %d warm-up)\n",
              lat.p50, lat.p90, lat.p99, lat.runs, lat.wall_s, flags.warmup);
  std::printf("throughput:  %.1f inferences/s\n", lat.throughput());
  std::printf("memory:      the model adds %.1f MiB RSS at load (%.1f MiB after the first run); "
              "peak RSS %.1f MiB\n",
              rss_loaded - rss_before, rss_first_run - rss_before, peak_mib);
  if (noisy)
    std::printf("load:        %.2f over the last minute on %d cores: figures are noisy\n", load,
                cores);
  if (flags.profile) {
    std::printf("profile per node (median of %d runs, execution order):\n", traced_runs);
    std::printf("  %-40s %-22s %-8s %9s %6s\n", "node", "op", "backend", "ms", "share");
    for (const NodeProfile& n : nodes)
      std::printf("  %-40s %-22s %-8s %9.3f %5.1f%%\n", n.node.c_str(), n.op.c_str(),
                  n.backend.c_str(), n.ms, 100.0 * share(n.ms));
    std::printf("profile per op (sum of its nodes' medians, slowest first):\n");
    for (const OpProfile& p : ops)
      std::printf("  %-22s %-8s %4d nodes %9.3f ms %5.1f%%\n", p.op.c_str(), p.backend.c_str(),
                  p.nodes, p.ms, 100.0 * share(p.ms));
  }
  if (!flags.trace_path.empty())
    std::printf("trace:       %s (%zu events, %d runs; open in ui.perfetto.dev or "
                "chrome://tracing)\n",
                flags.trace_path.c_str(), timings.size(), traced_runs);
  return Status::ok();
}

}  // namespace

void add_bench_command(CLI::App& app) {
  auto flags = std::make_shared<BenchFlags>();
  CLI::App* cmd = app.add_subcommand(
      "bench", "Measure load time, latency (mean/std/min/max/p50/p90/p99), throughput and memory");
  add_model_flags(cmd, flags->model);
  flags->runs_option =
      cmd->add_option("--runs", flags->runs,
                      "Timed runs (default 50; with --duration: at least this many)")
          ->check(whole_number(1, 100000000));
  cmd->add_option("--duration", flags->duration_s,
                  "Run for at least this many seconds (with --runs: and at least that many runs)")
      ->check(number_between(0.0, 86400.0));
  cmd->add_option("--warmup", flags->warmup, "Untimed runs before timing (default 5)")
      ->check(whole_number(0, 100000000));
  cmd->add_option("-i,--input", flags->inputs,
                  "Input tensor as NAME=FILE.npy (repeat per input), as `run` takes them; none: a "
                  "fixed pattern")
      ->type_name("NAME=FILE.npy");
  cmd->add_flag("--profile", flags->profile,
                "Then time every node over as many runs again (at most 1000) and print each node's "
                "median and each op's share, per backend");
  cmd->add_option("--trace", flags->trace_path,
                  "Then write those per-node times as a Chrome trace (JSON; open in "
                  "ui.perfetto.dev or chrome://tracing)")
      ->type_name("FILE.json");
  set_action(cmd, [flags] { return bench(*flags); });
}

}  // namespace outpost::cli
