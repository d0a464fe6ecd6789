// The reference backend as a Backend: every op, every dtype, plain loops, TFLite's quantized
// arithmetic reproduced exactly. The oracle the fast backends are tested against, the one
// constant folding runs on, and the last one the session asks.
#pragma once

#include "backends/backend.h"

namespace outpost {

BackendEntry ref_backend_entry();

}  // namespace outpost
