// `outpost optimize --report FILE.html`: the report as one self-contained HTML page (no script,
// no external resource): the summary, a chart of each quantized layer's error and its time
// before and after, and every node's dtype, backend or reason for staying in float.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

namespace outpost::optimize {

// `report` is the JSON report of `outpost optimize` (docs/optimize.md, "The report").
std::string report_html(const nlohmann::json& report);

}  // namespace outpost::optimize
