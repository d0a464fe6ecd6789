#include "serve/model_repository.h"

#include <chrono>
#include <cstring>

namespace outpost::serve {
namespace {

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

nlohmann::json tensor_metadata(const std::string& name, DType dtype, const Shape& shape) {
  return {{"name", name}, {"datatype", kserve_datatype(dtype)}, {"shape", shape.dims()}};
}

nlohmann::json model_metadata(const std::string& name, Session& session) {
  nlohmann::json inputs = nlohmann::json::array(), outputs = nlohmann::json::array();
  for (size_t i = 0; i < session.num_inputs(); ++i)
    inputs.push_back(tensor_metadata(session.input(i).name, session.input(i).dtype(),
                                     session.input_signature(i)));
  for (size_t i = 0; i < session.num_outputs(); ++i) {
    const Tensor& out = session.output(i);
    outputs.push_back(tensor_metadata(out.name, out.dtype(), out.shape()));
  }
  return {{"name", name},
          {"versions", {"1"}},
          {"platform", "outpost_" + session.stats().format},
          {"inputs", std::move(inputs)},
          {"outputs", std::move(outputs)}};
}

// A copy of `t` that owns its bytes: outputs view the session's arena, which the next request
// overwrites once the lock is released.
Result<Tensor> owned_copy(const Tensor& t) {
  OUTPOST_ASSIGN_OR_RETURN(Tensor copy, Tensor::allocate(t.dtype(), t.shape()));
  if (t.byte_size() > 0) std::memcpy(copy.data(), t.data(), t.byte_size());
  copy.name = t.name;
  return copy;
}

}  // namespace

ServedModel::ServedModel(std::string name, std::string path, std::unique_ptr<Session> session)
    : name_(std::move(name)), path_(std::move(path)), session_(std::move(session)) {
  metadata_ = model_metadata(name_, *session_);
}

Status ServedModel::set_inputs(const InferRequest& request) {
  for (const Tensor& given : request.inputs)
    if (session_->input_index(given.name) < 0)
      return usage_error("input '" + given.name + "': model '" + name_ + "' has no such input");
  for (size_t i = 0; i < session_->num_inputs(); ++i) {
    const std::string& name = session_->input(i).name;
    const Shape& expected = session_->input_signature(i);
    const DType dtype = session_->input(i).dtype();
    const Tensor* given = nullptr;
    for (const Tensor& t : request.inputs)
      if (t.name == name) given = &t;
    const std::string wanted = std::string(kserve_datatype(dtype)) + " " + expected.to_string();
    if (given == nullptr) return usage_error("input '" + name + "' is missing: expected " + wanted);
    bool shape_ok = given->shape().rank() == expected.rank();
    for (size_t d = 0; shape_ok && d < expected.rank(); ++d)
      shape_ok = expected[d] < 0 || expected[d] == given->shape()[d];
    if (given->dtype() != dtype || !shape_ok)
      return shape_mismatch("input '" + name + "': expected " + wanted + ", got " +
                            kserve_datatype(given->dtype()) + " " + given->shape().to_string());
    const Status s = session_->set_input(i, *given);
    if (!s.is_ok()) return s.with_context("input '" + name + "'");
  }
  return Status::ok();
}

Result<InferResponse> ServedModel::infer(const InferRequest& request, double* queue_seconds) {
  const auto waiting = std::chrono::steady_clock::now();
  std::vector<Tensor> outputs;
  {
    std::lock_guard<std::mutex> lock(run_mutex_);
    *queue_seconds = seconds_since(waiting);
    OUTPOST_RETURN_IF_ERROR(set_inputs(request));
    OUTPOST_RETURN_IF_ERROR(session_->run());
    for (size_t i = 0; i < session_->num_outputs(); ++i) {
      OUTPOST_ASSIGN_OR_RETURN(Tensor copy, owned_copy(session_->output(i)));
      outputs.push_back(std::move(copy));
    }
  }
  return make_infer_response(name_, request, outputs);
}

ModelRepository::ModelRepository(SessionLoader loader, Metrics* metrics)
    : loader_(std::move(loader)), metrics_(metrics) {}

Status ModelRepository::load(const std::string& name, const std::string& path) {
  std::lock_guard<std::mutex> one_load(load_mutex_);
  std::string file = path;
  if (file.empty()) {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = slots_.find(name);
    if (it == slots_.end())
      return usage_error("model '" + name + "' was never loaded: give the file to load");
    file = it->second.path;
  }
  // Opened off to the side: the model now served keeps serving meanwhile.
  const auto start = std::chrono::steady_clock::now();
  Result<std::unique_ptr<Session>> session = loader_(file);
  const double seconds = seconds_since(start);
  if (metrics_ != nullptr) metrics_->record_load(name, session.is_ok(), seconds);
  if (!session.is_ok()) return session.status().with_context("loading model '" + name + "'");
  auto model = std::make_shared<ServedModel>(name, file, std::move(*session));
  std::shared_ptr<ServedModel> old;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    Slot& slot = slots_[name];
    old = std::move(slot.model);
    slot = Slot{file, std::move(model), ""};
  }
  // `old` is released here, outside the lock; its session goes when its last request ends.
  return Status::ok();
}

bool ModelRepository::unload(const std::string& name) {
  std::shared_ptr<ServedModel> old;
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = slots_.find(name);
  if (it == slots_.end()) return false;
  old = std::move(it->second.model);
  it->second.reason = "unloaded";
  return true;
}

std::shared_ptr<ServedModel> ModelRepository::find(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  const auto it = slots_.find(name);
  return it == slots_.end() ? nullptr : it->second.model;
}

bool ModelRepository::known(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mutex_);
  return slots_.count(name) > 0;
}

std::vector<ModelEntry> ModelRepository::index() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<ModelEntry> entries;
  for (const auto& [name, slot] : slots_)
    entries.push_back({name, slot.path, slot.model != nullptr, slot.reason});
  return entries;
}

bool ModelRepository::all_ready() const {
  std::lock_guard<std::mutex> lock(mutex_);
  for (const auto& [name, slot] : slots_)
    if (slot.model == nullptr) return false;
  return true;
}

}  // namespace outpost::serve
