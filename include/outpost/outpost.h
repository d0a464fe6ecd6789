/* Outpost's C API: run TFLite and ONNX models from C (and from any language with a C FFI).
 *
 * It wraps the C++ API (outpost/session.h), which stays primary: the same models, options,
 * backends and errors. Handles are opaque; no C++ type crosses this header. Every function
 * that can fail returns an outpost_status*: NULL on success, otherwise an error the caller
 * reads (outpost_status_code, outpost_status_message) and frees (outpost_status_free). The
 * codes are the CLI's exit codes (docs/cli.md).
 *
 *   outpost_session* s = NULL;
 *   outpost_status* st = outpost_session_open("model.tflite", NULL, &s);
 *   if (st) { fprintf(stderr, "%s\n", outpost_status_message(st)); outpost_status_free(st); }
 *   memcpy(outpost_tensor_mutable_data(outpost_session_input(s, 0)), pixels, n);
 *   st = outpost_session_run(s);
 *   const float* scores = outpost_tensor_data(outpost_session_output(s, 0));
 *   outpost_session_free(s);
 *
 * A session is used from one thread at a time; different sessions from different threads.
 * Strings returned are owned by the object they came from and live as long as it does.
 * docs/c-api.md has the reference and a complete example (examples/c/run_model.c).
 */
#ifndef OUTPOST_OUTPOST_H_
#define OUTPOST_OUTPOST_H_

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Incremented when a function is added; a function's meaning never changes. */
#define OUTPOST_C_API_VERSION 1

typedef enum outpost_status_code {
  OUTPOST_OK = 0,
  OUTPOST_INTERNAL = 1,
  OUTPOST_USAGE = 2,           /* a bad argument: a NULL handle, an index out of range, ... */
  OUTPOST_IO_ERROR = 3,        /* a file missing or unreadable */
  OUTPOST_INVALID_MODEL = 4,   /* a model invalid, truncated or corrupt */
  OUTPOST_UNSUPPORTED = 5,     /* an op or dtype Outpost does not run */
  OUTPOST_SHAPE_MISMATCH = 6,  /* a shape, size or type that does not fit */
  OUTPOST_UNTRUSTED = 7,
  OUTPOST_BAD_SIGNATURE = 8,
  OUTPOST_DECRYPT_FAILED = 9,
  OUTPOST_GOLDEN_MISMATCH = 10,
  OUTPOST_TOO_NEW = 11,
  OUTPOST_NETWORK = 12,
  OUTPOST_TOO_OLD = 13,
  OUTPOST_ROLLOUT_ABORTED = 14
} outpost_status_code;

/* Element types, numbered as in the C++ API (outpost/dtype.h). */
typedef enum outpost_dtype {
  OUTPOST_FLOAT32 = 0,
  OUTPOST_FLOAT16 = 1,
  OUTPOST_INT32 = 2,
  OUTPOST_INT64 = 3,
  OUTPOST_UINT8 = 4,
  OUTPOST_INT8 = 5,
  OUTPOST_INT16 = 6,
  OUTPOST_BOOL = 7,
  OUTPOST_FLOAT64 = 8,
  OUTPOST_UINT16 = 9,
  OUTPOST_UINT32 = 10,
  OUTPOST_UINT64 = 11,
  OUTPOST_BFLOAT16 = 12
} outpost_dtype;

typedef struct outpost_status outpost_status;
typedef struct outpost_session_options outpost_session_options;
typedef struct outpost_session outpost_session;
typedef struct outpost_tensor outpost_tensor;  /* a view into a session: never freed */
typedef struct outpost_profile outpost_profile;

/* "0.1.0": the library's version, as `outpost --version` prints it. */
const char* outpost_version(void);

/* --- Errors ---------------------------------------------------------------------------- */
outpost_status_code outpost_status_code_of(const outpost_status* status); /* OUTPOST_OK for NULL */
const char* outpost_status_message(const outpost_status* status);        /* "" for NULL */
/* "invalid_model": the code's stable name, as the CLI's --json errors give it. */
const char* outpost_status_code_name(outpost_status_code code);
void outpost_status_free(outpost_status* status); /* NULL is fine */

/* --- Options --------------------------------------------------------------------------- */
outpost_session_options* outpost_session_options_create(void); /* NULL when out of memory */
void outpost_session_options_free(outpost_session_options* options);
/* Compute threads, the caller's included: 0 (the default) for every core this process may
 * use, 1 for the caller's alone. */
outpost_status* outpost_session_options_set_threads(outpost_session_options* options, int threads);
/* "auto" (the default), "xnnpack", "onednn" or "ref" (those built in: `outpost --version`). */
outpost_status* outpost_session_options_set_backend(outpost_session_options* options,
                                                    const char* backend);
/* The shape of an input whose dimensions the model lets vary, bound at open. */
outpost_status* outpost_session_options_set_input_shape(outpost_session_options* options,
                                                        const char* input_name,
                                                        const int64_t* dims, size_t rank);
/* Refuse a model whose activation arena needs more (0, the default: no limit). */
outpost_status* outpost_session_options_set_max_arena_bytes(outpost_session_options* options,
                                                            size_t bytes);
/* A TFLite model's signature to run, by key (default: its first). */
outpost_status* outpost_session_options_set_signature(outpost_session_options* options,
                                                      const char* key);

/* --- Sessions -------------------------------------------------------------------------- */
/* Loads, checks and plans a .tflite or .onnx model. `options` may be NULL (the defaults) and
 * may be freed after the call. On failure *session is NULL. */
outpost_status* outpost_session_open(const char* path, const outpost_session_options* options,
                                     outpost_session** session);
/* The same from `size` bytes in memory, which are copied: the caller may free them at once.
 * `name` (may be NULL) names the model in messages. */
outpost_status* outpost_session_open_buffer(const void* data, size_t size, const char* name,
                                            const outpost_session_options* options,
                                            outpost_session** session);
void outpost_session_free(outpost_session* session); /* NULL is fine */

size_t outpost_session_input_count(const outpost_session* session);
size_t outpost_session_output_count(const outpost_session* session);
/* The index of the input (output) called `name`, or -1. */
int64_t outpost_session_input_index(const outpost_session* session, const char* name);
int64_t outpost_session_output_index(const outpost_session* session, const char* name);
/* Input i, to write before a run (NULL when i is out of range). The view, and its data
 * pointer, hold until the next resize or run of the session: ask again after those. */
outpost_tensor* outpost_session_input(outpost_session* session, size_t i);
/* Output i, to read after a run (NULL when i is out of range). The view holds until the next
 * resize or run: a model whose data decide its output sizes may give it another shape and
 * storage on each run, so ask again after every run. */
const outpost_tensor* outpost_session_output(const outpost_session* session, size_t i);

/* Copies `size` bytes into input i: OUTPOST_SHAPE_MISMATCH unless they are exactly its size. */
outpost_status* outpost_session_set_input(outpost_session* session, size_t i, const void* data,
                                          size_t size);
/* Gives input i another shape where the model lets it vary (TFLite's ResizeInputTensor). */
outpost_status* outpost_session_resize_input(outpost_session* session, size_t i,
                                             const int64_t* dims, size_t rank);
outpost_status* outpost_session_run(outpost_session* session);
/* Sets a stateful model (TFLite's variable tensors) back to its start. */
void outpost_session_reset_state(outpost_session* session);

/* Runs `runs` times timing every node: where an inference's time goes, per op and backend,
 * slowest first (`outpost bench --profile`). Free the result with outpost_profile_free. */
outpost_status* outpost_session_profile(outpost_session* session, int runs,
                                        outpost_profile** profile);
size_t outpost_profile_count(const outpost_profile* profile);
const char* outpost_profile_op(const outpost_profile* profile, size_t i);      /* "Conv2D" */
const char* outpost_profile_backend(const outpost_profile* profile, size_t i); /* "xnnpack" */
int outpost_profile_nodes(const outpost_profile* profile, size_t i);
double outpost_profile_ms(const outpost_profile* profile, size_t i); /* per inference */
void outpost_profile_free(outpost_profile* profile);

/* --- Tensors (views into a session) ------------------------------------------------------ */
const char* outpost_tensor_name(const outpost_tensor* tensor);
outpost_dtype outpost_tensor_dtype(const outpost_tensor* tensor);
const char* outpost_dtype_name(outpost_dtype dtype); /* "float32", "uint8", ... */
size_t outpost_tensor_rank(const outpost_tensor* tensor);
/* Dimension d (-1 where not known yet); 0 when d is out of range. */
int64_t outpost_tensor_dim(const outpost_tensor* tensor, size_t d);
size_t outpost_tensor_byte_size(const outpost_tensor* tensor);
const void* outpost_tensor_data(const outpost_tensor* tensor); /* NULL while it has none */
void* outpost_tensor_mutable_data(outpost_tensor* tensor);
/* Affine quantization, real = scale * (q - zero_point): 0 parameters for a float tensor, 1 per
 * tensor, one per channel along the axis otherwise. */
size_t outpost_tensor_quant_count(const outpost_tensor* tensor);
const float* outpost_tensor_quant_scales(const outpost_tensor* tensor);
const int64_t* outpost_tensor_quant_zero_points(const outpost_tensor* tensor);
int outpost_tensor_quant_axis(const outpost_tensor* tensor);

#ifdef __cplusplus
}
#endif

#endif /* OUTPOST_OUTPOST_H_ */
