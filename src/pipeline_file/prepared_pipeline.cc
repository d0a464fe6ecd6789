#include "pipeline_file/prepared_pipeline.h"

#include <cstdlib>

#include "core/uplink_client.h"
#include "pipeline/uplink_sink.h"
#include "pipeline_file/signed_settings.h"

namespace outpost {

PipelineOptions PreparedPipeline::options() const {
  PipelineOptions o;
  o.queue_size = spec.queue_size;
  o.max_frames = spec.max_frames;
  return o;
}

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
    } else if (s.kind == SinkSpec::Kind::kVideo) {
      OUTPOST_ASSIGN_OR_RETURN(auto sink, make_video_sink(s.path, source.frames_per_second()));
      sinks.push_back(std::move(sink));
    } else {
      UplinkSinkOptions o;
      o.socket_path = s.path;
      if (const char* env = std::getenv(kUplinkSocketEnv); o.socket_path.empty() && env != nullptr)
        o.socket_path = env;
      o.metrics_interval_s = s.metrics_interval_s;
      o.max_pending = s.max_pending;
      OUTPOST_ASSIGN_OR_RETURN(auto sink, make_uplink_sink(o));
      sinks.push_back(std::move(sink));
    }
  }
  return sinks;
}

Result<PreparedPipeline> prepare_pipeline(PipelineSpec spec, std::unique_ptr<Session> session,
                                          const bundle::TrustedModel& vouched,
                                          std::vector<std::unique_ptr<Sink>> extra_sinks) {
  PreparedPipeline p;
  p.spec = std::move(spec);
  p.session = std::move(session);
  // The bundle's signed labels and preprocess, unless the file's own keys override them.
  apply_signed_settings(vouched, p.spec.model, p.spec.task);
  auto task = VisionTask::make(p.spec.task, *p.session);
  if (!task.is_ok()) return task.status().with_context(p.spec.model);
  p.task = std::move(*task);
  SourceOptions source_options;
  source_options.reconnect_timeout = p.spec.reconnect_timeout;
  OUTPOST_ASSIGN_OR_RETURN(p.source,
                           open_frame_source(p.spec.source_kind, p.spec.source, source_options));
  OUTPOST_ASSIGN_OR_RETURN(p.sinks, make_sinks(p.spec, *p.source));
  for (auto& sink : extra_sinks) p.sinks.push_back(std::move(sink));
  return p;
}

Status pipeline_outcome(const PipelineStats& s) {
  if (s.failed == 0) return Status::ok();
  return Status(s.first_failure.code(),
                std::to_string(s.failed) + (s.failed == 1 ? " part" : " parts") +
                    " of the source could not be read (error events in the JSON-lines sinks; "
                    "the rest ran): " +
                    s.first_failure.message() + (s.failed > 1 ? " (the first)" : ""));
}

}  // namespace outpost
