// Opens the model named on the command line with the C++ API of an installed liboutpost and
// prints its inputs: "inputs: N", then "input I: 'NAME' DTYPE [D0, D1, ...]" for each.
// The same lines as inputs.c, which uses the C API.
#include <outpost/session.h>

#include <cstdio>

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s MODEL\n", argv[0]);
    return 2;
  }
  auto session = outpost::Session::open(argv[1]);
  if (!session.is_ok()) {
    std::fprintf(stderr, "%s: %s\n", argv[1], session.status().message().c_str());
    return session.status().exit_code();
  }
  std::printf("inputs: %zu\n", (*session)->num_inputs());
  for (size_t i = 0; i < (*session)->num_inputs(); ++i) {
    const outpost::Tensor& t = (*session)->input(i);
    std::printf("input %zu: '%s' %s %s\n", i, t.name.c_str(), outpost::dtype_name(t.dtype()),
                t.shape().to_string().c_str());
  }
  return 0;
}
