//! The `#[repr(C)]` structs of `sys` against the frozen C layouts
//! (capi/abi/layout.def): the same size, every field at the same offset with
//! the same size, so the binding cannot drift from the header.
use std::mem::{size_of, MaybeUninit};

use emopiano::sys::*;

const LAYOUT: &str = include_str!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../capi/abi/layout.def"));

/// (field, offset, size) as this compiler lays the struct out.
type Fields = Vec<(&'static str, usize, usize)>;

fn size_of_pointee<T>(_: *const T) -> usize {
    size_of::<T>()
}

macro_rules! layout {
    ($ty:ident { $($field:ident),* $(,)? }) => {{
        let value = MaybeUninit::<$ty>::uninit();
        let base = value.as_ptr();
        let mut fields: Fields = Vec::new();
        $(
            // Raw pointers only: no reference to uninitialised memory is made.
            let field = unsafe { std::ptr::addr_of!((*base).$field) };
            fields.push((stringify!($field), field as usize - base as usize, size_of_pointee(field)));
        )*
        (stringify!($ty), size_of::<$ty>(), fields)
    }};
}

/// What layout.def says about one struct: its size and its fields.
fn frozen(name: &str) -> (usize, Vec<(String, usize, usize)>) {
    let mut size = None;
    let mut fields = Vec::new();
    for line in LAYOUT.lines() {
        let args = |prefix: &str| -> Option<Vec<String>> {
            let rest = line.strip_prefix(prefix)?.strip_suffix(')')?;
            Some(rest.split(',').map(|part| part.trim().to_string()).collect())
        };
        if let Some(a) = args("ABI_STRUCT(") {
            if a[0] == name {
                size = Some(a[1].parse().unwrap());
            }
        } else if let Some(a) = args("ABI_FIELD(") {
            if a[0] == name {
                fields.push((a[1].clone(), a[2].parse().unwrap(), a[3].parse().unwrap()));
            }
        }
    }
    (size.unwrap_or_else(|| panic!("{name} is not in layout.def")), fields)
}

#[test]
#[cfg(target_pointer_width = "64")]
fn every_bound_struct_has_the_c_layout() {
    let bound = vec![
        layout!(emopiano_emotion { p }),
        layout!(emopiano_note {
            pitch, velocity, channel, reserved, start_tick, end_tick, start_seconds, end_seconds
        }),
        layout!(emopiano_progress { struct_size, reserved, stage, done, total, elapsed_seconds, detail }),
        layout!(emopiano_midi_read_params { struct_size, apply_sustain_pedal, exclude_drums }),
        layout!(emopiano_encode_params { struct_size, quadrant, apply_sustain_pedal, exclude_drums }),
        layout!(emopiano_generate_params {
            struct_size, temperature, top_k, top_p, seed, max_tokens, max_bars, stop_at_eos,
            constrain_grammar, quadrant, reserved, emotion, trajectory, primer_path, primer_data,
            primer_size, on_note, note_user_data, progress, progress_user_data, cancel, guidance,
            reserved_guidance, key, rhythm_guidance, reserved_rhythm, valence_guidance, reserved_valence,
            density, reserved_density, quadrant_density
        }),
        layout!(emopiano_generation_info {
            struct_size, stop_reason, prompt_tokens, generated_tokens, notes, bars, reserved, seed,
            seconds, duration_seconds
        }),
        layout!(emopiano_session_params {
            struct_size, temperature, top_k, top_p, seed, guidance, constrain_grammar, emotion, key,
            primer_path, primer_data, primer_size, record, reserved, lookahead, reserved1,
            rhythm_guidance, reserved2, valence_guidance, reserved3, density, reserved4,
            quadrant_density
        }),
        layout!(emopiano_session_bar {
            struct_size, ticks_per_beat, index, start_tick, end_tick, start_seconds, end_seconds, bpm,
            emotion, key_tonic, key_major, tokens
        }),
        layout!(emopiano_render_params {
            struct_size, sample_rate, gain, tail_seconds, program, reserved, soundfont
        }),
        layout!(emopiano_dataset_params {
            struct_size, reserved0, tokenizer_config_json, cache_dir, threads, apply_sustain_pedal,
            exclude_drums, reserved1, validation_fraction, test_fraction, progress,
            progress_user_data, cancel
        }),
        layout!(emopiano_dataset_item {
            struct_size, quadrant, split, reserved, name, path, tokens, token_count
        }),
        layout!(emopiano_train_metrics {
            struct_size, epoch, step, train_loss, validation_loss, validation_perplexity,
            validation_accuracy, validation_tokens, learning_rate, tokens_per_second, elapsed_seconds
        }),
        layout!(emopiano_trainer_params {
            struct_size, reserved, config_json, progress, progress_user_data, on_metrics,
            metrics_user_data, cancel
        }),
        layout!(emopiano_train_result {
            struct_size, bf16, steps, epochs, tokens_seen, train_seconds, validation_loss,
            validation_perplexity, validation_accuracy, validation_tokens, best_validation_loss,
            stopped_by_time, reserved, best_validation_step
        }),
        layout!(emopiano_emotion_prediction {
            struct_size, quadrant, probabilities, arousal, valence, windows, reserved
        }),
        layout!(emopiano_vae_params {
            struct_size, temperature, top_k, top_p, seed, beams, reserved
        }),
        layout!(emopiano_beat_params {
            struct_size, metre, min_bpm, max_bpm, prior_bpm, prior_octaves, tightness
        }),
    ];
    for (name, size, fields) in bound {
        let (frozen_size, frozen_fields) = frozen(name);
        assert_eq!(size, frozen_size, "size_of::<{name}>()");
        let ours: Vec<(String, usize, usize)> =
            fields.into_iter().map(|(f, o, s)| (f.to_string(), o, s)).collect();
        assert_eq!(ours, frozen_fields, "the fields of {name}");
    }
}
