// Memory and time of a session whose input alternates between two shapes: the measurement
// behind "dynamic shapes keep memory bounded" (docs/cli.md, --input-shape).
//   outpost_resize_memory MODEL INPUT DIMS_A DIMS_B [RUNS]   (DIMS as 1x3x224x224; RUNS 1000)
// Prints, as JSON lines, the process's resident memory (VmRSS) and its peak (VmHWM) after the
// first alternation and every RUNS / 10 runs, then the median milliseconds of a run that changes
// the shape (imports and plans again) and of one that keeps it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "outpost/session.h"

namespace {

long status_kib(const std::string& field) {
  std::ifstream f("/proc/self/status");
  std::string line;
  while (std::getline(f, line))
    if (line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  return -1;
}

outpost::Shape dims(const std::string& text) {
  std::vector<int64_t> d;
  std::stringstream s(text);
  std::string part;
  while (std::getline(s, part, 'x')) d.push_back(std::stoll(part));
  return outpost::Shape(d);
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.empty() ? 0 : v[v.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    std::fprintf(stderr, "usage: outpost_resize_memory MODEL INPUT DIMS_A DIMS_B [RUNS]\n");
    return 2;
  }
  const int runs = argc > 5 ? std::atoi(argv[5]) : 1000;
  outpost::SessionOptions options;
  options.threads = 1;
  auto opened = outpost::Session::open(argv[1], options);
  if (!opened.is_ok()) {
    std::fprintf(stderr, "%s\n", opened.status().message().c_str());
    return 1;
  }
  outpost::Session& s = **opened;
  const int input = s.input_index(argv[2]);
  if (input < 0) {
    std::fprintf(stderr, "no input '%s'\n", argv[2]);
    return 2;
  }
  const outpost::Shape shapes[2] = {dims(argv[3]), dims(argv[4])};
  std::vector<double> changing, same;
  using Clock = std::chrono::steady_clock;
  for (int r = 0; r < runs; ++r) {
    const auto start = Clock::now();
    if (auto st = s.resize_input(static_cast<size_t>(input), shapes[r % 2]); !st.is_ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
    if (auto st = s.run(); !st.is_ok()) {
      std::fprintf(stderr, "%s\n", st.message().c_str());
      return 1;
    }
    changing.push_back(std::chrono::duration<double, std::milli>(Clock::now() - start).count());
    const auto again = Clock::now();
    (void)s.run();
    same.push_back(std::chrono::duration<double, std::milli>(Clock::now() - again).count());
    if (r == 1 || (r + 1) % std::max(1, runs / 10) == 0)
      std::printf("{\"runs\": %d, \"rss_kib\": %ld, \"peak_rss_kib\": %ld}\n", r + 1,
                  status_kib("VmRSS"), status_kib("VmHWM"));
  }
  std::printf("{\"resize_and_run_ms\": %.3f, \"run_ms\": %.3f}\n", median(changing), median(same));
  return 0;
}
