/*
 * emopiano.h - the stable C ABI of emopiano.
 *
 * Emotion-conditioned solo-piano MIDI generation behind plain C: opaque
 * handles, int status codes, fixed-width integers, versioned params structs.
 * Clean C99 and C++; meant to be bound directly from Python (ctypes), Rust and
 * C# (P/Invoke). docs/c-api.md describes every function.
 *
 * Conventions
 *  - Every function that can fail returns int: EMOPIANO_OK (0) or a negative
 *    emopiano_status. emopiano_last_error() then says why (per thread).
 *  - Out-parameters come first. On failure they are left untouched, except
 *    that *out handles and *out buffers are set to NULL.
 *  - Handles are created by *_new / *_create / *_load and released by the
 *    matching *_free; every *_free accepts NULL.
 *  - Buffers the library allocates (token arrays, MIDI bytes, JSON strings)
 *    are released with emopiano_free(), never with the caller's free().
 *  - Caller-owned string buffers: when too small the call returns
 *    EMOPIANO_ERROR_BUFFER_TOO_SMALL and stores the size needed (including the
 *    terminating NUL) in *out_size_needed.
 *  - Params structs start with uint32_t struct_size. Fill them with
 *    *_params_init(&p, sizeof p); fields are only ever appended, so a program
 *    built against an older header keeps working with a newer library.
 *
 * ABI rules (ABI v1, frozen for 64-bit platforms; docs/c-api.md)
 *  - No struct has unnamed padding: every hole is a named `reserved` field.
 *    Leave reserved fields 0 (the init functions do); this version ignores them.
 *  - Layouts are pinned by capi/abi/layout.def and the exported functions by
 *    capi/abi/symbols.txt; tests fail on any difference.
 *  - Fields are appended at the end of a struct, never inserted, moved or
 *    resized. The smallest struct_size accepted is each struct's ABI v1 size.
 *  - Every build exports every function. Without LibTorch the model, sampler,
 *    trainer, classifier and VAE functions fail with EMOPIANO_ERROR_UNSUPPORTED.
 *  - Callbacks take their user_data pointer last.
 *  - No exception and no abort crosses this boundary.
 */
#ifndef EMOPIANO_H
#define EMOPIANO_H

#include <stddef.h>
#include <stdint.h>

/* ---- version ------------------------------------------------------------ */

/* The version of this header. CMake checks these against project(VERSION). */
#define EMOPIANO_VERSION_MAJOR 0
#define EMOPIANO_VERSION_MINOR 1
#define EMOPIANO_VERSION_PATCH 0
#define EMOPIANO_VERSION_STRING "0.1.0"
#define EMOPIANO_VERSION_NUMBER \
  (EMOPIANO_VERSION_MAJOR * 10000 + EMOPIANO_VERSION_MINOR * 100 + EMOPIANO_VERSION_PATCH)
/* Bumped only when a binary built against an older header could break (a
 * removed or changed function or struct field). Equals the shared library's
 * SOVERSION: libemopiano.so.<EMOPIANO_ABI_VERSION>. */
#define EMOPIANO_ABI_VERSION 1

#if defined(_WIN32)
#  if defined(EMOPIANO_BUILDING_LIBRARY)
#    define EMOPIANO_API __declspec(dllexport)
#  else
#    define EMOPIANO_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__)
#  define EMOPIANO_API __attribute__((visibility("default")))
#else
#  define EMOPIANO_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/* ---- status and errors -------------------------------------------------- */

/* The values equal emopiano::ErrorCode in the C++ API. */
typedef enum emopiano_status {
  EMOPIANO_OK = 0,
  EMOPIANO_ERROR_INVALID_ARGUMENT = -1, /* NULL, out-of-range or malformed argument */
  EMOPIANO_ERROR_NOT_FOUND = -2,        /* file, token or name that does not exist */
  EMOPIANO_ERROR_IO = -3,               /* reading or writing a file failed */
  EMOPIANO_ERROR_FORMAT = -4,           /* corrupt MIDI, bad model file, malformed JSON */
  EMOPIANO_ERROR_BUFFER_TOO_SMALL = -5, /* caller buffer too small; size needed reported */
  EMOPIANO_ERROR_CANCELLED = -6,        /* a callback or cancel token stopped the work */
  EMOPIANO_ERROR_UNSUPPORTED = -7,      /* valid request this build cannot handle */
  EMOPIANO_ERROR_INTERNAL = -8,         /* a bug in emopiano or an unexpected failure */
  EMOPIANO_ERROR_OUT_OF_MEMORY = -9     /* an allocation failed */
} emopiano_status;

/* Message of the last failed call on the calling thread; "" when none failed
 * yet. Never NULL. Valid until the next failing call on this thread.
 * Successful calls leave it unchanged. */
EMOPIANO_API const char *emopiano_last_error(void);
/* Status of the last failed call on the calling thread; EMOPIANO_OK when none. */
EMOPIANO_API int emopiano_last_error_code(void);
/* Forgets the calling thread's last error. */
EMOPIANO_API void emopiano_clear_last_error(void);
/* Short lower-case name of a status ("format error"); never NULL. */
EMOPIANO_API const char *emopiano_status_name(int status);

/* Version of the library actually loaded (compare with the macros above). */
EMOPIANO_API const char *emopiano_version_string(void);
EMOPIANO_API uint32_t emopiano_version_number(void);
EMOPIANO_API uint32_t emopiano_abi_version(void);
/* 1 when this build has the model, sampler and trainer (LibTorch), else 0. */
EMOPIANO_API int32_t emopiano_has_model_support(void);

/* Releases a buffer returned by the library (tokens, bytes, strings). NULL is fine. */
EMOPIANO_API void emopiano_free(void *buffer);

/* ---- cancellation and progress ----------------------------------------- */

/* A flag another thread may set to stop long work (generation, training,
 * dataset loading). Thread-safe: cancel, reset and is_cancelled may be called
 * from any thread while the work runs. Free it only after the work returned. */
typedef struct emopiano_cancel_token emopiano_cancel_token;

EMOPIANO_API int emopiano_cancel_token_new(emopiano_cancel_token **out);
EMOPIANO_API int emopiano_cancel_token_cancel(emopiano_cancel_token *token);
EMOPIANO_API int emopiano_cancel_token_reset(emopiano_cancel_token *token);
/* *out_cancelled = 1 when cancelled, else 0. */
EMOPIANO_API int emopiano_cancel_token_is_cancelled(int32_t *out_cancelled,
                                                    const emopiano_cancel_token *token);
EMOPIANO_API void emopiano_cancel_token_free(emopiano_cancel_token *token);

/* What a progress callback is told. Valid only during the call. */
typedef struct emopiano_progress {
  uint32_t struct_size; /* sizeof the struct the library filled */
  uint32_t reserved;    /* 0; names the padding before the pointers */
  const char *stage;    /* "tokenize", "train", "validate", "generate", ... */
  int64_t done;         /* units finished so far */
  int64_t total;        /* units in all; 0 when unknown */
  double elapsed_seconds;
  const char *detail; /* free text for humans, e.g. "loss 2.31 tok/s 1450" */
} emopiano_progress;

/* Called on the working thread. Return nonzero to continue, 0 to cancel (the
 * call then fails with EMOPIANO_ERROR_CANCELLED). */
typedef int (*emopiano_progress_fn)(const emopiano_progress *progress, void *user_data);

/* ---- emotion ------------------------------------------------------------ */

/* EMOPIA quadrants of Russell's circumplex. 0 is deliberately not a quadrant,
 * so a zero-filled field is caught. (The C++ API numbers them 0..3, as array
 * indices like p[] below; docs/c-api.md has the mapping.) */
typedef enum emopiano_quadrant {
  EMOPIANO_Q1 = 1, /* happy: high valence, high arousal */
  EMOPIANO_Q2 = 2, /* tense: low valence, high arousal */
  EMOPIANO_Q3 = 3, /* sad: low valence, low arousal */
  EMOPIANO_Q4 = 4  /* calm: high valence, low arousal */
} emopiano_quadrant;

/* A probability vector over Q1..Q4 (p[0] is Q1). A plain value type. */
typedef struct emopiano_emotion {
  float p[4];
} emopiano_emotion;

/* "Q1".."Q4" and "happy", "tense", "sad", "calm" (static strings). Either out
 * pointer may be NULL. */
EMOPIANO_API int emopiano_quadrant_info(const char **out_name, const char **out_mood,
                                        int32_t quadrant);
/* Accepts "Q1".."Q4", "1".."4" and the mood words, case-insensitive. */
EMOPIANO_API int emopiano_quadrant_parse(int32_t *out_quadrant, const char *text);

EMOPIANO_API int emopiano_emotion_from_quadrant(emopiano_emotion *out, int32_t quadrant);
/* Weights must be finite and >= 0 with a positive sum; they are normalised. */
EMOPIANO_API int emopiano_emotion_from_weights(emopiano_emotion *out, const float weights[4]);
/* valence and arousal in [-1, 1]; bilinear: the corners are pure quadrants,
 * the origin is the uniform mix. */
EMOPIANO_API int emopiano_emotion_from_valence_arousal(emopiano_emotion *out, float valence,
                                                       float arousal);
/* Parses "Q2", "sad", "0.1,0.6,0.2,0.1" or "va:0.7,-0.3". */
EMOPIANO_API int emopiano_emotion_parse(emopiano_emotion *out, const char *text);
/* (1 - t) * a + t * b with t clamped to [0, 1]. */
EMOPIANO_API int emopiano_emotion_mix(emopiano_emotion *out, const emopiano_emotion *a,
                                      const emopiano_emotion *b, float t);
/* Expected valence and arousal in [-1, 1]; either out pointer may be NULL. */
EMOPIANO_API int emopiano_emotion_valence_arousal(float *out_valence, float *out_arousal,
                                                  const emopiano_emotion *emotion);
EMOPIANO_API int emopiano_emotion_dominant(int32_t *out_quadrant, const emopiano_emotion *emotion);
/* "Q1" for a pure quadrant, else "0.10,0.60,0.20,0.10" (caller's buffer). */
EMOPIANO_API int emopiano_emotion_to_string(char *buffer, size_t buffer_size,
                                            size_t *out_size_needed,
                                            const emopiano_emotion *emotion);

/* An emotion that changes over a piece: keyframes at bar numbers, linearly
 * interpolated, held before the first and after the last. */
typedef struct emopiano_trajectory emopiano_trajectory;

/* An empty trajectory; add keyframes with emopiano_trajectory_add. */
EMOPIANO_API int emopiano_trajectory_new(emopiano_trajectory **out);
/* Parses "Q3@0,Q3@8,Q1@16" (emotion@bar, comma separated). */
EMOPIANO_API int emopiano_trajectory_parse(emopiano_trajectory **out, const char *text);
/* bar finite and >= 0; keyframes are kept sorted by bar. */
EMOPIANO_API int emopiano_trajectory_add(emopiano_trajectory *trajectory, double bar,
                                         const emopiano_emotion *emotion);
EMOPIANO_API int emopiano_trajectory_keyframe_count(size_t *out_count,
                                                    const emopiano_trajectory *trajectory);
EMOPIANO_API int emopiano_trajectory_keyframe(double *out_bar, emopiano_emotion *out_emotion,
                                              const emopiano_trajectory *trajectory, size_t index);
/* The emotion at a (fractional) bar; fails on an empty trajectory. */
EMOPIANO_API int emopiano_trajectory_at(emopiano_emotion *out,
                                        const emopiano_trajectory *trajectory, double bar);
EMOPIANO_API void emopiano_trajectory_free(emopiano_trajectory *trajectory);

/* ---- MIDI --------------------------------------------------------------- */

/* One note. This layout is frozen (arrays of it cross the ABI). */
typedef struct emopiano_note {
  int32_t pitch;    /* MIDI key 0..127 */
  int32_t velocity; /* 1..127 */
  int32_t channel;  /* 0..15 */
  int32_t reserved; /* 0; keeps the 64-bit fields aligned */
  int64_t start_tick;
  int64_t end_tick;
  double start_seconds;
  double end_seconds;
} emopiano_note;

typedef struct emopiano_midi_read_params {
  uint32_t struct_size;
  int32_t apply_sustain_pedal; /* 1: lengthen notes by the sustain pedal (default 0) */
  int32_t exclude_drums;       /* 1: leave out channel 10 (default 1) */
} emopiano_midi_read_params;

EMOPIANO_API int emopiano_midi_read_params_init(emopiano_midi_read_params *params,
                                                uint32_t struct_size);

/* Checks that bytes are a well-formed Standard MIDI File (format 0 or 1).
 * EMOPIANO_ERROR_FORMAT with the reason otherwise. */
EMOPIANO_API int emopiano_midi_validate(const uint8_t *data, size_t size);
/* The notes of a MIDI file / MIDI bytes, sorted by (start, pitch); free the
 * array with emopiano_free. params may be NULL for the defaults. An empty
 * piece gives *out_notes == NULL and *out_count == 0. */
EMOPIANO_API int emopiano_midi_read_notes_file(emopiano_note **out_notes, size_t *out_count,
                                               const char *path,
                                               const emopiano_midi_read_params *params);
EMOPIANO_API int emopiano_midi_read_notes_bytes(emopiano_note **out_notes, size_t *out_count,
                                                const uint8_t *data, size_t size,
                                                const emopiano_midi_read_params *params);
/* Reads and rewrites a MIDI file as the library writes it (format 1,
 * conductor + piano track), e.g. to normalise or repair a messy file. */
EMOPIANO_API int emopiano_midi_normalize_bytes(uint8_t **out_bytes, size_t *out_size,
                                               const uint8_t *data, size_t size,
                                               const emopiano_midi_read_params *params);

/* ---- tokenizer ---------------------------------------------------------- */

typedef struct emopiano_tokenizer emopiano_tokenizer;

/* config_json: a TokenizerConfig JSON object ("{\"scheme\":\"remi\"}"); NULL
 * or "" for the defaults. Missing keys keep their defaults. */
EMOPIANO_API int emopiano_tokenizer_create(emopiano_tokenizer **out, const char *config_json);
EMOPIANO_API void emopiano_tokenizer_free(emopiano_tokenizer *tokenizer);
/* The full config as JSON; free with emopiano_free. */
EMOPIANO_API int emopiano_tokenizer_config_json(char **out_json,
                                                const emopiano_tokenizer *tokenizer);
EMOPIANO_API int emopiano_tokenizer_vocab_size(int32_t *out_size,
                                               const emopiano_tokenizer *tokenizer);

typedef enum emopiano_special_token {
  EMOPIANO_TOKEN_PAD = 0,
  EMOPIANO_TOKEN_BOS = 1,
  EMOPIANO_TOKEN_EOS = 2,
  EMOPIANO_TOKEN_EMOTION_Q1 = 3,
  EMOPIANO_TOKEN_EMOTION_Q2 = 4,
  EMOPIANO_TOKEN_EMOTION_Q3 = 5,
  EMOPIANO_TOKEN_EMOTION_Q4 = 6
} emopiano_special_token;

EMOPIANO_API int emopiano_tokenizer_special_id(int32_t *out_id, const emopiano_tokenizer *tokenizer,
                                               int32_t which);
/* "Bar", "Position_4", "Pitch_60", ...; "<invalid:N>" for an out-of-range id. */
EMOPIANO_API int emopiano_tokenizer_token_to_string(char *buffer, size_t buffer_size,
                                                    size_t *out_size_needed,
                                                    const emopiano_tokenizer *tokenizer,
                                                    int32_t id);
/* EMOPIANO_ERROR_NOT_FOUND for an unknown string. */
EMOPIANO_API int emopiano_tokenizer_token_from_string(int32_t *out_id,
                                                      const emopiano_tokenizer *tokenizer,
                                                      const char *text);

typedef struct emopiano_encode_params {
  uint32_t struct_size;
  int32_t quadrant;            /* EMOPIANO_Q1..Q4 adds an emotion token; 0 none (default) */
  int32_t apply_sustain_pedal; /* as in emopiano_midi_read_params (default 0) */
  int32_t exclude_drums;       /* default 1 */
} emopiano_encode_params;

EMOPIANO_API int emopiano_encode_params_init(emopiano_encode_params *params, uint32_t struct_size);

/* BOS, [emotion], the piece, EOS. The array is freed with emopiano_free.
 * params may be NULL for the defaults. */
EMOPIANO_API int emopiano_tokenizer_encode_file(int32_t **out_tokens, size_t *out_count,
                                                const emopiano_tokenizer *tokenizer,
                                                const char *midi_path,
                                                const emopiano_encode_params *params);
EMOPIANO_API int emopiano_tokenizer_encode_bytes(int32_t **out_tokens, size_t *out_count,
                                                 const emopiano_tokenizer *tokenizer,
                                                 const uint8_t *midi_data, size_t midi_size,
                                                 const emopiano_encode_params *params);
/* Decoding is total: ill-formed runs and out-of-range ids are skipped. The
 * file is written atomically. Bytes are freed with emopiano_free. */
EMOPIANO_API int emopiano_tokenizer_decode_to_file(const emopiano_tokenizer *tokenizer,
                                                   const int32_t *tokens, size_t count,
                                                   const char *midi_path);
EMOPIANO_API int emopiano_tokenizer_decode_to_bytes(uint8_t **out_bytes, size_t *out_size,
                                                    const emopiano_tokenizer *tokenizer,
                                                    const int32_t *tokens, size_t count);

/* ---- evaluation --------------------------------------------------------- */

/* Music metrics (notes, pitch range and entropy, polyphony, scale and groove
 * consistency, density, dynamics, key, tempo) of a MIDI file as a JSON
 * object; free with emopiano_free. params may be NULL for the defaults. */
EMOPIANO_API int emopiano_metrics_file_json(char **out_json, const char *midi_path,
                                            const emopiano_midi_read_params *params);
EMOPIANO_API int emopiano_metrics_bytes_json(char **out_json, const uint8_t *midi_data,
                                             size_t midi_size,
                                             const emopiano_midi_read_params *params);

/* ---- audio -------------------------------------------------------------- */

typedef struct emopiano_render_params {
  uint32_t struct_size;
  int32_t sample_rate;   /* 8000..192000 (default 44100) */
  double gain;           /* FluidSynth master gain (default 0.6) */
  double tail_seconds;   /* rendered after the last note (default 1.5) */
  int32_t program;       /* General MIDI program 0..127 (default 0, grand piano) */
  int32_t reserved;      /* 0; names the padding before soundfont */
  const char *soundfont; /* NULL: $EMOPIANO_SOUNDFONT, then the Debian GM SoundFont */
} emopiano_render_params;

EMOPIANO_API int emopiano_render_params_init(emopiano_render_params *params, uint32_t struct_size);
/* 1 when this build can render audio (FluidSynth), else 0. */
EMOPIANO_API int32_t emopiano_audio_available(void);
/* Renders MIDI to a 16-bit stereo WAV file, written atomically. params may
 * be NULL. EMOPIANO_ERROR_UNSUPPORTED without FluidSynth, NOT_FOUND without a
 * SoundFont. */
EMOPIANO_API int emopiano_render_wav_file(const char *midi_path, const char *wav_path,
                                          const emopiano_render_params *params);
EMOPIANO_API int emopiano_render_wav_bytes(const uint8_t *midi_data, size_t midi_size,
                                           const char *wav_path,
                                           const emopiano_render_params *params);

/* ---- model -------------------------------------------------------------- */

/* A trained (or freshly initialised) Transformer with its tokenizer. Read-only
 * once loaded: one model handle may serve any number of samplers on any
 * number of threads at once. The model, sampler and trainer functions work
 * only in builds with model support (emopiano_has_model_support() == 1; the
 * packaged library always has it); elsewhere they fail with
 * EMOPIANO_ERROR_UNSUPPORTED. */
typedef struct emopiano_model emopiano_model;

typedef enum emopiano_weight_storage {
  EMOPIANO_WEIGHTS_F32 = 0,
  EMOPIANO_WEIGHTS_F16 = 1,
  EMOPIANO_WEIGHTS_BF16 = 2
} emopiano_weight_storage;

EMOPIANO_API int emopiano_model_load(emopiano_model **out, const char *path);

/* How generation computes each new token after the prompt (LoadOptions in
 * the C++ API, docs/performance.md). */
typedef enum emopiano_precision {
  /* Packed bf16 weights and kernels chosen for the CPU at run time, sums in
   * float32: the default, within the quality guard of docs/performance.md. */
  EMOPIANO_PRECISION_BF16 = 0,
  /* Float32 through LibTorch: the tokens of earlier versions, bit for bit. */
  EMOPIANO_PRECISION_F32 = 1
} emopiano_precision;

/* How the bf16 step keeps the keys and values of past tokens. */
typedef enum emopiano_kv_cache {
  EMOPIANO_KV_CACHE_BF16 = 0, /* the default */
  /* One byte a value and a scale per row: half the bytes, faster at long
   * positions and with guidance; within the quality guard. */
  EMOPIANO_KV_CACHE_INT8 = 1
} emopiano_kv_cache;

/* As emopiano_model_load, choosing how generation computes: precision an
 * emopiano_precision, kv_cache an emopiano_kv_cache. EMOPIANO_KV_CACHE_INT8
 * needs EMOPIANO_PRECISION_BF16 (the f32 step keeps a float cache);
 * INVALID_ARGUMENT otherwise, or for a value outside the enums. */
EMOPIANO_API int emopiano_model_load_with_options(emopiano_model **out, const char *path,
                                                  int32_t precision, int32_t kv_cache);
/* How this model generates: an emopiano_precision and an emopiano_kv_cache
 * (either out-parameter may be NULL). A model from emopiano_model_load or
 * emopiano_model_create has the defaults. */
EMOPIANO_API int emopiano_model_load_options(int32_t *out_precision, int32_t *out_kv_cache,
                                             const emopiano_model *model);
/* An untrained model: model_config_json is a ModelConfig JSON object
 * (n_layers, d_model, n_heads, n_kv_heads, d_ff, context_length,
 * attention_window, dropout, max_bars) and tokenizer_config_json a
 * TokenizerConfig; NULL or "" for the defaults. seed makes the weights
 * reproducible. */
EMOPIANO_API int emopiano_model_create(emopiano_model **out, const char *model_config_json,
                                       const char *tokenizer_config_json, uint64_t seed);
/* Written atomically. storage: an emopiano_weight_storage. */
EMOPIANO_API int emopiano_model_save(const emopiano_model *model, const char *path,
                                     int32_t storage);
EMOPIANO_API void emopiano_model_free(emopiano_model *model);
/* JSON strings, freed with emopiano_free. */
EMOPIANO_API int emopiano_model_config_json(char **out_json, const emopiano_model *model);
EMOPIANO_API int emopiano_model_metadata_json(char **out_json, const emopiano_model *model);
EMOPIANO_API int emopiano_model_vocab_size(int32_t *out_size, const emopiano_model *model);
EMOPIANO_API int emopiano_model_parameter_count(int64_t *out_count, const emopiano_model *model);
/* A new tokenizer handle with the model's vocabulary (free it separately). */
EMOPIANO_API int emopiano_model_tokenizer(emopiano_tokenizer **out, const emopiano_model *model);
/* Path of the model that ships with emopiano ($EMOPIANO_MODEL first); free
 * with emopiano_free. EMOPIANO_ERROR_NOT_FOUND lists the places searched. */
EMOPIANO_API int emopiano_bundled_model_path(char **out_path);

/* ---- sampler ------------------------------------------------------------ */

/* Generates pieces from a model. A sampler is used by one thread at a time;
 * make one per thread from a shared model. Results depend only on the model,
 * the params and the seed: not on the thread or on other samplers. */
typedef struct emopiano_sampler emopiano_sampler;
/* One generated piece: tokens, MIDI and statistics. Read-only; shareable. */
typedef struct emopiano_generation emopiano_generation;

/* Called for each note as soon as its last token is sampled (first for every
 * note of the primer), with the index of the piece in a batch (0 for one
 * piece). On the generating thread; the note is valid during the call. */
typedef void (*emopiano_note_fn)(const emopiano_note *note, int32_t piece, void *user_data);

typedef struct emopiano_generate_params {
  uint32_t struct_size;
  /* Sampling. */
  float temperature;         /* softmax temperature; 0 = greedy (default 1) */
  int32_t top_k;             /* keep the k most likely tokens; 0 = off (default 0) */
  float top_p;               /* nucleus; 1 = off (default 0.95) */
  uint64_t seed;             /* default 0; piece i of a batch uses seed + i */
  int32_t max_tokens;        /* tokens to generate after the prompt (default 4096) */
  int32_t max_bars;          /* new bars to generate; 0 = no limit (default 0) */
  int32_t stop_at_eos;       /* 0/1: end at the end-of-sequence token (default 1) */
  int32_t constrain_grammar; /* 0/1: sample only well-formed sequences (default 1) */
  /* Emotion: set at most one of quadrant, emotion and trajectory; none is Q1.
   * The pointers are read during the call only. */
  int32_t quadrant;                      /* EMOPIANO_Q1..Q4, or 0 (default) */
  int32_t reserved;                      /* 0; names the padding before the pointers */
  const emopiano_emotion *emotion;       /* a mix or valence/arousal point */
  const emopiano_trajectory *trajectory; /* emotion changing bar by bar */
  /* Primer: a MIDI file or MIDI bytes to continue (at most one). */
  const char *primer_path;
  const uint8_t *primer_data;
  size_t primer_size;
  /* Callbacks and cancellation (NULL for none). */
  emopiano_note_fn on_note;
  void *note_user_data;
  emopiano_progress_fn progress; /* stage "generate", after every step */
  void *progress_user_data;
  emopiano_cancel_token *cancel;
  /* Appended in 0.2 (older callers' smaller structs get the defaults). */
  /* Classifier-free guidance weight: the model runs with the emotion and with
   * the null emotion in one batched step and samples from
   * uncond + guidance * (cond - uncond); 1 = the conditional model alone,
   * > 1 = the emotion more strongly heard; < 0 = the model's default (-1). */
  float guidance;
  int32_t reserved_guidance; /* 0 */
  /* The key, e.g. "A minor", "Eb major", "F#m", for models with key tokens;
   * NULL (default) draws it from the emotion. Read during the call only. */
  const char *key;
  /* Appended after key (older callers get the default). The guidance weight
   * for the rhythm: the tokens that decide when notes come (bar, position,
   * one more note here or move on). What is played (pitch, velocity,
   * duration, chord, tempo) keeps `guidance` within its token family.
   * < 0 = the default (-1): the smaller of the guidance and 2; equal to
   * guidance = plain guidance on every token. */
  float rhythm_guidance;
  int32_t reserved_rhythm; /* 0 */
  /* Appended after rhythm_guidance (older callers get the default). Valence
   * guidance: one more row runs with the emotion's valence mirrored (happy
   * <-> tense, sad <-> calm, the arousal kept), and the pitch and chord
   * logits move away from it, cond + v * (cond - mirrored), before guidance,
   * so valence is heard after a change of emotion too. It engages from the
   * first bar whose valence is half the axis or more from the opening's;
   * an emotion that keeps its valence runs no third row. 0 = off; < 0 = the
   * model's default (-1): 3 for models trained with a null emotion. */
  float valence_guidance;
  int32_t reserved_valence; /* 0 */
  /* Appended after valence_guidance (older callers get the default).
   * Density: hold the music near this many notes per beat (measured with a
   * memory of about a bar) by tilting only when the next note comes; what is
   * played stays the model's. 0 = off, the model's own density (default);
   * at most 16. docs/evaluation.md, "Density". */
  float density;
  int32_t reserved_density; /* 0 */
  /* Appended after density. Density that follows the emotion: notes per
   * beat for Q1..Q4, all > 0 (all 0 = off, the default). Each bar's target
   * is the mix of the four by the bar's emotion, so a trajectory or a mix
   * gets the density of its emotion. Set this or density, not both. */
  float quadrant_density[4];
} emopiano_generate_params;

EMOPIANO_API int emopiano_generate_params_init(emopiano_generate_params *params,
                                               uint32_t struct_size);

/* The sampler keeps the model's network alive: the model handle may be freed
 * before the sampler. */
EMOPIANO_API int emopiano_sampler_create(emopiano_sampler **out, const emopiano_model *model);
EMOPIANO_API void emopiano_sampler_free(emopiano_sampler *sampler);
/* One piece. params may be NULL for the defaults (Q1, seed 0). */
EMOPIANO_API int emopiano_sampler_generate(emopiano_generation **out, emopiano_sampler *sampler,
                                           const emopiano_generate_params *params);
/* count pieces decoded together in one batch (faster than one by one):
 * out_pieces[i] (an array of count pointers the caller owns) receives piece
 * i, made with seed + i; free each with emopiano_generation_free. On failure
 * every out_pieces[i] is NULL. */
EMOPIANO_API int emopiano_sampler_generate_batch(emopiano_generation **out_pieces, int32_t count,
                                                 emopiano_sampler *sampler,
                                                 const emopiano_generate_params *params);
/* LibTorch threads for generation, process-wide (0 = all cores). Results do
 * not depend on it. */
EMOPIANO_API int emopiano_set_compute_threads(int32_t threads);

typedef enum emopiano_stop_reason {
  EMOPIANO_STOP_EOS = 0,        /* the model ended the piece */
  EMOPIANO_STOP_MAX_TOKENS = 1, /* the token budget ran out (cut to a complete event) */
  EMOPIANO_STOP_DEAD_END = 2    /* no token was allowed */
} emopiano_stop_reason;

typedef struct emopiano_generation_info {
  uint32_t struct_size;     /* set by the caller: sizeof(emopiano_generation_info) */
  int32_t stop_reason;      /* an emopiano_stop_reason */
  int64_t prompt_tokens;    /* BOS, emotion token and primer */
  int64_t generated_tokens; /* tokens sampled */
  int64_t notes;            /* notes in the piece, primer included */
  int32_t bars;             /* bars in the piece, primer included */
  int32_t reserved;
  uint64_t seed;           /* the seed this piece used */
  double seconds;          /* wall time of the generation call */
  double duration_seconds; /* length of the music */
} emopiano_generation_info;

EMOPIANO_API int emopiano_generation_info_get(emopiano_generation_info *out,
                                              const emopiano_generation *piece);
/* The whole sequence (BOS, emotion, primer, generated tokens), borrowed from
 * the piece: valid until it is freed. */
EMOPIANO_API int emopiano_generation_tokens(const int32_t **out_tokens, size_t *out_count,
                                            const emopiano_generation *piece);
/* The notes, freed with emopiano_free. */
EMOPIANO_API int emopiano_generation_notes(emopiano_note **out_notes, size_t *out_count,
                                           const emopiano_generation *piece);
/* The piece as a Standard MIDI File, freed with emopiano_free. */
EMOPIANO_API int emopiano_generation_midi_bytes(uint8_t **out_bytes, size_t *out_size,
                                                const emopiano_generation *piece);
/* Written atomically. */
EMOPIANO_API int emopiano_generation_write_midi(const emopiano_generation *piece, const char *path);
EMOPIANO_API void emopiano_generation_free(emopiano_generation *piece);

/* ---- live session ------------------------------------------------------- */

/* Music one bar at a time while the host changes the emotion (a game's
 * state, an affect recogniser's output): docs/live.md.
 *  - emopiano_session_set_emotion takes effect from the next bar asked for.
 *  - A session never ends by itself; its memory stays flat (the context
 *    slides) unless `record` keeps every bar for emopiano_session_write_midi.
 *  - Bars depend only on the model, the params and the sequence of
 *    set_emotion calls with the bar before which each came.
 *  - Threads: a session is used by one thread at a time, except
 *    emopiano_session_cancel, which any thread may call at any moment. Many
 *    sessions may share one model on many threads. With params.lookahead a
 *    session owns one thread more, stopped by emopiano_session_free. */
typedef struct emopiano_session emopiano_session;

typedef struct emopiano_session_params {
  uint32_t struct_size;
  float temperature;         /* default 1 */
  int32_t top_k;             /* 0 = off (default) */
  float top_p;               /* 1 = off (default 0.95) */
  uint64_t seed;             /* default 0 */
  float guidance;            /* as in emopiano_generate_params (default -1: the model's) */
  int32_t constrain_grammar; /* 0/1 (default 1) */
  /* The emotion of the first bar; NULL = Q1. The pointers below are read
   * during emopiano_session_create only. */
  const emopiano_emotion *emotion;
  const char *key; /* "A minor", ...; NULL = drawn for the emotion */
  /* Primer to continue (at most one of path and data); its notes are not returned. */
  const char *primer_path;
  const uint8_t *primer_data;
  size_t primer_size;
  int32_t record;   /* 0/1: keep every bar for emopiano_session_write_midi (default 0) */
  int32_t reserved; /* 0 */
  /* 0/1 (default 0): bar-ahead generation. Once emopiano_session_next_bar has
   * returned bar n, a thread of the session's own writes bar n + 1 with the
   * emotion in force, and the next call returns it at once. A set_emotion
   * with another emotion drops that bar and writes it again from the same
   * state: the bars are those of a session without lookahead. */
  int32_t lookahead;
  int32_t reserved1; /* 0; names the tail padding */
  /* Appended after lookahead: as in emopiano_generate_params (default -1). */
  float rhythm_guidance;
  int32_t reserved2; /* 0 */
  /* Appended after rhythm_guidance: as in emopiano_generate_params, except
   * that the default (-1) is off in a session: the mirrored row runs from the
   * first bar and costs 1.6x per token (docs/live.md). */
  float valence_guidance;
  int32_t reserved3; /* 0 */
  /* Appended after valence_guidance: as in emopiano_generate_params (default 0: off). */
  float density;
  int32_t reserved4; /* 0 */
  /* Appended after density: as in emopiano_generate_params (each bar's
   * target follows emopiano_session_set_emotion). */
  float quadrant_density[4];
} emopiano_session_params;

/* One bar, filled by emopiano_session_next_bar. Times are absolute from the
 * start of the session's music (the primer's start when there is one). */
typedef struct emopiano_session_bar {
  uint32_t struct_size; /* set by the caller: sizeof(emopiano_session_bar) */
  int32_t ticks_per_beat;
  int64_t index; /* 0 for the first bar written */
  int64_t start_tick;
  int64_t end_tick;
  double start_seconds;
  double end_seconds;
  double bpm;               /* the tempo at the bar's first beat */
  emopiano_emotion emotion; /* the emotion the bar was written with */
  int32_t key_tonic;        /* pitch class 0..11 of the key in force, -1 without key tokens */
  int32_t key_major;        /* 1 major, 0 minor */
  int64_t tokens;           /* tokens the bar took */
} emopiano_session_bar;

EMOPIANO_API int emopiano_session_params_init(emopiano_session_params *params,
                                              uint32_t struct_size);
/* The session keeps the model's network alive: the model handle may be freed
 * first. params may be NULL for the defaults (Q1, seed 0). */
EMOPIANO_API int emopiano_session_create(emopiano_session **out, const emopiano_model *model,
                                         const emopiano_session_params *params);
EMOPIANO_API void emopiano_session_free(emopiano_session *session);
/* The next bar: *out_bar filled (its struct_size set by the caller), its
 * notes in *out_notes (freed with emopiano_free; NULL with *out_count 0 for a
 * silent bar). EMOPIANO_ERROR_CANCELLED when emopiano_session_cancel was
 * called before or during it: the partial bar is discarded, the session is as
 * it was, and the next call writes that bar afresh. */
EMOPIANO_API int emopiano_session_next_bar(emopiano_session_bar *out_bar, emopiano_note **out_notes,
                                           size_t *out_count, emopiano_session *session);
/* The emotion of the bars from the next one on. */
EMOPIANO_API int emopiano_session_set_emotion(emopiano_session *session,
                                              const emopiano_emotion *emotion);
/* Stops the bar in progress (with lookahead, also the bar written ahead:
 * the next emopiano_session_next_bar returns EMOPIANO_ERROR_CANCELLED);
 * thread-safe, callable from any thread. */
EMOPIANO_API int emopiano_session_cancel(const emopiano_session *session);
/* Back to the state after create: the same bars again from bar 0, the
 * opening emotion, an empty recording. */
EMOPIANO_API int emopiano_session_reset(emopiano_session *session);
/* The bars written so far as a MIDI file, written atomically: a file that
 * is valid after every bar. Needs params.record = 1 (EMOPIANO_ERROR_INVALID_ARGUMENT
 * otherwise). */
EMOPIANO_API int emopiano_session_write_midi(const emopiano_session *session, const char *path);

/* ---- dataset ------------------------------------------------------------ */

/* A labelled MIDI collection, read and tokenized (EMOPIA, Q1..Q4 folders or
 * a CSV `path,label`). Read-only once loaded; safe to share across threads. */
typedef struct emopiano_dataset emopiano_dataset;

typedef enum emopiano_split {
  EMOPIANO_SPLIT_ALL = -1, /* only for emopiano_dataset_count */
  EMOPIANO_SPLIT_TRAIN = 0,
  EMOPIANO_SPLIT_VALIDATION = 1,
  EMOPIANO_SPLIT_TEST = 2
} emopiano_split;

typedef struct emopiano_dataset_params {
  uint32_t struct_size;
  uint32_t reserved0;                /* 0; names the padding before the pointers */
  const char *tokenizer_config_json; /* NULL: the default tokenizer */
  const char *cache_dir;             /* NULL: ~/.cache/emopiano; "none": no cache */
  int32_t threads;                   /* 0: all cores */
  int32_t apply_sustain_pedal;       /* 0/1, default 0 */
  int32_t exclude_drums;             /* 0/1, default 1 */
  int32_t reserved1;                 /* 0; names the padding before the doubles */
  double validation_fraction;        /* layouts without a split (default 0.1) */
  double test_fraction;              /* default 0.1 */
  emopiano_progress_fn progress;     /* stage "tokenize"; NULL for none */
  void *progress_user_data;
  emopiano_cancel_token *cancel; /* NULL for none */
} emopiano_dataset_params;

EMOPIANO_API int emopiano_dataset_params_init(emopiano_dataset_params *params,
                                              uint32_t struct_size);
/* Scans, reads and tokenizes. NOT_FOUND when no layout is recognised,
 * CANCELLED when cancelled. Unreadable files are skipped and counted. */
EMOPIANO_API int emopiano_dataset_load(emopiano_dataset **out, const char *root,
                                       const emopiano_dataset_params *params);
EMOPIANO_API void emopiano_dataset_free(emopiano_dataset *dataset);
/* Pieces in one split, or all of them (EMOPIANO_SPLIT_ALL). */
EMOPIANO_API int emopiano_dataset_count(size_t *out_count, const emopiano_dataset *dataset,
                                        int32_t split);
EMOPIANO_API int emopiano_dataset_skipped_count(size_t *out_count, const emopiano_dataset *dataset);

/* One piece. The pointers borrow from the dataset: valid until it is freed. */
typedef struct emopiano_dataset_item {
  uint32_t struct_size; /* set by the caller: sizeof(emopiano_dataset_item) */
  int32_t quadrant;     /* EMOPIANO_Q1..Q4 */
  int32_t split;        /* an emopiano_split */
  int32_t reserved;     /* 0; names the padding before the pointers */
  const char *name;     /* file name without extension, unique in the dataset */
  const char *path;
  const int32_t *tokens; /* BOS, emotion, piece, EOS */
  size_t token_count;
} emopiano_dataset_item;

/* Items in dataset order (index < emopiano_dataset_count(ALL)). */
EMOPIANO_API int emopiano_dataset_item_at(emopiano_dataset_item *out,
                                          const emopiano_dataset *dataset, size_t index);

/* ---- trainer ------------------------------------------------------------ */

/* Trains a model on a dataset (AdamW, warm-up + cosine decay, pitch
 * transposition, atomic checkpoints, exact resume). One thread drives a
 * trainer; its cancel token may be set from any thread. The trainer trains
 * its own copy of the weights: the model handle it was made from never
 * changes, so samplers may go on using it on other threads. The trained
 * model comes from emopiano_trainer_model. */
typedef struct emopiano_trainer emopiano_trainer;

/* Reported after every validation (each epoch and every eval_every steps). */
typedef struct emopiano_train_metrics {
  uint32_t struct_size;
  int32_t epoch; /* epochs completed */
  int64_t step;
  double train_loss;      /* mean since the previous report */
  double validation_loss; /* nats per token */
  double validation_perplexity;
  double validation_accuracy; /* next-token top-1 */
  int64_t validation_tokens;
  double learning_rate;
  double tokens_per_second;
  double elapsed_seconds;
} emopiano_train_metrics;

typedef void (*emopiano_train_metrics_fn)(const emopiano_train_metrics *metrics, void *user_data);

typedef struct emopiano_trainer_params {
  uint32_t struct_size;
  uint32_t reserved; /* 0; names the padding before the pointers */
  /* TrainerConfig JSON (epochs, max_steps, batch_size, learning_rate, seed,
   * checkpoint_dir, log_path, ...); NULL for the defaults. */
  const char *config_json;
  emopiano_progress_fn progress; /* stages "train" and "validate" */
  void *progress_user_data;
  emopiano_train_metrics_fn on_metrics;
  void *metrics_user_data;
  emopiano_cancel_token *cancel; /* checkpoint, then CANCELLED */
} emopiano_trainer_params;

typedef struct emopiano_train_result {
  uint32_t struct_size; /* set by the caller: sizeof(emopiano_train_result) */
  int32_t bf16;         /* 1 when bfloat16 autocast was used */
  int64_t steps;        /* optimizer steps in total, resumed ones included */
  double epochs;
  int64_t tokens_seen;
  double train_seconds;
  double validation_loss;
  double validation_perplexity;
  double validation_accuracy;
  int64_t validation_tokens;
  double best_validation_loss;
  int32_t stopped_by_time; /* 1 when max_minutes ended the run */
  int32_t reserved;
  /* Appended after ABI v1 (a v1-sized struct gets the fields above only):
   * the step of the best validation loss, whose weights the run keeps in
   * its checkpoint directory as best_model.pt (when it has one). */
  int64_t best_validation_step;
} emopiano_train_result;

EMOPIANO_API int emopiano_trainer_params_init(emopiano_trainer_params *params,
                                              uint32_t struct_size);
/* The trainer copies the model's weights (the handle may be freed at once);
 * the dataset handle must outlive it. */
EMOPIANO_API int emopiano_trainer_create(emopiano_trainer **out, emopiano_model *model,
                                         const emopiano_dataset *dataset,
                                         const emopiano_trainer_params *params);
/* Continues a run from its checkpoint directory. */
EMOPIANO_API int emopiano_trainer_resume(emopiano_trainer **out, const char *checkpoint_dir,
                                         const emopiano_dataset *dataset,
                                         const emopiano_trainer_params *params);
EMOPIANO_API void emopiano_trainer_free(emopiano_trainer *trainer);
/* Trains to the planned steps or time budget. out may be NULL. */
EMOPIANO_API int emopiano_trainer_run(emopiano_train_result *out, emopiano_trainer *trainer);
/* Validation metrics of the current weights (train_loss, learning_rate and
 * the rate fields are 0). */
EMOPIANO_API int emopiano_trainer_evaluate(emopiano_train_metrics *out, emopiano_trainer *trainer);
/* Steps taken so far and planned in all; either out pointer may be NULL. */
EMOPIANO_API int emopiano_trainer_progress(int64_t *out_step, int64_t *out_total_steps,
                                           const emopiano_trainer *trainer);
/* A new model handle with a copy of the weights trained so far and the
 * training metadata; it shares nothing with the trainer. */
EMOPIANO_API int emopiano_trainer_model(emopiano_model **out, const emopiano_trainer *trainer);

/* ---- emotion classifier ---------------------------------------------------- */

/* Predicts the emotion a piece carries: the classifier that ships beside the
 * model, or one trained with `emopiano train-classifier`. Read-only once
 * loaded: one handle may classify on any number of threads at once. Needs
 * model support (EMOPIANO_ERROR_UNSUPPORTED otherwise). */
typedef struct emopiano_classifier emopiano_classifier;

typedef struct emopiano_emotion_prediction {
  uint32_t struct_size;    /* set by the caller: sizeof(emopiano_emotion_prediction) */
  int32_t quadrant;        /* 1..4, the most probable */
  double probabilities[4]; /* Q1..Q4, summing to 1 */
  double arousal;          /* P(Q1) + P(Q2) */
  double valence;          /* P(Q1) + P(Q4) */
  int32_t windows;         /* windows of the piece that were averaged */
  int32_t reserved;
} emopiano_emotion_prediction;

EMOPIANO_API int emopiano_classifier_load(emopiano_classifier **out, const char *path);
EMOPIANO_API void emopiano_classifier_free(emopiano_classifier *classifier);
/* Path of the classifier that ships with emopiano ($EMOPIANO_CLASSIFIER
 * first); free with emopiano_free. */
EMOPIANO_API int emopiano_bundled_classifier_path(char **out_path);
EMOPIANO_API int emopiano_classifier_classify_file(emopiano_emotion_prediction *out,
                                                   const emopiano_classifier *classifier,
                                                   const char *midi_path);
EMOPIANO_API int emopiano_classifier_classify_midi(emopiano_emotion_prediction *out,
                                                   const emopiano_classifier *classifier,
                                                   const uint8_t *data, size_t size);

/* ---- conditional VAE -------------------------------------------------------- */

/* The latent space of short segments (segment_bars bars) of piano music,
 * conditioned on emotion: sample, encode, decode, interpolate, transform a
 * piece to another emotion (docs/vae.md). Read-only once loaded: one handle
 * may serve several threads. Needs model support (EMOPIANO_ERROR_UNSUPPORTED
 * otherwise).
 * Emotions are optional (NULL = Q1 for outputs; for inputs, NULL = Q1). */
typedef struct emopiano_vae emopiano_vae;

typedef struct emopiano_vae_params {
  uint32_t struct_size;
  float temperature; /* decoding temperature; 0 = greedy (default 0.8) */
  int32_t top_k;     /* 0 = off (default 0) */
  float top_p;       /* 1 = off (default 0.95) */
  uint64_t seed;     /* decoding and noise draws (default 0) */
  /* Appended after ABI v1: greedy decoding with this many beams, 1..64
   * (default 1); more than 1 needs temperature 0 (docs/vae.md). */
  int32_t beams;
  int32_t reserved; /* 0 */
} emopiano_vae_params;

EMOPIANO_API int emopiano_vae_params_init(emopiano_vae_params *params, uint32_t struct_size);
EMOPIANO_API int emopiano_vae_load(emopiano_vae **out, const char *path);
EMOPIANO_API void emopiano_vae_free(emopiano_vae *vae);
/* models/emopiano-vae.pt ($EMOPIANO_VAE first); free with emopiano_free. */
EMOPIANO_API int emopiano_bundled_vae_path(char **out_path);
/* Latent dimensions and bars per segment; either out pointer may be NULL. */
EMOPIANO_API int emopiano_vae_info(int32_t *out_latent_dim, int32_t *out_segment_bars,
                                   const emopiano_vae *vae);
/* The posterior of the first segment of a MIDI file: dim floats each
 * (dim must equal the latent size); out_log_variance may be NULL. */
EMOPIANO_API int emopiano_vae_encode_file(float *out_mean, float *out_log_variance, size_t dim,
                                          const emopiano_vae *vae, const char *midi_path,
                                          const emopiano_emotion *emotion);
/* z drawn from the prior N(0, temperature^2 I) with params->seed. */
EMOPIANO_API int emopiano_vae_sample_latent(float *out_z, size_t dim, const emopiano_vae *vae,
                                            float temperature, uint64_t seed);
/* One segment decoded from z, as Standard MIDI File bytes (free with
 * emopiano_free) or written atomically to a file. params may be NULL. */
EMOPIANO_API int emopiano_vae_decode_midi(uint8_t **out_bytes, size_t *out_size,
                                          const emopiano_vae *vae, const float *z, size_t dim,
                                          const emopiano_emotion *emotion,
                                          const emopiano_vae_params *params);
EMOPIANO_API int emopiano_vae_decode_file(const emopiano_vae *vae, const float *z, size_t dim,
                                          const emopiano_emotion *emotion,
                                          const emopiano_vae_params *params, const char *out_path);
/* steps points from a to b (ends included) into out (steps * dim floats):
 * spherical != 0 for slerp, 0 for a straight line. */
EMOPIANO_API int emopiano_vae_interpolate_latents(float *out, const float *a, const float *b,
                                                  size_t dim, int32_t steps, int32_t spherical);
/* Emotion arithmetic: mean latent of the training segments of `to` minus
 * that of `from` (quadrants 1..4). */
EMOPIANO_API int emopiano_vae_attribute_vector(float *out, size_t dim, const emopiano_vae *vae,
                                               int32_t from_quadrant, int32_t to_quadrant);
/* Every segment of a MIDI file moved from one quadrant to another (adding
 * strength times the attribute vector, decoding in `to`), written atomically. */
EMOPIANO_API int emopiano_vae_transform_file(const emopiano_vae *vae, const char *in_path,
                                             int32_t from_quadrant, int32_t to_quadrant,
                                             float strength, const emopiano_vae_params *params,
                                             const char *out_path);
/* Musical attributes with a latent vector each (MusicVAE). */
typedef enum emopiano_vae_attribute {
  EMOPIANO_VAE_DENSITY = 0,     /* notes per bar */
  EMOPIANO_VAE_PITCH_RANGE = 1, /* highest minus lowest pitch */
  EMOPIANO_VAE_SYNCOPATION = 2, /* share of onsets off the beat */
  EMOPIANO_VAE_MODE = 3         /* major against minor */
} emopiano_vae_attribute;
/* The attribute's vector (dim floats): the mean latent of the training
 * segments in its top quartile minus that of its bottom quartile. Adding it
 * makes a piece denser, wider, more syncopated or more major; subtracting,
 * the opposite. EMOPIANO_ERROR_UNSUPPORTED when the file has none
 * (`emopiano vae-attributes` adds them). */
EMOPIANO_API int emopiano_vae_musical_attribute_vector(float *out, size_t dim,
                                                       const emopiano_vae *vae, int32_t attribute);
/* Latent arithmetic on a whole MIDI file: every segment encoded with
 * `from`, `shift` (dim floats, e.g. a sum of attribute vectors) added to its
 * mean, decoded with `to`, the segments joined and written atomically. */
EMOPIANO_API int emopiano_vae_transform_by_file(const emopiano_vae *vae, const char *in_path,
                                                int32_t from_quadrant, int32_t to_quadrant,
                                                const float *shift, size_t dim,
                                                const emopiano_vae_params *params,
                                                const char *out_path);

/* ---- beats and metre ---------------------------------------------------------- */

/* Beats, downbeats and metre of a performance, tracked from its notes and
 * pedal (docs/beats.md), and the performance rewritten onto that grid. The
 * notes are read with the default MIDI read params (pedal kept as events,
 * drums left out). Thread-safe: no shared state. */
typedef struct emopiano_beat_params {
  uint32_t struct_size;
  int32_t metre;  /* beats per bar: 0 detects 3 or 4 (default), 2..12 forces it */
  double min_bpm; /* tempo range searched (default 40 .. 240) */
  double max_bpm;
  double prior_bpm;     /* centre of the log-normal tempo prior (default as BeatTrackingOptions) */
  double prior_octaves; /* its width in octaves */
  double tightness;     /* how closely beats keep to the local tempo (default 100) */
} emopiano_beat_params;

EMOPIANO_API int emopiano_beat_params_init(emopiano_beat_params *params, uint32_t struct_size);
/* The beat map as JSON, freed with emopiano_free:
 * {"metre":4,"pickup_beats":1,"beats":[seconds...],"bpm":[per beat...],
 *  "downbeats":[indices into beats...]}. A piece with fewer than two onsets
 * gives empty arrays. params may be NULL for the defaults. */
EMOPIANO_API int emopiano_beats_file_json(char **out_json, const char *midi_path,
                                          const emopiano_beat_params *params);
EMOPIANO_API int emopiano_beats_bytes_json(char **out_json, const uint8_t *data, size_t size,
                                           const emopiano_beat_params *params);
/* Beat times in seconds into a caller-owned array of `capacity` doubles.
 * *out_count gets the number of beats (also when the array is too small:
 * then EMOPIANO_ERROR_BUFFER_TOO_SMALL). out_beats may be NULL with
 * capacity 0 to ask for the count; out_metre may be NULL. */
EMOPIANO_API int emopiano_beats_file(double *out_beats, size_t capacity, size_t *out_count,
                                     int32_t *out_metre, const char *midi_path,
                                     const emopiano_beat_params *params);
/* The piece written onto its tracked beats: a quarter note per beat, a tempo
 * change at each, the metre as time signature, bar lines on the downbeats,
 * every note sounding when it did. Written atomically to out_path, or
 * returned as bytes freed with emopiano_free. */
EMOPIANO_API int emopiano_retime_file(const char *in_path, const char *out_path,
                                      const emopiano_beat_params *params);
EMOPIANO_API int emopiano_retime_bytes(uint8_t **out_bytes, size_t *out_size, const uint8_t *data,
                                       size_t size, const emopiano_beat_params *params);
/* 1 when the piece looks like a performance stored at one nominal tempo
 * (what the tokenizer's "auto" grid tracks), else 0. */
EMOPIANO_API int emopiano_midi_is_unaligned(int32_t *out_unaligned, const uint8_t *data,
                                            size_t size);

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* EMOPIANO_H */
