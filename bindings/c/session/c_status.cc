#include "c/session/c_status.h"

namespace outpost::capi {
namespace {

// Returned when even an error cannot be allocated; never freed.
outpost_status out_of_memory{internal_error("out of memory")};

}  // namespace

outpost_status* to_c(Status status) {
  if (status.is_ok()) return nullptr;
  auto* s = new (std::nothrow) outpost_status{std::move(status)};
  return s != nullptr ? s : &out_of_memory;
}

outpost_status* usage(const char* function, const std::string& what) {
  return to_c(usage_error(std::string(function) + ": " + what));
}

}  // namespace outpost::capi

extern "C" {

outpost_status_code outpost_status_code_of(const outpost_status* status) {
  return status == nullptr ? OUTPOST_OK : static_cast<outpost_status_code>(status->status.code());
}

const char* outpost_status_message(const outpost_status* status) {
  return status == nullptr ? "" : status->status.message().c_str();
}

const char* outpost_status_code_name(outpost_status_code code) {
  return outpost::status_code_name(static_cast<outpost::StatusCode>(code));
}

void outpost_status_free(outpost_status* status) {
  if (status != &outpost::capi::out_of_memory) delete status;
}

const char* outpost_version(void) { return OUTPOST_VERSION; }

}  // extern "C"
