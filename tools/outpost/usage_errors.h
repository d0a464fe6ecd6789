// Parse errors in Outpost's words: what CLI11 reports ("A subcommand is required", "The
// following argument was not expected: --jsn") turned into a message that names the command,
// suggests the closest command or flag, and says where the help is.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace outpost::cli {

// Edit distance counting an adjacent transposition as one edit ("bnech" is one from "bench").
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate `typed` most likely meant (close in edit distance, or one it starts), or "".
std::string closest_match(std::string_view typed, const std::vector<std::string>& candidates);

// The message for a parse error of `app` (after app.parse threw `e`), without the
// "outpost: error: " prefix.
std::string describe_parse_error(const CLI::App& app, const CLI::ParseError& e);

}  // namespace outpost::cli
