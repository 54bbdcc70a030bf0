// The smallest struct_size each params and output struct accepts: its size as
// ABI v1 first published it. Literal numbers on purpose: they describe what
// programs built in the past pass, so they must not follow today's header
// when fields are appended (capi/abi/layout.def has the full layouts).
#pragma once

#include <cstddef>
#include <cstdint>

#include "emopiano.h"

namespace emopiano::capi {

#if UINTPTR_MAX == 0xffffffffffffffffu
// 64-bit: the frozen ABI v1 sizes.
inline constexpr size_t kReadParamsV1 = 12;
inline constexpr size_t kEncodeParamsV1 = 16;
inline constexpr size_t kRenderParamsV1 = 40;
inline constexpr size_t kGenerateParamsV1 = 128;
inline constexpr size_t kInfoV1 = 64;
inline constexpr size_t kDatasetParamsV1 = 80;
inline constexpr size_t kItemV1 = 48;
inline constexpr size_t kMetricsV1 = 80;
inline constexpr size_t kTrainerParamsV1 = 56;
inline constexpr size_t kResultV1 = 88;
inline constexpr size_t kPredictionV1 = 64;
inline constexpr size_t kVaeParamsV1 = 24;
inline constexpr size_t kBeatParamsV1 = 48;
#else
// Other pointer widths are not frozen: the size through each struct's last
// v1 field in this header.
#define EMOPIANO_SIZE_THROUGH(type, member) (offsetof(type, member) + sizeof(((type*)0)->member))
inline constexpr size_t kReadParamsV1 = EMOPIANO_SIZE_THROUGH(emopiano_midi_read_params, exclude_drums);
inline constexpr size_t kEncodeParamsV1 = EMOPIANO_SIZE_THROUGH(emopiano_encode_params, exclude_drums);
inline constexpr size_t kRenderParamsV1 = EMOPIANO_SIZE_THROUGH(emopiano_render_params, soundfont);
inline constexpr size_t kGenerateParamsV1 = EMOPIANO_SIZE_THROUGH(emopiano_generate_params, cancel);
inline constexpr size_t kInfoV1 = EMOPIANO_SIZE_THROUGH(emopiano_generation_info, duration_seconds);
inline constexpr size_t kDatasetParamsV1 = EMOPIANO_SIZE_THROUGH(emopiano_dataset_params, cancel);
inline constexpr size_t kItemV1 = EMOPIANO_SIZE_THROUGH(emopiano_dataset_item, token_count);
inline constexpr size_t kMetricsV1 = EMOPIANO_SIZE_THROUGH(emopiano_train_metrics, elapsed_seconds);
inline constexpr size_t kTrainerParamsV1 = EMOPIANO_SIZE_THROUGH(emopiano_trainer_params, cancel);
inline constexpr size_t kResultV1 = EMOPIANO_SIZE_THROUGH(emopiano_train_result, reserved);
inline constexpr size_t kPredictionV1 = EMOPIANO_SIZE_THROUGH(emopiano_emotion_prediction, reserved);
inline constexpr size_t kVaeParamsV1 = EMOPIANO_SIZE_THROUGH(emopiano_vae_params, seed);
inline constexpr size_t kBeatParamsV1 = EMOPIANO_SIZE_THROUGH(emopiano_beat_params, tightness);
#undef EMOPIANO_SIZE_THROUGH
#endif

}  // namespace emopiano::capi
