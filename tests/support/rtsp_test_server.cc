#include "support/rtsp_test_server.h"

#include <cstdlib>

namespace outpost::testing {
namespace {

const char kScript[] = OUTPOST_SOURCE_DIR "/tests/support/rtsp_server.py";

}  // namespace

std::string rtsp_server_python(std::string* why_not) {
  // Debian's python3-gi lives in the system interpreter; a python3 earlier on PATH (pyenv, a
  // virtual environment) may not see it.
  for (const char* python : {"/usr/bin/python3", "python3"}) {
    const std::string cmd =
        std::string(python) + " " + kScript + " --check >/dev/null 2>&1 </dev/null";
    if (std::system(cmd.c_str()) == 0) return python;
  }
  *why_not =
      "needs python3 with GStreamer's RTSP server (Debian packages python3-gi, "
      "gir1.2-gst-rtsp-server-1.0, gstreamer1.0-plugins-base, gstreamer1.0-plugins-good; "
      "scripts/setup installs them)";
  return "";
}

std::unique_ptr<RtspTestServer> RtspTestServer::start(const std::string& python, int port,
                                                      std::string* error) {
  auto process = ChildProcess::start({python, kScript, std::to_string(port)}, "ready\n", 20, error);
  if (!process) return nullptr;
  return std::unique_ptr<RtspTestServer>(new RtspTestServer(std::move(process), port));
}

std::string RtspTestServer::url() const {
  return "rtsp://127.0.0.1:" + std::to_string(port_) + "/test";
}

}  // namespace outpost::testing
