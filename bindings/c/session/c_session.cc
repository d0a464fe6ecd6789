// The C API's sessions, options, tensors and profiles (include/outpost/outpost.h), each a thin
// wrapper of the C++ API.
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "c/session/c_session_handle.h"
#include "c/session/c_status.h"
#include "outpost/outpost.h"
#include "outpost/session.h"

struct outpost_profile {
  std::vector<outpost::OpProfile> rows;
};

// Never instantiated: an outpost_tensor* is an outpost::Tensor* the C side cannot look into.
struct outpost_tensor {};

namespace outpost::capi {
namespace {

const Tensor* cpp(const outpost_tensor* t) { return reinterpret_cast<const Tensor*>(t); }
Tensor* cpp(outpost_tensor* t) { return reinterpret_cast<Tensor*>(t); }
outpost_tensor* c(Tensor* t) { return reinterpret_cast<outpost_tensor*>(t); }
const outpost_tensor* c(const Tensor* t) { return reinterpret_cast<const outpost_tensor*>(t); }

Result<Shape> shape_of(const int64_t* dims, size_t rank) {
  if (dims == nullptr && rank > 0) return usage_error("dims is NULL with a rank of " + std::to_string(rank));
  if (rank > 16) return usage_error("a rank of " + std::to_string(rank) + " (at most 16)");
  return Shape(std::vector<int64_t>(dims, dims + rank));
}

Status finish_open(Result<std::unique_ptr<Session>> opened, outpost_session** out) {
  if (!opened.is_ok()) return opened.status();
  *out = wrap(std::move(*opened));
  return Status::ok();
}

// An input's or output's index by name, or -1 (also for NULL arguments).
int64_t index_of(const outpost_session* session, const char* name,
                 int (Session::*lookup)(const std::string&) const) noexcept {
  if (session == nullptr || name == nullptr) return -1;
  try {
    return ((*session->session).*lookup)(name);
  } catch (...) {
    return -1;
  }
}

}  // namespace

const SessionOptions& options_of(const outpost_session_options* options) {
  static const SessionOptions defaults;
  return options != nullptr ? options->options : defaults;
}

}  // namespace outpost::capi

using outpost::capi::guarded;
using outpost::capi::usage;

extern "C" {

// --- Options

outpost_session_options* outpost_session_options_create(void) {
  return new (std::nothrow) outpost_session_options();
}

void outpost_session_options_free(outpost_session_options* options) { delete options; }

outpost_status* outpost_session_options_set_threads(outpost_session_options* options, int threads) {
  if (options == nullptr) return usage(__func__, "options is NULL");
  if (threads < 0) return usage(__func__, "threads must be 0 (every core) or more, not " + std::to_string(threads));
  options->options.threads = threads;  // more than the cores available: refused at open
  return nullptr;
}

outpost_status* outpost_session_options_set_backend(outpost_session_options* options,
                                                    const char* backend) {
  if (options == nullptr || backend == nullptr) return usage(__func__, "options or backend is NULL");
  return guarded(__func__, [&] {
    options->options.backend = backend;  // an unknown one: refused at open, listing those built in
    return outpost::Status::ok();
  });
}

outpost_status* outpost_session_options_set_input_shape(outpost_session_options* options,
                                                        const char* input_name,
                                                        const int64_t* dims, size_t rank) {
  if (options == nullptr || input_name == nullptr)
    return usage(__func__, "options or input_name is NULL");
  return guarded(__func__, [&]() -> outpost::Status {
    auto shape = outpost::capi::shape_of(dims, rank);
    if (!shape.is_ok()) return shape.status().with_context(__func__);
    options->options.input_shapes[input_name] = std::move(*shape);
    return outpost::Status::ok();
  });
}

outpost_status* outpost_session_options_set_max_arena_bytes(outpost_session_options* options,
                                                            size_t bytes) {
  if (options == nullptr) return usage(__func__, "options is NULL");
  options->options.max_arena_bytes = bytes;
  return nullptr;
}

outpost_status* outpost_session_options_set_signature(outpost_session_options* options,
                                                      const char* key) {
  if (options == nullptr || key == nullptr) return usage(__func__, "options or key is NULL");
  return guarded(__func__, [&] {
    options->options.signature = key;
    return outpost::Status::ok();
  });
}

// --- Sessions

outpost_status* outpost_session_open(const char* path, const outpost_session_options* options,
                                     outpost_session** session) {
  if (session == nullptr) return usage(__func__, "session (the result) is NULL");
  *session = nullptr;
  if (path == nullptr) return usage(__func__, "path is NULL");
  return guarded(__func__, [&] {
    return outpost::capi::finish_open(
        outpost::Session::open(path, outpost::capi::options_of(options)), session);
  });
}

outpost_status* outpost_session_open_buffer(const void* data, size_t size, const char* name,
                                            const outpost_session_options* options,
                                            outpost_session** session) {
  if (session == nullptr) return usage(__func__, "session (the result) is NULL");
  *session = nullptr;
  if (data == nullptr && size > 0) return usage(__func__, "data is NULL");
  return guarded(__func__, [&] {
    // A copy the session owns: the caller may free its bytes at once.
    auto copy = std::make_shared<std::vector<uint8_t>>(static_cast<const uint8_t*>(data),
                                                       static_cast<const uint8_t*>(data) + size);
    return outpost::capi::finish_open(
        outpost::Session::open_buffer(copy->data(), copy->size(), copy,
                                      name != nullptr ? name : "(model in memory)",
                                      outpost::capi::options_of(options)),
        session);
  });
}

void outpost_session_free(outpost_session* session) { delete session; }

size_t outpost_session_input_count(const outpost_session* session) {
  return session == nullptr ? 0 : session->session->num_inputs();
}

size_t outpost_session_output_count(const outpost_session* session) {
  return session == nullptr ? 0 : session->session->num_outputs();
}

int64_t outpost_session_input_index(const outpost_session* session, const char* name) {
  return outpost::capi::index_of(session, name, &outpost::Session::input_index);
}

int64_t outpost_session_output_index(const outpost_session* session, const char* name) {
  return outpost::capi::index_of(session, name, &outpost::Session::output_index);
}

outpost_tensor* outpost_session_input(outpost_session* session, size_t i) {
  if (session == nullptr || i >= session->session->num_inputs()) return nullptr;
  return outpost::capi::c(&session->session->input(i));
}

const outpost_tensor* outpost_session_output(const outpost_session* session, size_t i) {
  if (session == nullptr || i >= session->session->num_outputs()) return nullptr;
  return outpost::capi::c(&session->session->output(i));
}

outpost_status* outpost_session_set_input(outpost_session* session, size_t i, const void* data,
                                          size_t size) {
  if (session == nullptr || data == nullptr) return usage(__func__, "session or data is NULL");
  const size_t inputs = session->session->num_inputs();
  if (i >= inputs)
    return usage(__func__, "input " + std::to_string(i) + " of a model with " +
                               std::to_string(inputs) + " input(s)");
  outpost::Tensor& t = session->session->input(i);
  if (t.data() == nullptr || size != t.byte_size())
    return outpost::capi::to_c(outpost::shape_mismatch(
        std::string(__func__) + ": input " + std::to_string(i) + " ('" + t.name + "', " +
        outpost::dtype_name(t.dtype()) + " " + t.shape().to_string() + ") takes " +
        (t.data() == nullptr ? std::string("no data until its shape is known (resize it)")
                             : std::to_string(t.byte_size()) + " bytes") +
        ", not " + std::to_string(size)));
  std::memcpy(t.data(), data, size);
  return nullptr;
}

outpost_status* outpost_session_resize_input(outpost_session* session, size_t i,
                                             const int64_t* dims, size_t rank) {
  if (session == nullptr) return usage(__func__, "session is NULL");
  if (i >= session->session->num_inputs())
    return usage(__func__, "input " + std::to_string(i) + " of a model with " +
                               std::to_string(session->session->num_inputs()) + " input(s)");
  return guarded(__func__, [&]() -> outpost::Status {
    auto shape = outpost::capi::shape_of(dims, rank);
    if (!shape.is_ok()) return shape.status().with_context(__func__);
    return session->session->resize_input(i, *shape);
  });
}

outpost_status* outpost_session_run(outpost_session* session) {
  if (session == nullptr) return usage(__func__, "session is NULL");
  return guarded(__func__, [&] { return session->session->run(); });
}

void outpost_session_reset_state(outpost_session* session) {
  if (session != nullptr) session->session->reset_state();
}

outpost_status* outpost_session_profile(outpost_session* session, int runs,
                                        outpost_profile** profile) {
  if (profile == nullptr) return usage(__func__, "profile (the result) is NULL");
  *profile = nullptr;
  if (session == nullptr) return usage(__func__, "session is NULL");
  if (runs < 1) return usage(__func__, "runs must be 1 or more, not " + std::to_string(runs));
  return guarded(__func__, [&]() -> outpost::Status {
    auto rows = session->session->profile(runs);
    if (!rows.is_ok()) return rows.status();
    *profile = new outpost_profile{std::move(*rows)};
    return outpost::Status::ok();
  });
}

size_t outpost_profile_count(const outpost_profile* p) { return p == nullptr ? 0 : p->rows.size(); }

const char* outpost_profile_op(const outpost_profile* p, size_t i) {
  return p == nullptr || i >= p->rows.size() ? "" : p->rows[i].op.c_str();
}

const char* outpost_profile_backend(const outpost_profile* p, size_t i) {
  return p == nullptr || i >= p->rows.size() ? "" : p->rows[i].backend.c_str();
}

int outpost_profile_nodes(const outpost_profile* p, size_t i) {
  return p == nullptr || i >= p->rows.size() ? 0 : p->rows[i].nodes;
}

double outpost_profile_ms(const outpost_profile* p, size_t i) {
  return p == nullptr || i >= p->rows.size() ? 0 : p->rows[i].ms;
}

void outpost_profile_free(outpost_profile* profile) { delete profile; }

// --- Tensors

const char* outpost_tensor_name(const outpost_tensor* t) {
  return t == nullptr ? "" : outpost::capi::cpp(t)->name.c_str();
}

outpost_dtype outpost_tensor_dtype(const outpost_tensor* t) {
  return t == nullptr ? OUTPOST_FLOAT32 : static_cast<outpost_dtype>(outpost::capi::cpp(t)->dtype());
}

const char* outpost_dtype_name(outpost_dtype dtype) {
  if (dtype < OUTPOST_FLOAT32 || dtype > OUTPOST_BFLOAT16) return "unknown";
  return outpost::dtype_name(static_cast<outpost::DType>(dtype));
}

size_t outpost_tensor_rank(const outpost_tensor* t) {
  return t == nullptr ? 0 : outpost::capi::cpp(t)->shape().rank();
}

int64_t outpost_tensor_dim(const outpost_tensor* t, size_t d) {
  if (t == nullptr || d >= outpost::capi::cpp(t)->shape().rank()) return 0;
  return outpost::capi::cpp(t)->shape()[d];
}

size_t outpost_tensor_byte_size(const outpost_tensor* t) {
  return t == nullptr || outpost::capi::cpp(t)->data() == nullptr ? 0
                                                                   : outpost::capi::cpp(t)->byte_size();
}

const void* outpost_tensor_data(const outpost_tensor* t) {
  return t == nullptr ? nullptr : outpost::capi::cpp(t)->data();
}

void* outpost_tensor_mutable_data(outpost_tensor* t) {
  return t == nullptr ? nullptr : outpost::capi::cpp(t)->data();
}

size_t outpost_tensor_quant_count(const outpost_tensor* t) {
  return t == nullptr ? 0 : outpost::capi::cpp(t)->quant.scale.size();
}

const float* outpost_tensor_quant_scales(const outpost_tensor* t) {
  return outpost_tensor_quant_count(t) == 0 ? nullptr : outpost::capi::cpp(t)->quant.scale.data();
}

const int64_t* outpost_tensor_quant_zero_points(const outpost_tensor* t) {
  return outpost_tensor_quant_count(t) == 0 ? nullptr
                                            : outpost::capi::cpp(t)->quant.zero_point.data();
}

int outpost_tensor_quant_axis(const outpost_tensor* t) {
  return t == nullptr ? 0 : outpost::capi::cpp(t)->quant.axis;
}

}  // extern "C"
