// The C API's pipelines (include/outpost/outpost_pipeline.h): a pipeline file prepared as the
// CLI prepares it (pipeline_file/prepared_pipeline.h), with one more sink that hands each
// event to the caller's callback.
#include <exception>
#include <string>

#include "c/session/c_session_handle.h"
#include "c/session/c_status.h"
#include "c/bundle/c_trust_policy.h"
#include "core/json_text.h"
#include "outpost/outpost_pipeline.h"
#include "pipeline_file/prepared_pipeline.h"

namespace outpost::capi {
namespace {

// Each event to the caller, as one line of JSON; a non-zero answer stops the run.
class CallbackSink : public Sink {
 public:
  CallbackSink(outpost_event_callback callback, void* user_data, PipelineStop& stop)
      : callback_(callback), user_data_(user_data), stop_(stop) {}
  Status write(const Frame&, const nlohmann::json& event, const Image*) override {
    return deliver(event);
  }
  Status write_failure(const Frame&, const nlohmann::json& event) override { return deliver(event); }
  bool stopped_by_caller() const { return stopped_; }

 private:
  Status deliver(const nlohmann::json& event) {
    if (callback_ == nullptr) return Status::ok();
    const std::string line = json_line(event);
    int answer = 0;
    try {
      answer = callback_(line.c_str(), user_data_);
    } catch (...) {  // a C++ caller's exception must not unwind through the pipeline's threads
      return internal_error("outpost_pipeline_run: the event callback threw an exception");
    }
    if (answer != 0 && !stopped_) {
      stopped_ = true;
      stop_.request();
    }
    return Status::ok();
  }

  outpost_event_callback callback_;
  void* user_data_;
  PipelineStop& stop_;
  bool stopped_ = false;
};

Status run(const char* path, const outpost_trust_policy* policy,
           const outpost_session_options* options, outpost_event_callback on_event,
           void* user_data, outpost_pipeline_stats* stats) {
  OUTPOST_ASSIGN_OR_RETURN(PipelineSpec spec, load_pipeline_spec(path));
  auto loaded = bundle::load_trusted_model(spec.model, policy_of(policy), options_of(options));
  if (!loaded.is_ok()) return loaded.status();
  std::unique_ptr<Session> session = std::move(loaded->session);
  PipelineStop stop;
  auto callback = std::make_unique<CallbackSink>(on_event, user_data, stop);
  CallbackSink* sink = callback.get();
  std::vector<std::unique_ptr<Sink>> extra;
  extra.push_back(std::move(callback));
  OUTPOST_ASSIGN_OR_RETURN(PreparedPipeline p, prepare_pipeline(std::move(spec), std::move(session),
                                                                *loaded, std::move(extra)));
  PipelineOptions o = p.options();
  o.stop = &stop;
  auto ran = run_pipeline(*p.source, *p.task, p.sinks, o);
  if (!ran.is_ok()) return ran.status().with_context(path);
  if (stats != nullptr) {
    stats->frames = ran->frames;
    stats->dropped = ran->dropped;
    stats->failed = ran->failed;
    stats->stopped = sink->stopped_by_caller() ? 1 : 0;
    stats->seconds = ran->wall_seconds;
  }
  return pipeline_outcome(*ran);
}

}  // namespace
}  // namespace outpost::capi

extern "C" {

outpost_status* outpost_pipeline_run(const char* path, const outpost_trust_policy* policy,
                                     const outpost_session_options* options,
                                     outpost_event_callback on_event, void* user_data,
                                     outpost_pipeline_stats* stats) {
  if (stats != nullptr) *stats = outpost_pipeline_stats{0, 0, 0, 0, 0};
  if (path == nullptr) return outpost::capi::usage(__func__, "path is NULL");
  return outpost::capi::guarded(__func__, [&] {
    return outpost::capi::run(path, policy, options, on_event, user_data, stats);
  });
}

}  // extern "C"
