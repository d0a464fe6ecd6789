// The machine's single-core fp32 peak, measured: independent chains of fused multiply-adds on
// the widest vectors the CPU has (AVX-512, else AVX2+FMA, else scalar), enough chains to hide
// the FMA latency. bench/compare-peers divides each model's achieved GFLOP/s by this.
//   fma_peak [SECONDS]   prints {"gflops": G, "isa": "avx512f"|"avx2"|"scalar"}
#include <chrono>
#include <cstdio>
#include <cstdlib>

namespace {

constexpr int kChains = 12;  // > FMA latency (4) x ports (2), so the ports never wait

template <typename V>
__attribute__((always_inline)) inline double run_chains(long iterations, float seed) {
  V acc[kChains];
  V mul, add;
  for (int i = 0; i < kChains; ++i) acc[i] = V{} + seed * (i + 1);
  mul = V{} + 0.999999f;
  add = V{} + 1e-7f;
  for (long n = 0; n < iterations; ++n) {
#pragma GCC unroll 16  // keeps every chain in a register
    for (int i = 0; i < kChains; ++i) acc[i] = acc[i] * mul + add;  // contracted to FMA
  }
  double sum = 0;
  for (int i = 0; i < kChains; ++i)
    for (unsigned k = 0; k < sizeof(V) / sizeof(float); ++k) sum += acc[i][k];
  return sum;
}

typedef float v16 __attribute__((vector_size(64)));
typedef float v8 __attribute__((vector_size(32)));
typedef float v1 __attribute__((vector_size(4)));

__attribute__((target("avx512f,fma"))) double chains_avx512(long n, float s) { return run_chains<v16>(n, s); }
__attribute__((target("avx2,fma"))) double chains_avx2(long n, float s) { return run_chains<v8>(n, s); }
double chains_scalar(long n, float s) { return run_chains<v1>(n, s); }

double seconds() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  const double budget = argc > 1 ? std::atof(argv[1]) : 1.0;
  __builtin_cpu_init();
  const char* isa = "scalar";
  int lanes = 1;
  double (*chains)(long, float) = chains_scalar;
  if (__builtin_cpu_supports("avx512f")) {
    isa = "avx512f", lanes = 16, chains = chains_avx512;
  } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
    isa = "avx2", lanes = 8, chains = chains_avx2;
  }
  // Best of several timed slices: the peak, not the average of a noisy shared machine.
  double best = 0, sink = 0;
  const long iterations = 20'000'000;
  for (double start = seconds(); seconds() - start < budget;) {
    const double t = seconds();
    sink += chains(iterations, static_cast<float>(sink > 1e30 ? 0 : 1e-3));
    const double flops = 2.0 * kChains * lanes * static_cast<double>(iterations);
    const double g = flops / (seconds() - t) / 1e9;
    if (g > best) best = g;
  }
  std::printf("{\"gflops\": %.1f, \"isa\": \"%s\", \"check\": %g}\n", best, isa, sink);
  return 0;
}
