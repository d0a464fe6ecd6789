// The uplink sink: a pipeline's events, and a metrics sample now and then, go into the device
// agent's outbox (core/uplink_client.h), which sends them upstream over MQTT and keeps them
// through offline periods (docs/mqtt.md). An event counts as delivered once the agent has it
// stored durably.
//
// While the agent cannot be reached (it is restarting, or the pipeline runs before it) events
// wait in a bounded queue in memory and connecting is retried with back-off; past the bound the
// oldest wait no longer, and what was lost that way is reported to the agent as drops once it
// answers, so it shows up upstream with the outbox's own drops. At the end the sink waits a
// little for the agent; what it still could not hand over or report makes the run fail (kNetwork).
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "outpost/status.h"
#include "pipeline/sinks.h"

namespace outpost {

struct UplinkSinkOptions {
  std::string socket_path;        // the agent's socket (the caller resolves OUTPOST_UPLINK_SOCKET)
  double metrics_interval_s = 60;  // a metrics sample this often (and at the end); 0: none
  size_t max_pending = 10000;      // events kept in memory while the agent does not answer
  double finish_timeout_s = 5;     // how long the end waits for an agent that does not answer
  double retry_min_s = 0.2, retry_max_s = 5;  // between attempts to reach it (doubling)
};

// kUsage when there is no socket path (a pipeline run outside the agent, without "socket").
Result<std::unique_ptr<Sink>> make_uplink_sink(UplinkSinkOptions options);

}  // namespace outpost
