// A pipeline file made ready to run (docs/pipelines.md): the model the caller loaded under its
// trust policy, with the bundle's signed labels and preprocess applied, the task, the source
// and the file's sinks, plus any sinks of the caller's own. What the CLI's `pipeline run` and
// the C API's outpost_pipeline_run share; the caller runs it with run_pipeline.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "bundle/trust_policy.h"
#include "outpost/session.h"
#include "pipeline/pipeline.h"
#include "pipeline/pipeline_spec.h"

namespace outpost {

struct PreparedPipeline {
  PipelineSpec spec;
  std::unique_ptr<Session> session;  // before the task, which runs on it (destroyed after)
  std::unique_ptr<VisionTask> task;
  std::unique_ptr<FrameSource> source;
  std::vector<std::unique_ptr<Sink>> sinks;  // the file's, then the caller's

  // The file's queue size and frame limit (-1: the whole source).
  PipelineOptions options() const;
};

// `session` is spec.model loaded under the caller's policy, and `vouched` what
// load_trusted_model said of it (a bundle's signed settings apply where the file has none of
// its own). Errors name the model or the source.
Result<PreparedPipeline> prepare_pipeline(PipelineSpec spec, std::unique_ptr<Session> session,
                                          const bundle::TrustedModel& vouched,
                                          std::vector<std::unique_ptr<Sink>> extra_sinks = {});

// The file's sinks: JSON lines, images, video, and the agent's uplink (its socket from the
// sink's "socket" or the environment, core/uplink_client.h).
Result<std::vector<std::unique_ptr<Sink>>> make_sinks(const PipelineSpec& spec,
                                                      const FrameSource& source);

// A run's outcome: ok, or, when frames could not be read, the first one's code (an unreadable
// image: 3) with how many, so that a caller sees the run was not whole.
Status pipeline_outcome(const PipelineStats& stats);

}  // namespace outpost
