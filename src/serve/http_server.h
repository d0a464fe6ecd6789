// `outpost serve`'s HTTP side: the KServe v2 (Triton) routes over a ModelRepository, with the
// limits a device needs (bearer token, body size, connections served at once). cpp-httplib
// stays inside http_server.cc.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "outpost/status.h"
#include "serve/metrics.h"
#include "serve/model_repository.h"

namespace outpost::serve {

struct ServerOptions {
  std::string host = "127.0.0.1";  // loopback unless told otherwise
  int port = 8000;                 // 0: any free port (port() says which)
  std::string token;               // non-empty: every route but /v2/health/* needs it
  size_t max_body_bytes = size_t{64} << 20;
  // Connections served at once; as many more may wait for one of them; beyond that a new
  // connection gets 503 at once from a separate thread, so a flood cannot stall the server.
  int max_concurrency = 8;
};

class InferenceServer {
 public:
  InferenceServer(ModelRepository& models, Metrics& metrics, ServerOptions options);
  ~InferenceServer();
  InferenceServer(const InferenceServer&) = delete;
  InferenceServer& operator=(const InferenceServer&) = delete;

  // Binds the listening socket: kNetwork naming host and port when that fails (in use, no such
  // address).
  Status bind();
  int port() const;
  // Serves until stop(): then accepts nothing more, finishes the requests in flight and returns.
  Status serve();
  // Thread-safe; may be called before serve() runs or while it does.
  void stop();

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace outpost::serve
