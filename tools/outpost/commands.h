// The subcommands of outpost, one file each.
#pragma once

#include <CLI/CLI.hpp>

namespace outpost::cli {

void add_inspect_command(CLI::App& app);
void add_run_command(CLI::App& app);
void add_bench_command(CLI::App& app);
void add_classify_command(CLI::App& app);
void add_detect_command(CLI::App& app);
void add_segment_command(CLI::App& app);
void add_landmarks_command(CLI::App& app);
void add_pipeline_command(CLI::App& app);
void add_keys_command(CLI::App& app);
void add_pack_command(CLI::App& app);
void add_verify_command(CLI::App& app);
void add_manifest_command(CLI::App& app);
void add_optimize_command(CLI::App& app);  // built with OUTPOST_WITH_OPTIMIZER
void add_serve_command(CLI::App& app);  // built with OUTPOST_WITH_SERVER
void add_agent_command(CLI::App& app);  // built with OUTPOST_WITH_SERVER
void add_status_command(CLI::App& app);  // built with OUTPOST_WITH_SERVER
void add_fleet_command(CLI::App& app);   // built with OUTPOST_WITH_SERVER

}  // namespace outpost::cli
