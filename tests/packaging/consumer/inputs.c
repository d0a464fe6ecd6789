/* Opens the model named on the command line with the C API of an installed liboutpost and
 * prints its inputs: "inputs: N", then "input I: 'NAME' DTYPE [D0, D1, ...]" for each.
 * The same lines as inputs.cc, which uses the C++ API. */
#include <outpost/outpost.h>

#include <stdio.h>

int main(int argc, char** argv) {
  outpost_session* session = NULL;
  outpost_status* status;
  size_t i, d;
  if (argc != 2) {
    fprintf(stderr, "usage: %s MODEL\n", argv[0]);
    return 2;
  }
  status = outpost_session_open(argv[1], NULL, &session);
  if (status) {
    const int code = (int)outpost_status_code_of(status);
    fprintf(stderr, "%s: %s\n", argv[1], outpost_status_message(status));
    outpost_status_free(status);
    return code;
  }
  printf("liboutpost %s\n", outpost_version());
  printf("inputs: %zu\n", outpost_session_input_count(session));
  for (i = 0; i < outpost_session_input_count(session); ++i) {
    const outpost_tensor* t = outpost_session_input(session, i);
    printf("input %zu: '%s' %s [", i, outpost_tensor_name(t),
           outpost_dtype_name(outpost_tensor_dtype(t)));
    for (d = 0; d < outpost_tensor_rank(t); ++d)
      printf("%s%lld", d ? ", " : "", (long long)outpost_tensor_dim(t, d));
    printf("]\n");
  }
  outpost_session_free(session);
  return 0;
}
