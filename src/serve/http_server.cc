#include "serve/http_server.h"

#include <httplib.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <thread>

#include "serve/bearer_token.h"

namespace outpost::serve {
namespace {

using nlohmann::json;

// Set on the threads that only refuse: a connection handed to them gets 503 whatever it asks.
thread_local bool t_refusing = false;

// httplib's task queue, bounded: `workers` threads serve connections, `backlog` more wait, and
// every connection beyond those goes to four refusing threads that answer 503 at once. (httplib's
// own pool queues without bound, so 10,000 connections would wait, each holding a socket.)
class BoundedTaskQueue : public httplib::TaskQueue {
 public:
  BoundedTaskQueue(size_t workers, size_t backlog) : limit_(workers + backlog) {
    for (size_t i = 0; i < workers; ++i) threads_.emplace_back([this] { work(jobs_, false); });
    for (int i = 0; i < 4; ++i) threads_.emplace_back([this] { work(refused_, true); });
  }

  void enqueue(std::function<void()> fn) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (active_ + jobs_.size() < limit_) {
        jobs_.push_back(std::move(fn));
      } else {
        refused_.push_back(std::move(fn));
      }
    }
    ready_.notify_all();
  }

  // Every connection already accepted is still answered; then the threads end.
  void shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      stopping_ = true;
    }
    ready_.notify_all();
    for (std::thread& t : threads_) t.join();
  }

 private:
  void work(std::deque<std::function<void()>>& queue, bool refusing) {
    t_refusing = refusing;
    for (;;) {
      std::function<void()> job;
      {
        std::unique_lock<std::mutex> lock(mutex_);
        ready_.wait(lock, [&] { return stopping_ || !queue.empty(); });
        if (queue.empty()) return;  // stopping, and nothing left
        job = std::move(queue.front());
        queue.pop_front();
        if (!refusing) ++active_;
      }
      job();
      if (!refusing) {
        std::lock_guard<std::mutex> lock(mutex_);
        --active_;
      }
    }
  }

  const size_t limit_;
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> jobs_, refused_;
  size_t active_ = 0;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

void send_json(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_content(body.dump(-1, ' ', false, json::error_handler_t::replace), "application/json");
}

void send_error(httplib::Response& res, int status, const std::string& message) {
  send_json(res, status, {{"error", message}});
}

// The HTTP status of a failed request, by what failed.
int http_status(const Status& status) {
  switch (status.code()) {
    case StatusCode::kUsage:
    case StatusCode::kShapeMismatch:
    case StatusCode::kUnsupported:
    case StatusCode::kIoError:
    case StatusCode::kInvalidModel:
      return 400;
    case StatusCode::kUntrusted:
    case StatusCode::kBadSignature:
    case StatusCode::kDecryptFailed:
    case StatusCode::kTooOld:
    case StatusCode::kTooNew:
      return 403;
    default:
      return 500;
  }
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

struct InferenceServer::Impl {
  Impl(ModelRepository& m, Metrics& mx, ServerOptions o)
      : models(m), metrics(mx), options(std::move(o)) {}

  httplib::Server::HandlerResponse before_routing(const httplib::Request& req,
                                                  httplib::Response& res);
  void add_routes();
  void infer(const httplib::Request& req, httplib::Response& res);
  void model_route(const httplib::Request& req, httplib::Response& res, bool ready_only);
  void load(const httplib::Request& req, httplib::Response& res);

  ModelRepository& models;
  Metrics& metrics;
  ServerOptions options;
  httplib::Server http;
  int port = 0;
  std::atomic<bool> stopping{false};
};

httplib::Server::HandlerResponse InferenceServer::Impl::before_routing(const httplib::Request& req,
                                                                       httplib::Response& res) {
  using httplib::Server;
  // Refusals close the connection: what the client sends next (a body never read) is not a
  // request.
  auto refuse = [&](int status, const std::string& reason, const std::string& message) {
    metrics.record_refusal(reason);
    send_error(res, status, message);
    res.set_header("Connection", "close");
    return Server::HandlerResponse::Handled;
  };
  if (t_refusing)
    return refuse(503, "busy",
                  "too many requests: the server is serving " +
                      std::to_string(options.max_concurrency) +
                      " connections and has as many waiting; retry later");
  const bool health = req.path.rfind("/v2/health/", 0) == 0;
  if (!options.token.empty() && !health &&
      !authorization_matches(req.get_header_value("Authorization"), options.token)) {
    res.set_header("WWW-Authenticate", "Bearer");
    return refuse(401, "unauthorized", "missing or wrong bearer token (Authorization: Bearer ...)");
  }
  // Refused from the header, before a byte of the body is read.
  const std::string length = req.get_header_value("Content-Length");
  if (!length.empty()) {
    char* end = nullptr;
    const unsigned long long n = std::strtoull(length.c_str(), &end, 10);
    if (end == length.c_str() || *end != '\0' || n > options.max_body_bytes)
      return refuse(413, "body_too_large",
                    "request body of " + length + " bytes is over the limit of " +
                        std::to_string(options.max_body_bytes) + " (--max-body-bytes)");
  }
  return Server::HandlerResponse::Unhandled;
}

void InferenceServer::Impl::model_route(const httplib::Request& req, httplib::Response& res,
                                        bool ready_only) {
  const std::string name = req.matches[1];
  const std::shared_ptr<ServedModel> model = models.find(name);
  if (model == nullptr) {
    if (models.known(name)) return send_error(res, 503, "model '" + name + "' is not loaded");
    return send_error(res, 404, "unknown model '" + name + "'");
  }
  if (ready_only) return send_json(res, 200, {{"name", name}, {"ready", true}});
  send_json(res, 200, model->metadata());
}

void InferenceServer::Impl::infer(const httplib::Request& req, httplib::Response& res) {
  const auto start = std::chrono::steady_clock::now();
  const std::string name = req.matches[1];
  const std::shared_ptr<ServedModel> model = models.find(name);  // held until the reply is made
  if (model == nullptr) {
    if (models.known(name)) return send_error(res, 503, "model '" + name + "' is not loaded");
    return send_error(res, 404, "unknown model '" + name + "'");
  }
  std::optional<size_t> json_length;
  if (req.has_header("Inference-Header-Content-Length")) {
    const std::string value = req.get_header_value("Inference-Header-Content-Length");
    char* end = nullptr;
    json_length = std::strtoull(value.c_str(), &end, 10);
    if (value.empty() || *end != '\0') {
      metrics.record_inference(name, false, seconds_since(start), 0);
      return send_error(res, 400,
                        "Inference-Header-Content-Length '" + value + "' is not a number");
    }
  }
  double queue_seconds = 0;
  Result<InferRequest> request = parse_infer_request(req.body, json_length);
  Result<InferResponse> response = request.is_ok() ? model->infer(*request, &queue_seconds)
                                                   : Result<InferResponse>(request.status());
  metrics.record_inference(name, response.is_ok(), seconds_since(start), queue_seconds);
  if (!response.is_ok()) {
    const Status& s = response.status();
    return send_error(res, http_status(s), "model '" + name + "': " + s.message());
  }
  if (response->json_length) {
    res.set_header("Inference-Header-Content-Length", std::to_string(*response->json_length));
    res.set_content(std::move(response->body), "application/octet-stream");
  } else {
    res.set_content(std::move(response->body), "application/json");
  }
  res.status = 200;
}

void InferenceServer::Impl::load(const httplib::Request& req, httplib::Response& res) {
  const std::string name = req.matches[1];
  std::string path;
  if (!req.body.empty()) {
    const json body = json::parse(req.body, nullptr, false);
    if (body.is_discarded() || !body.is_object())
      return send_error(res, 400, "the load request's body must be a JSON object");
    const auto params = body.find("parameters");
    if (params != body.end() && params->is_object() && params->contains("path")) {
      if (!(*params)["path"].is_string())
        return send_error(res, 400, "\"parameters\".\"path\" must be a string");
      path = (*params)["path"].get<std::string>();
    }
  }
  if (path.empty() && !models.known(name))
    return send_error(res, 404,
                      "unknown model '" + name + "': give {\"parameters\": {\"path\": FILE}}");
  const Status s = models.load(name, path);
  if (!s.is_ok()) return send_error(res, http_status(s), s.message());
  send_json(res, 200, json::object());
}

void InferenceServer::Impl::add_routes() {
  http.Get("/v2", [](const httplib::Request&, httplib::Response& res) {
    send_json(res, 200,
              {{"name", "outpost"},
               {"version", OUTPOST_VERSION},
               {"extensions", {"binary_tensor_data", "model_repository"}}});
  });
  http.Get("/v2/health/live",
           [](const httplib::Request&, httplib::Response& res) { res.status = 200; });
  http.Get("/v2/health/ready", [this](const httplib::Request&, httplib::Response& res) {
    if (stopping || !models.all_ready()) return send_error(res, 503, "not ready");
    res.status = 200;
  });
  http.Get("/v2/models/([^/]+)", [this](const httplib::Request& req, httplib::Response& res) {
    model_route(req, res, false);
  });
  http.Get("/v2/models/([^/]+)/ready", [this](const httplib::Request& req, httplib::Response& res) {
    model_route(req, res, true);
  });
  http.Post("/v2/models/([^/]+)/infer",
            [this](const httplib::Request& req, httplib::Response& res) { infer(req, res); });
  http.Post("/v2/repository/index", [this](const httplib::Request&, httplib::Response& res) {
    json index = json::array();
    for (const ModelEntry& e : models.index()) {
      json entry = {
          {"name", e.name}, {"version", "1"}, {"state", e.ready ? "READY" : "UNAVAILABLE"}};
      if (!e.reason.empty()) entry["reason"] = e.reason;
      index.push_back(std::move(entry));
    }
    send_json(res, 200, index);
  });
  http.Post("/v2/repository/models/([^/]+)/load",
            [this](const httplib::Request& req, httplib::Response& res) { load(req, res); });
  http.Post("/v2/repository/models/([^/]+)/unload",
            [this](const httplib::Request& req, httplib::Response& res) {
              const std::string name = req.matches[1];
              if (!models.unload(name)) return send_error(res, 404, "unknown model '" + name + "'");
              send_json(res, 200, json::object());
            });
  http.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(metrics.prometheus_text(), "text/plain; version=0.0.4");
  });
}

InferenceServer::InferenceServer(ModelRepository& models, Metrics& metrics, ServerOptions options)
    : impl_(std::make_unique<Impl>(models, metrics, std::move(options))) {
  Impl& s = *impl_;
  const size_t workers = static_cast<size_t>(std::max(1, s.options.max_concurrency));
  s.http.new_task_queue = [workers] { return new BoundedTaskQueue(workers, workers); };
  s.http.set_payload_max_length(s.options.max_body_bytes);  // chunked bodies too
  // SO_REUSEADDR only: httplib's default adds SO_REUSEPORT, with which a second server would
  // share the port of a running one instead of failing to start.
  s.http.set_socket_options([](socket_t sock) {
    const int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s.http.set_pre_routing_handler([&s](const httplib::Request& req, httplib::Response& res) {
    return s.before_routing(req, res);
  });
  // httplib's own errors (no such route, an unreadable request) get a JSON body like ours.
  s.http.set_error_handler(
      httplib::Server::HandlerWithResponse([](const httplib::Request& req, httplib::Response& res) {
        if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
        const std::string what =
            res.status == 404 ? "no route " + req.method + " " + req.path
                              : "request failed with HTTP status " + std::to_string(res.status);
        send_error(res, res.status, what);
        return httplib::Server::HandlerResponse::Handled;
      }));
  s.add_routes();
}

InferenceServer::~InferenceServer() { stop(); }

Status InferenceServer::bind() {
  Impl& s = *impl_;
  if (s.options.port == 0) {
    s.port = s.http.bind_to_any_port(s.options.host);
  } else {
    s.port = s.http.bind_to_port(s.options.host, s.options.port) ? s.options.port : -1;
  }
  if (s.port <= 0)
    return Status(StatusCode::kNetwork, "cannot listen on " + s.options.host + ":" +
                                            std::to_string(s.options.port) +
                                            " (in use, or no such local address)");
  return Status::ok();
}

int InferenceServer::port() const { return impl_->port; }

Status InferenceServer::serve() {
  impl_->http.listen_after_bind();
  return Status::ok();
}

void InferenceServer::stop() {
  impl_->stopping = true;
  impl_->http.stop();
}

}  // namespace outpost::serve
