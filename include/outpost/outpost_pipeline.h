/* Outpost's C API for pipelines (docs/c-api.md, "Pipelines"; docs/pipelines.md): run a
 * pipeline file (a source of frames, a model and its task, sinks) and receive each frame's
 * event as it happens. In a library built with vision and bundles (the defaults); the
 * conventions are those of outpost/outpost.h. */
#ifndef OUTPOST_OUTPOST_PIPELINE_H_
#define OUTPOST_OUTPOST_PIPELINE_H_

#include "outpost/outpost.h"
#include "outpost/outpost_bundle.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Called on the pipeline's sink thread for every frame, in frame order, with the frame's event
 * as one line of JSON (the same object a "jsonl" sink writes: {"frame": 0, "source": ...,
 * "faces": [...]}; a frame the source could not read has "error"). The text lives for the
 * call. Return 0 to go on; anything else ends the run early, as SIGINT ends `outpost pipeline
 * run`: no new frame is read, and the frames already read still go through every stage (their
 * events still come). */
typedef int (*outpost_event_callback)(const char* event_json, void* user_data);

typedef struct outpost_pipeline_stats {
  int64_t frames;   /* frames that went through every stage */
  int64_t dropped;  /* live sources: frames dropped because the model fell behind */
  int64_t failed;   /* frames the source could not read (each an event with "error") */
  int stopped;      /* ended early by the callback */
  double seconds;   /* wall time of the run */
} outpost_pipeline_stats;

/* Runs the pipeline file at `path` to the end of its source (or its max_frames, or until the
 * callback asks to stop). Its model loads under `policy` (NULL: no trust directory) with
 * `options` (NULL: the defaults; threads and backend). `on_event` (may be NULL) gets every
 * event; the file's own sinks write too. `stats` (may be NULL) is filled when the run
 * happened, even if it then fails. Errors: a malformed file OUTPOST_USAGE naming the field, a
 * missing source OUTPOST_IO_ERROR, a model that does not fit its task OUTPOST_SHAPE_MISMATCH;
 * frames that could not be read end a run that went on past them with the first one's code. */
outpost_status* outpost_pipeline_run(const char* path, const outpost_trust_policy* policy,
                                     const outpost_session_options* options,
                                     outpost_event_callback on_event, void* user_data,
                                     outpost_pipeline_stats* stats);

#ifdef __cplusplus
}
#endif

#endif /* OUTPOST_OUTPOST_PIPELINE_H_ */
