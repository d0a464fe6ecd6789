#include "pipeline_file/signed_settings.h"

#include "core/log.h"

namespace outpost {

std::optional<Preprocess> signed_preprocess(const bundle::TrustedModel& trusted, Preprocess base,
                                            const std::string& model) {
  if (!trusted.bundle || !trusted.metadata.preprocess.is_object()) return std::nullopt;
  auto spec = parse_preprocess(trusted.metadata.preprocess,
                               model + ": the bundle's signed preprocess", std::move(base));
  if (spec.is_ok()) return *spec;
  // A packer's JSON this version does not read: the task's own, said on stderr.
  OUTPOST_LOG_WARNING(spec.status().message() << "; using the task's own preprocessing");
  return std::nullopt;
}

void say_override(const std::string& model, const std::string& what, const std::string& thing) {
  OUTPOST_LOG_WARNING(model << ": " << what << " the bundle's signed " << thing);
}

void apply_signed_settings(const bundle::TrustedModel& trusted, const std::string& model,
                           TaskOptions& task) {
  if (!trusted.bundle) return;
  const std::vector<std::string>& labels = trusted.metadata.labels;
  if (!labels.empty() && task.labels.empty())
    task.labels = labels;
  else if (!labels.empty())
    say_override(model, "the pipeline's \"labels\" override",
                 std::to_string(labels.size()) + " labels");
  if (!trusted.metadata.preprocess.is_object()) return;
  if (task.preprocess) {
    say_override(model, "the pipeline's \"preprocess\" overrides", "one");
    return;
  }
  if (auto spec = signed_preprocess(trusted, default_preprocess(task), model))
    task.preprocess = *spec;
}

}  // namespace outpost
