// A bundle's signed settings (labels, preprocess spec) as the vision commands and pipelines use
// them: they are what runs, and a flag or a pipeline key overrides them only on purpose, said on
// stderr (docs/security.md, "Trust policy").
#pragma once

#include <optional>
#include <string>

#include "bundle/trust_policy.h"
#include "pipeline/vision_task.h"
#include "vision/preprocess.h"

namespace outpost {

// The bundle's signed preprocess spec over `base` (the task's own), or nullopt for a plain model
// or a bundle without one. A spec this version cannot read is left out with a warning naming
// `model`, and nullopt.
std::optional<Preprocess> signed_preprocess(const bundle::TrustedModel& trusted, Preprocess base,
                                            const std::string& model);

// Logs "MODEL: WHAT override(s) the bundle's signed THING" on stderr.
void say_override(const std::string& model, const std::string& what, const std::string& thing);

// For a vision task: the bundle's labels and preprocess where `task` has none of its own (the
// pipeline file's keys or a command's flags), each override said on stderr.
void apply_signed_settings(const bundle::TrustedModel& trusted, const std::string& model,
                           TaskOptions& task);

}  // namespace outpost
