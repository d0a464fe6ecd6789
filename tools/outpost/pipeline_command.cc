// outpost pipeline run FILE.json [--stats]: runs a pipeline file (docs/pipelines.md): frames
// from images, a video, a live stream or a camera, through a model and its decoder, to
// JSON-lines events and annotated images or video. Prints the frame count, end-to-end FPS,
// frames dropped and reconnects (live sources) and per-stage latency on exit (stderr, so stdout
// stays pure JSON lines), and with --stats as one JSON object on stderr too.
#include <cstdio>

#include "core/regular_file.h"
#include "outpost/cli_common.h"
#include "outpost/commands.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_spec.h"

namespace outpost::cli {
namespace {

struct PipelineFlags {
  std::string file;
  int threads = 0;
  std::string trust_dir, device_key;
  bool stats_json = false;
  int64_t max_frames = -1;
};

Result<std::vector<std::unique_ptr<Sink>>> make_sinks(const PipelineSpec& spec,
                                                      const FrameSource& source) {
  std::vector<std::unique_ptr<Sink>> sinks;
  for (const SinkSpec& s : spec.sinks) {
    if (s.kind == SinkSpec::Kind::kJsonLines) {
      OUTPOST_ASSIGN_OR_RETURN(auto sink, make_json_lines_sink(s.path));
      sinks.push_back(std::move(sink));
    } else if (s.kind == SinkSpec::Kind::kImages) {
      OUTPOST_ASSIGN_OR_RETURN(auto sink, make_image_sink(s.path, s.format));
      sinks.push_back(std::move(sink));
    } else {
      OUTPOST_ASSIGN_OR_RETURN(auto sink, make_video_sink(s.path, source.frames_per_second()));
      sinks.push_back(std::move(sink));
    }
  }
  return sinks;
}

Status run_pipeline_file(const PipelineFlags& flags) {
  // load_pipeline_spec opens the file with std::ifstream, which would wait forever on a FIFO.
  OUTPOST_RETURN_IF_ERROR(check_regular_file(flags.file));
  OUTPOST_ASSIGN_OR_RETURN(PipelineSpec spec, load_pipeline_spec(flags.file));
  ModelFlags model;
  model.model = spec.model;
  model.threads = flags.threads;
  model.trust_dir = flags.trust_dir;
  model.device_key = flags.device_key;
  OUTPOST_ASSIGN_OR_RETURN(auto session, open_session(model));
  OUTPOST_ASSIGN_OR_RETURN(auto task, VisionTask::make(spec.task, *session));
  SourceOptions source_options;
  source_options.reconnect_timeout = spec.reconnect_timeout;
  OUTPOST_ASSIGN_OR_RETURN(auto source,
                           open_frame_source(spec.source_kind, spec.source, source_options));
  OUTPOST_ASSIGN_OR_RETURN(auto sinks, make_sinks(spec, *source));
  PipelineOptions options;
  options.queue_size = spec.queue_size;
  options.max_frames = flags.max_frames >= 0 ? flags.max_frames : spec.max_frames;
  auto stats = run_pipeline(*source, *task, sinks, options);
  if (!stats.is_ok()) return stats.status().with_context(flags.file);
  const PipelineStats& s = *stats;
  std::fprintf(stderr,
               "%s: %lld frames from %s in %.2f s (%.1f FPS), %lld dropped, %lld reconnects\n"
               "  per frame: source %.2f ms, preprocess %.2f ms, inference %.2f ms, decode "
               "%.2f ms, sinks %.2f ms\n",
               flags.file.c_str(), static_cast<long long>(s.frames), source->describe().c_str(),
               s.wall_seconds, s.frames_per_second(), static_cast<long long>(s.dropped),
               static_cast<long long>(s.reconnects), s.source_ms, s.preprocess_ms, s.inference_ms,
               s.decode_ms, s.sink_ms);
  if (flags.stats_json) {
    const nlohmann::json j{{"pipeline", flags.file},
                           {"frames", s.frames},
                           {"dropped", s.dropped},
                           {"reconnects", s.reconnects},
                           {"seconds", s.wall_seconds},
                           {"fps", s.frames_per_second()},
                           {"source_ms", s.source_ms},
                           {"preprocess_ms", s.preprocess_ms},
                           {"inference_ms", s.inference_ms},
                           {"decode_ms", s.decode_ms},
                           {"sink_ms", s.sink_ms}};
    std::fprintf(stderr, "%s\n", j.dump().c_str());
  }
  return Status::ok();
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
  run->add_option("--trust", flags->trust_dir,
                  "Bundles: directory of trusted publisher .pub keys (default: $OUTPOST_TRUST_DIR)");
  run->add_option("--device-key", flags->device_key,
                  "Bundles: this device's secret key, to decrypt (default: $OUTPOST_DEVICE_KEY)");
  run->add_option("--max-frames", flags->max_frames,
                  "Stop after this many frames (default: the file's max_frames, else all)")
      ->check(CLI::NonNegativeNumber);
  run->add_flag("--stats", flags->stats_json,
                "Also print the statistics as one JSON object on stderr");
  set_action(run, [flags] { return run_pipeline_file(*flags); });
}

}  // namespace outpost::cli
