// A model's signatures and metadata (formats/model_metadata.h) as `outpost inspect` shows them,
// and the metadata that `classify` reads its labels and normalization from.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "formats/model_metadata.h"
#include "outpost/session.h"

namespace outpost::cli {

// The metadata of the model file `model`, its warnings logged (a malformed metadata never stops
// the command); none for a bundle, whose own signed labels and preprocessing are what runs.
ModelMetadata model_metadata(const std::string& model);

nlohmann::json signatures_json(const ModelStats& stats);
void print_signatures(const ModelStats& stats);

// Null when the model has no metadata.
nlohmann::json metadata_json(const ModelMetadata& m);
void print_metadata(const ModelMetadata& m);

}  // namespace outpost::cli
