// ONNX RNN, GRU and LSTM (ir/onnx_rnn.h, docs/ops.md) on float32/float64, computing in double.
// Each direction runs each batch entry one step at a time: the three cells share the
// pre-activation products (x·Wᵀ + Wb and h·Rᵀ + Rb for every gate row) and differ only in how
// they combine them. Steps past an entry's sequence_lens write zeros to y; y_h and y_c hold the
// state after its last step (zeros for a length of 0).
#include "ir/onnx_rnn.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "backends/ref/onnx_common.h"
#include "backends/ref/onnx_nn_kernel_factories.h"

namespace outpost {
namespace {

using namespace onnx_ref;  // NOLINT: this file's helpers

double activate(const RnnActivation& a, double x) {
  const double alpha = a.alpha, beta = a.beta;
  switch (a.kind) {
    case RnnActivationKind::kRelu:
      return std::max(x, 0.0);
    case RnnActivationKind::kTanh:
      return std::tanh(x);
    case RnnActivationKind::kSigmoid:
      return 1 / (1 + std::exp(-x));
    case RnnActivationKind::kAffine:
      return alpha * x + beta;
    case RnnActivationKind::kLeakyRelu:
      return x >= 0 ? x : alpha * x;
    case RnnActivationKind::kThresholdedRelu:
      return x > alpha ? x : 0;
    case RnnActivationKind::kScaledTanh:
      return alpha * std::tanh(beta * x);
    case RnnActivationKind::kHardSigmoid:
      return std::clamp(alpha * x + beta, 0.0, 1.0);
    case RnnActivationKind::kElu:
      return x >= 0 ? x : alpha * (std::exp(x) - 1);
    case RnnActivationKind::kSoftsign:
      return x / (1 + std::abs(x));
    case RnnActivationKind::kSoftplus:
      return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));  // no overflow
  }
  return x;
}

// out[k] += Σj m[k · cols + j] · v[j] for k in [0, rows).
template <typename T, typename V>
void add_matvec(const T* m, int64_t rows, int64_t cols, const V* v, double* out) {
  for (int64_t k = 0; k < rows; ++k) {
    double sum = 0;
    for (int64_t j = 0; j < cols; ++j)
      sum += static_cast<double>(m[k * cols + j]) * static_cast<double>(v[j]);
    out[k] += sum;
  }
}

// One direction's operands (nullptr where absent), offset to that direction.
template <typename T>
struct Direction {
  const T* w = nullptr;                // [gates * hidden, input]
  const T* r = nullptr;                // [gates * hidden, hidden]
  const T* wb = nullptr;               // [gates * hidden]
  const T* rb = nullptr;               // [gates * hidden]
  const T* p = nullptr;                // [3 * hidden]: peepholes i, o, f
  const RnnActivation* act = nullptr;  // spec.functions() of them
};

class RnnKernel final : public Kernel {
 public:
  RnnKernel(RnnSpec spec, std::string where, std::string origin)
      : s_(std::move(spec)),
        where_(std::move(where)),
        origin_(std::move(origin)),
        xw_(static_cast<size_t>(s_.gates * s_.hidden)),
        hr_(xw_.size()),
        h_(static_cast<size_t>(s_.hidden)),
        c_(h_.size()),
        gated_(h_.size()),
        rh_(h_.size()) {}

  Status run(std::span<const TensorView> in, std::span<const TensorView> out) override {
    OUTPOST_RETURN_IF_ERROR(check_lengths(in));
    if (in[kRnnX].dtype == DType::kFloat64)
      run_typed<double>(in, out);
    else
      run_typed<float>(in, out);
    return Status::ok();
  }

 private:
  static const TensorView* optional(std::span<const TensorView> views, size_t i) {
    return i < views.size() && views[i].data != nullptr ? &views[i] : nullptr;
  }

  // sequence_lens is data, read at run time: an entry outside [0, seq_length] would index
  // past x and y, so it fails the run instead.
  Status check_lengths(std::span<const TensorView> in) const {
    const TensorView* lens = optional(in, kRnnSequenceLens);
    if (lens == nullptr) return Status::ok();
    for (int64_t b = 0; b < s_.batch; ++b) {
      const int32_t len = lens->as<const int32_t>()[b];
      if (len < 0 || len > s_.seq_length)
        return shape_mismatch(where_ + ": sequence_lens[" + std::to_string(b) + "] is " +
                              std::to_string(len) + ", outside [0, " +
                              std::to_string(s_.seq_length) + "] (the sequence length of X)" +
                              (origin_.empty() ? "" : " [" + origin_ + "]"));
    }
    return Status::ok();
  }

  int64_t length(std::span<const TensorView> in, int64_t b) const {
    const TensorView* lens = optional(in, kRnnSequenceLens);
    return lens ? lens->as<const int32_t>()[b] : s_.seq_length;
  }

  // Element offsets of x's row (t, b), y's row (t, d, b) and a state's row (d, b).
  int64_t x_row(int64_t t, int64_t b) const {
    return (s_.batch_first ? b * s_.seq_length + t : t * s_.batch + b) * s_.input_size;
  }
  int64_t y_row(int64_t t, int64_t d, int64_t b) const {
    return (s_.batch_first ? (b * s_.seq_length + t) * s_.directions + d
                           : (t * s_.directions + d) * s_.batch + b) *
           s_.hidden;
  }
  int64_t state_row(int64_t d, int64_t b) const {
    return (s_.batch_first ? b * s_.directions + d : d * s_.batch + b) * s_.hidden;
  }

  double clipped(double x) const {
    return s_.clip > 0 ? std::clamp<double>(x, -s_.clip, s_.clip) : x;
  }
  double apply(const RnnActivation& a, double x) const { return activate(a, clipped(x)); }

  template <typename T>
  Direction<T> direction(std::span<const TensorView> in, int64_t d) const {
    const int64_t rows = s_.gates * s_.hidden;
    Direction<T> dir;
    dir.w = in[kRnnW].as<const T>() + d * rows * s_.input_size;
    dir.r = in[kRnnR].as<const T>() + d * rows * s_.hidden;
    if (const TensorView* b = optional(in, kRnnB)) {
      dir.wb = b->as<const T>() + d * 2 * rows;
      dir.rb = dir.wb + rows;
    }
    if (const TensorView* p = optional(in, kRnnP)) dir.p = p->as<const T>() + d * 3 * s_.hidden;
    dir.act = &s_.activations[static_cast<size_t>(d * s_.functions())];
    return dir;
  }

  template <typename T>
  void run_typed(std::span<const TensorView> in, std::span<const TensorView> out) {
    const TensorView* y = optional(out, kRnnY);
    for (int64_t d = 0; d < s_.directions; ++d) {
      const Direction<T> dir = direction<T>(in, d);
      for (int64_t b = 0; b < s_.batch; ++b) {
        const int64_t len = length(in, b);
        load_state<T>(optional(in, kRnnInitialH), d, b, h_);
        load_state<T>(optional(in, kRnnInitialC), d, b, c_);
        for (int64_t step = 0; step < len; ++step) {
          const int64_t t = s_.backward(d) ? len - 1 - step : step;
          cell_step(dir, in[kRnnX].as<const T>() + x_row(t, b));
          if (y) std::copy(h_.begin(), h_.end(), y->as<T>() + y_row(t, d, b));
        }
        for (int64_t t = len; y && t < s_.seq_length; ++t)
          std::fill_n(y->as<T>() + y_row(t, d, b), s_.hidden, T(0));
        if (len == 0) {
          std::fill(h_.begin(), h_.end(), 0.0);
          std::fill(c_.begin(), c_.end(), 0.0);
        }
        store_state<T>(optional(out, kRnnYH), d, b, h_);
        store_state<T>(optional(out, kRnnYC), d, b, c_);
      }
    }
  }

  template <typename T>
  void load_state(const TensorView* from, int64_t d, int64_t b, std::vector<double>& to) const {
    if (from == nullptr) {
      std::fill(to.begin(), to.end(), 0.0);
      return;
    }
    const T* row = from->as<const T>() + state_row(d, b);
    std::copy(row, row + s_.hidden, to.begin());
  }

  template <typename T>
  void store_state(const TensorView* to, int64_t d, int64_t b,
                   const std::vector<double>& from) const {
    if (to == nullptr) return;
    T* row = to->as<T>() + state_row(d, b);
    for (int64_t j = 0; j < s_.hidden; ++j) row[j] = static_cast<T>(from[static_cast<size_t>(j)]);
  }

  // xw_ = x·Wᵀ + Wb and hr_ = h·Rᵀ + Rb, for every gate row; then the cell's update of h_ (and c_).
  template <typename T>
  void cell_step(const Direction<T>& dir, const T* x) {
    const int64_t rows = s_.gates * s_.hidden;
    for (int64_t k = 0; k < rows; ++k) {
      xw_[static_cast<size_t>(k)] = dir.wb ? static_cast<double>(dir.wb[k]) : 0.0;
      hr_[static_cast<size_t>(k)] = dir.rb ? static_cast<double>(dir.rb[k]) : 0.0;
    }
    add_matvec(dir.w, rows, s_.input_size, x, xw_.data());
    add_matvec(dir.r, rows, s_.hidden, h_.data(), hr_.data());
    if (s_.cell == RnnCell::kRnn)
      rnn_update(dir);
    else if (s_.cell == RnnCell::kGru)
      gru_update(dir);
    else
      lstm_update(dir);
  }

  // Ht = f(Xt·Wiᵀ + Ht-1·Riᵀ + Wbi + Rbi)
  template <typename T>
  void rnn_update(const Direction<T>& dir) {
    for (size_t j = 0; j < h_.size(); ++j) h_[j] = apply(dir.act[0], xw_[j] + hr_[j]);
  }

  // Gate rows z, r, h. zt = f(..z), rt = f(..r); the candidate is g(Xt·Whᵀ + Wbh + (rt ⊙ Ht-1)·Rhᵀ
  // + Rbh), or with linear_before_reset g(Xt·Whᵀ + Wbh + rt ⊙ (Ht-1·Rhᵀ + Rbh));
  // Ht = (1 - zt) ⊙ candidate + zt ⊙ Ht-1.
  template <typename T>
  void gru_update(const Direction<T>& dir) {
    const size_t hidden = h_.size();
    double* z = xw_.data();  // the gate values replace their pre-activations
    double* r = z + hidden;
    for (size_t j = 0; j < 2 * hidden; ++j) z[j] = apply(dir.act[0], z[j] + hr_[j]);
    const double* linear = hr_.data() + 2 * hidden;  // Ht-1·Rhᵀ + Rbh
    if (!s_.linear_before_reset) {
      for (size_t j = 0; j < hidden; ++j) {
        gated_[j] = r[j] * h_[j];
        rh_[j] = dir.rb ? static_cast<double>(dir.rb[2 * hidden + j]) : 0.0;
      }
      add_matvec(dir.r + 2 * hidden * hidden, s_.hidden, s_.hidden, gated_.data(), rh_.data());
      linear = rh_.data();
    }
    for (size_t j = 0; j < hidden; ++j) {
      const double reset = s_.linear_before_reset ? r[j] * linear[j] : linear[j];
      const double candidate = apply(dir.act[1], xw_[2 * hidden + j] + reset);
      h_[j] = (1 - z[j]) * candidate + z[j] * h_[j];
    }
  }

  // Gate rows i, o, f, c; peepholes i, o, f.
  //   it = f(..i + Pi ⊙ Ct-1), ft = f(..f + Pf ⊙ Ct-1) (1 - it with input_forget), ct = g(..c),
  //   Ct = ft ⊙ Ct-1 + it ⊙ ct (clamped by cell_clip), ot = f(..o + Po ⊙ Ct), Ht = ot ⊙ h(Ct).
  template <typename T>
  void lstm_update(const Direction<T>& dir) {
    const size_t hidden = h_.size();
    for (size_t j = 0; j < hidden; ++j) {
      const auto pre = [&](size_t gate) { return xw_[gate * hidden + j] + hr_[gate * hidden + j]; };
      const auto peep = [&](size_t k) {
        return dir.p ? static_cast<double>(dir.p[k * hidden + j]) : 0.0;
      };
      const double i = apply(dir.act[0], pre(0) + peep(0) * c_[j]);
      const double f = s_.input_forget ? 1 - i : apply(dir.act[0], pre(2) + peep(2) * c_[j]);
      const double candidate = apply(dir.act[1], pre(3));
      c_[j] = f * c_[j] + i * candidate;
      if (s_.cell_clip > 0) c_[j] = std::clamp<double>(c_[j], -s_.cell_clip, s_.cell_clip);
      const double o = apply(dir.act[0], pre(1) + peep(1) * c_[j]);
      h_[j] = o * apply(dir.act[2], c_[j]);
    }
  }

  RnnSpec s_;
  std::string where_, origin_;  // the node, for messages
  // Scratch made at creation, so that run() allocates nothing: the gates' pre-activations, the
  // state, and a GRU's rt ⊙ Ht-1 and its product with Rh.
  std::vector<double> xw_, hr_, h_, c_, gated_, rh_;
};

}  // namespace

Result<std::unique_ptr<Kernel>> make_onnx_rnn(const Node& node, const Graph& graph) {
  OUTPOST_ASSIGN_OR_RETURN(RnnSpec spec, onnx_rnn_spec(graph, node));
  return std::unique_ptr<Kernel>(std::make_unique<RnnKernel>(
      std::move(spec), graph.source + ": " + node.describe(), node.origin));
}

}  // namespace outpost
