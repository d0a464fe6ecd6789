// outpost pipeline run FILE.json [--stats] [--json]: runs a pipeline file (docs/pipelines.md):
// frames from images, a video, a live stream or a camera, through a model and its decoder, to
// JSON-lines events and annotated images or video. Prints the frame count, end-to-end FPS,
// frames dropped and reconnects (live sources), frames that failed and per-stage latency on
// exit (stderr, so stdout stays pure JSON lines); --stats adds them as one JSON object on
// stderr, --json as one JSON object on stdout (after any events written there). SIGINT or
// SIGTERM ends the run cleanly, as gst-launch -e does: the source stops, the frames read so far
// go through, the video is finalized and the statistics printed (exit 0); a second signal ends
// the process at once.
#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <thread>

#include "core/regular_file.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "pipeline_file/prepared_pipeline.h"
#include "core/json_text.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_spec.h"

namespace outpost::cli {
namespace {

struct PipelineFlags {
  std::string file;
  int threads = 0;
  ModelFlags trust;  // --trust, --device-key, --allow-unsigned (the model comes from the file)
  bool stats_json = false;
  bool json = false;
  int64_t max_frames = -1;
};

// Set by the signal handler, read by the watcher thread: the first signal's number, and the
// write end of the pipe the handler wakes the watcher through (the only async-signal-safe way
// to hand work to a thread).
std::atomic<int> g_signals{0};
std::atomic<int> g_first_signal{0};
int g_wake_fd = -1;

void on_stop_signal(int sig) {
  if (g_signals.fetch_add(1) > 0) {  // the second: end now, as killed by the signal
    signal(sig, SIG_DFL);
    raise(sig);  // delivered when this handler returns (the signal is blocked until then)
    return;
  }
  g_first_signal = sig;
  const int saved_errno = errno;  // the interrupted thread may be about to read it
  const char byte = 1;
  [[maybe_unused]] const ssize_t n = write(g_wake_fd, &byte, 1);
  errno = saved_errno;
}

// While alive, SIGINT and SIGTERM ask `stop` to end the pipeline instead of killing the
// process; the previous handlers come back when it goes.
class StopOnSignals {
 public:
  explicit StopOnSignals(PipelineStop& stop) : stop_(stop) {
    if (pipe(fds_) != 0) return;  // no pipe: the signals keep their default action
    g_signals = 0;
    g_first_signal = 0;
    g_wake_fd = fds_[1];
    watcher_ = std::thread([this] { watch(); });
    struct sigaction action {};
    action.sa_handler = on_stop_signal;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_RESTART;  // reads and writes of the other threads carry on
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
    installed_ = true;
  }
  ~StopOnSignals() {
    if (!installed_) return;
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
    const char done = 0;
    [[maybe_unused]] const ssize_t n = write(fds_[1], &done, 1);
    watcher_.join();
    close(fds_[0]);
    close(fds_[1]);
    g_wake_fd = -1;
  }
  StopOnSignals(const StopOnSignals&) = delete;
  StopOnSignals& operator=(const StopOnSignals&) = delete;

  // "SIGINT" or "SIGTERM" when a signal stopped the run; empty otherwise.
  std::string signal_name() const {
    const int sig = g_first_signal.load();
    return sig == SIGINT ? "SIGINT" : sig == SIGTERM ? "SIGTERM" : "";
  }

 private:
  void watch() {
    char byte = 0;
    while (read(fds_[0], &byte, 1) == 1 && byte != 0) {
      std::fprintf(stderr,
                   "outpost: %s: stopping the pipeline (finishing the frames read so far; send "
                   "it again to quit at once)\n",
                   signal_name().c_str());
      stop_.request();
    }
  }

  PipelineStop& stop_;
  int fds_[2] = {-1, -1};
  bool installed_ = false;
  std::thread watcher_;
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

void print_line(std::FILE* to, const nlohmann::json& j) {
  const std::string line = json_line(j) + "\n";
  std::fwrite(line.data(), 1, line.size(), to);
  std::fflush(to);
}

void report(const PipelineFlags& flags, const FrameSource& source, const PipelineStats& s,
            const std::vector<std::unique_ptr<Sink>>& sinks, const std::string& stopped_by,
            const Status& result) {
  std::fprintf(stderr,
               "%s: %lld frames from %s in %.2f s (%.1f FPS), %lld dropped, %lld reconnects, "
               "%lld failed, %lld corrupt packets skipped%s\n"
               "  per frame: source %.2f ms, preprocess %.2f ms, inference %.2f ms, decode "
               "%.2f ms, sinks %.2f ms\n",
               escape_invalid_utf8(flags.file).c_str(), static_cast<long long>(s.frames),
               escape_invalid_utf8(source.describe()).c_str(), s.wall_seconds,
               s.frames_per_second(), static_cast<long long>(s.dropped),
               static_cast<long long>(s.reconnects), static_cast<long long>(s.failed),
               static_cast<long long>(s.corrupt_packets),
               stopped_by.empty() ? "" : ("; stopped by " + stopped_by).c_str(), s.source_ms,
               s.preprocess_ms, s.inference_ms, s.decode_ms, s.sink_ms);
  nlohmann::json j{
      {"pipeline", flags.file},
      {"source", source.describe()},
      {"frames", s.frames},
      {"dropped", s.dropped},
      {"reconnects", s.reconnects},
      {"failed", s.failed},
      {"corrupt_packets", s.corrupt_packets},
      {"stopped_by", stopped_by.empty() ? nlohmann::json() : nlohmann::json(stopped_by)},
      {"seconds", s.wall_seconds},
      {"fps", s.frames_per_second()},
      {"source_ms", s.source_ms},
      {"preprocess_ms", s.preprocess_ms},
      {"inference_ms", s.inference_ms},
      {"decode_ms", s.decode_ms},
      {"sink_ms", s.sink_ms}};
  for (const auto& sink : sinks) {
    const nlohmann::json summary = sink->summary();
    if (summary.is_object())
      for (const auto& [name, value] : summary.items()) j[name] = value;
    if (const std::string line = sink->summary_line(); !line.empty())
      std::fprintf(stderr, "  %s\n", line.c_str());
  }
  if (flags.stats_json) print_line(stderr, j);
  if (flags.json) {
    if (!result.is_ok()) j["error"] = error_json(result)["error"];
    print_line(stdout, j);
  }
}

// Runs the pipeline; *reported is set once its summary (with any error in it) is printed.
Status run_pipeline_file(const PipelineFlags& flags, bool* reported) {
  OUTPOST_ASSIGN_OR_RETURN(PipelineSpec spec, load_pipeline_spec(flags.file));
  ModelFlags model = flags.trust;
  model.model = spec.model;
  model.threads = flags.threads;
  bundle::TrustedModel trusted;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(model, nullptr, false, &trusted));
  OUTPOST_ASSIGN_OR_RETURN(PreparedPipeline p,
                           prepare_pipeline(std::move(spec), std::move(session), trusted));
  PipelineStop stop;
  PipelineOptions options = p.options();
  if (flags.max_frames >= 0) options.max_frames = flags.max_frames;
  options.stop = &stop;
  std::string stopped_by;
  auto stats = [&] {  // the signals stop the pipeline only while it runs
    StopOnSignals signals(stop);
    auto run = run_pipeline(*p.source, *p.task, p.sinks, options);
    stopped_by = signals.signal_name();
    return run;
  }();
  if (!stats.is_ok()) return stats.status().with_context(flags.file);
  const Status result = pipeline_outcome(*stats);
  report(flags, *p.source, *stats, p.sinks, stopped_by, result);
  *reported = true;
  return result;
}

}  // namespace

void add_pipeline_command(CLI::App& app) {
  auto flags = std::make_shared<PipelineFlags>();
  CLI::App* cmd = app.add_subcommand("pipeline", "Run vision pipelines described by a JSON file");
  cmd->require_subcommand(1);
  CLI::App* run = cmd->add_subcommand(
      "run", "Run a pipeline file: source -> model -> decoder -> sinks (docs/pipelines.md)");
  run->add_option("file", flags->file, "Pipeline file (.json)")->required();
  run->add_option("--threads", flags->threads,
                  "Compute threads, the caller's included (0: every core this process may use; 1: no worker threads)");
  add_trust_flags(run, flags->trust);
  run->add_option("--max-frames", flags->max_frames,
                  "Stop after this many frames (default: the file's max_frames, else all)")
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--stats", flags->stats_json,
                "Also print the statistics as one JSON object on stderr");
  run->add_flag("--json", flags->json,
                "Print the statistics as one JSON object on stdout (after any events written "
                "there), and errors as {\"error\": {...}}");
  set_action(run, [flags] {
    bool reported = false;
    Status s = run_pipeline_file(*flags, &reported);
    if (!s.is_ok() && flags->json && reported) set_json_error_printed();
    return s;
  });
}

}  // namespace outpost::cli
