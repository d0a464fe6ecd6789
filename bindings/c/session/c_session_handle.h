// What the C API's session handles hold (include/outpost/outpost.h), for the files that make
// sessions: c_session.cc, and the bundle API's (src/capi_bundle/).
#pragma once

#include <memory>

#include "outpost/outpost.h"
#include "outpost/session.h"

struct outpost_session_options {
  outpost::SessionOptions options;
};

struct outpost_session {
  std::unique_ptr<outpost::Session> session;
};

namespace outpost::capi {

// The options a handle holds, or the defaults for NULL.
const SessionOptions& options_of(const outpost_session_options* options);

// A new handle owning `session`.
inline outpost_session* wrap(std::unique_ptr<Session> session) {
  return new outpost_session{std::move(session)};
}

}  // namespace outpost::capi
