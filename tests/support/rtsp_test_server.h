// A real RTSP server for the live-source tests: GStreamer's gst-rtsp-server through
// tests/support/rtsp_server.py, run as a child process. The destructor kills it, so no test
// leaves one behind, whatever fails; kill() makes it vanish midway, as a camera that crashes.
#pragma once

#include <memory>
#include <string>

#include "support/child_process.h"

namespace outpost::testing {

// A python3 that can run the server (Debian's python3-gi, gir1.2-gst-rtsp-server-1.0 and the
// GStreamer plugins scripts/setup installs), or "" with the reason in *why_not.
std::string rtsp_server_python(std::string* why_not);

class RtspTestServer {
 public:
  // Starts the server on 127.0.0.1:port and waits (at most 20 s) until it listens; null with
  // the reason in *error when it does not.
  static std::unique_ptr<RtspTestServer> start(const std::string& python, int port,
                                               std::string* error);

  void kill() { process_->kill(); }  // safe to call twice
  std::string url() const;           // rtsp://127.0.0.1:PORT/test

 private:
  RtspTestServer(std::unique_ptr<ChildProcess> process, int port)
      : process_(std::move(process)), port_(port) {}
  std::unique_ptr<ChildProcess> process_;
  int port_;
};

}  // namespace outpost::testing
