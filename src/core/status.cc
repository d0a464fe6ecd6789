#include "outpost/status.h"

namespace outpost {

const char* status_code_name(StatusCode code) {
  switch (code) {
    case StatusCode::kOk: return "ok";
    case StatusCode::kInternal: return "internal";
    case StatusCode::kUsage: return "usage";
    case StatusCode::kIoError: return "io_error";
    case StatusCode::kInvalidModel: return "invalid_model";
    case StatusCode::kUnsupported: return "unsupported";
    case StatusCode::kShapeMismatch: return "shape_mismatch";
    case StatusCode::kUntrusted: return "untrusted";
    case StatusCode::kBadSignature: return "bad_signature";
    case StatusCode::kDecryptFailed: return "decrypt_failed";
    case StatusCode::kGoldenMismatch: return "golden_mismatch";
    case StatusCode::kTooNew: return "too_new";
    case StatusCode::kNetwork: return "network";
    case StatusCode::kTooOld: return "too_old";
    case StatusCode::kRolloutAborted: return "rollout_aborted";
  }
  return "unknown";
}

Status Status::with_context(const std::string& context) const {
  if (is_ok()) return *this;
  return Status(code_, context + ": " + message_);
}

}  // namespace outpost
