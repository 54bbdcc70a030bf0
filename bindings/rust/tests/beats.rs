//! Beat tracking, retiming and the unaligned check through the safe layer.
mod common;

use std::path::PathBuf;

use common::{write_piece, TempDir, SCALE};
use emopiano::*;

/// Four bars of steady eighth notes at 120 BPM (a beat every 0.5 s), as a
/// file and as bytes.
fn eighths(dir: &TempDir) -> (PathBuf, Vec<u8>) {
    let path = dir.0.join("eighths.mid");
    write_piece(&path, SCALE, 4);
    let bytes = std::fs::read(&path).unwrap();
    (path, bytes)
}

fn vlq(mut value: u32) -> Vec<u8> {
    let mut out = vec![(value & 0x7f) as u8];
    value >>= 7;
    while value > 0 {
        out.insert(0, 0x80 | (value & 0x7f) as u8);
        value >>= 7;
    }
    out
}

/// A format-0 file at one nominal tempo (120 BPM, 480 ticks a beat) whose
/// onsets are 1.618 beats apart: no grid of the nominal beat holds them, as
/// in a performance transcribed without a click.
fn performance_midi(count: usize) -> Vec<u8> {
    let mut track = vec![0x00, 0xff, 0x51, 0x03, 0x07, 0xa1, 0x20]; // 500000 us a beat
    let mut last = 0u32;
    for i in 0..count {
        let start = (i as f64 * 1.618034 * 480.0).round() as u32;
        let pitch = (60 + i * 5 % 12) as u8;
        track.extend(vlq(start - last));
        track.extend([0x90, pitch, 80]);
        track.extend(vlq(200));
        track.extend([0x80, pitch, 0]);
        last = start + 200;
    }
    track.extend([0x00, 0xff, 0x2f, 0x00]);
    let mut midi = b"MThd\x00\x00\x00\x06\x00\x00\x00\x01\x01\xe0MTrk".to_vec();
    midi.extend((track.len() as u32).to_be_bytes());
    midi.extend(track);
    midi
}

/// The numbers of the flat array `"key":[...]` of a beat map's JSON.
fn json_numbers(json: &str, key: &str) -> Vec<f64> {
    let open = format!("\"{key}\":[");
    let start = json
        .find(&open)
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        + open.len();
    let end = start + json[start..].find(']').unwrap();
    json[start..end]
        .split(',')
        .filter(|n| !n.is_empty())
        .map(|n| n.parse().unwrap())
        .collect()
}

/// The integer `"key":N` of a beat map's JSON.
fn json_integer(json: &str, key: &str) -> i64 {
    let open = format!("\"{key}\":");
    let start = json
        .find(&open)
        .unwrap_or_else(|| panic!("no {key} in {json}"))
        + open.len();
    let digits: String = json[start..]
        .chars()
        .take_while(|c| c.is_ascii_digit())
        .collect();
    digits.parse().unwrap()
}

fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(|a, b| a.partial_cmp(b).unwrap());
    sorted[sorted.len() / 2]
}

#[test]
fn beat_options_default_to_the_library_values() {
    let defaults = BeatOptions::defaults().unwrap();
    assert_eq!(defaults.metre, Some(0));
    assert_eq!(
        (defaults.min_bpm, defaults.max_bpm),
        (Some(40.0), Some(240.0))
    );
    assert_eq!(defaults.tightness, Some(100.0));
    assert!(defaults.prior_bpm.unwrap() > 0.0 && defaults.prior_octaves.unwrap() > 0.0);
    assert_eq!(BeatOptions::new().metre(3).metre, Some(3));
}

#[test]
fn steady_eighths_are_120_bpm_from_file_and_bytes() {
    let dir = TempDir::new("beats-eighths");
    let (path, bytes) = eighths(&dir);
    let times = beat_times_file(&path, None).unwrap();
    assert!((14..18).contains(&times.beats.len()), "{times:?}");
    for pair in times.beats.windows(2) {
        assert!((pair[1] - pair[0] - 0.5).abs() < 0.03, "{times:?}");
    }
    assert!(times.metre == 3 || times.metre == 4, "{times:?}");

    let json = beats_json_file(&path, None).unwrap();
    assert_eq!(beats_json(&bytes, None).unwrap(), json);
    let beats = json_numbers(&json, "beats");
    assert_eq!(beats.len(), times.beats.len(), "{json}");
    for (a, b) in beats.iter().zip(&times.beats) {
        assert!((a - b).abs() < 1e-9, "{json}");
    }
    assert_eq!(json_integer(&json, "metre"), times.metre as i64);
    let bpm = json_numbers(&json, "bpm");
    assert_eq!(bpm.len(), beats.len());
    assert!((median(&bpm) - 120.0).abs() < 3.0, "{json}");
    let downbeats = json_numbers(&json, "downbeats");
    assert!(!downbeats.is_empty(), "{json}");
    assert!(downbeats
        .iter()
        .all(|&i| i >= 0.0 && (i as usize) < beats.len()));
    assert!(json_integer(&json, "pickup_beats") < times.metre as i64);
}

#[test]
fn options_reach_the_tracker() {
    let dir = TempDir::new("beats-options");
    let (path, bytes) = eighths(&dir);
    let waltz = BeatOptions::new().metre(3);
    assert_eq!(beat_times_file(&path, Some(&waltz)).unwrap().metre, 3);
    let five = BeatOptions::new().metre(5);
    assert_eq!(
        json_integer(&beats_json(&bytes, Some(&five)).unwrap(), "metre"),
        5
    );
    assert_eq!(
        json_integer(&beats_json_file(&path, Some(&five)).unwrap(), "metre"),
        5
    );
}

#[test]
fn fewer_than_two_onsets_give_no_beats() {
    let dir = TempDir::new("beats-single");
    let single = dir.0.join("single.mid");
    std::fs::write(&single, performance_midi(1)).unwrap();
    assert!(beat_times_file(&single, None).unwrap().beats.is_empty());
    let json = beats_json(&performance_midi(1), None).unwrap();
    assert!(json_numbers(&json, "beats").is_empty(), "{json}");
    assert!(json_numbers(&json, "downbeats").is_empty(), "{json}");
}

#[test]
fn retimed_bytes_keep_every_note_where_it_sounded() {
    let dir = TempDir::new("beats-retime-bytes");
    let (_, bytes) = eighths(&dir);
    let retimed = retime(&bytes, None).unwrap();
    validate(&retimed).unwrap();
    let (before, after) = (read_notes(&bytes).unwrap(), read_notes(&retimed).unwrap());
    assert_eq!(after.len(), before.len());
    for (a, b) in after.iter().zip(&before) {
        assert_eq!(a.pitch, b.pitch);
        assert!(
            (a.start_seconds - b.start_seconds).abs() < 0.002,
            "{a:?} {b:?}"
        );
    }
    let again = dir.0.join("again.mid");
    std::fs::write(&again, &retimed).unwrap();
    let times = beat_times_file(&again, None).unwrap();
    assert!(times.beats.len() >= 14);
    assert!(
        (median(&json_numbers(&beats_json(&retimed, None).unwrap(), "bpm")) - 120.0).abs() < 3.0
    );
}

#[test]
fn retime_file_writes_the_file() {
    let dir = TempDir::new("beats-retime-file");
    let (path, bytes) = eighths(&dir);
    let out = dir.0.join("retimed.mid");
    retime_file(&path, &out, None).unwrap();
    assert_eq!(std::fs::read(&out).unwrap(), retime(&bytes, None).unwrap());
    let waltz = BeatOptions::new().metre(3);
    retime_file(&path, &out, Some(&waltz)).unwrap();
    assert_eq!(
        std::fs::read(&out).unwrap(),
        retime(&bytes, Some(&waltz)).unwrap()
    );
    assert_ne!(std::fs::read(&out).unwrap(), retime(&bytes, None).unwrap());
}

#[test]
fn is_unaligned_tells_a_performance_from_a_score() {
    let dir = TempDir::new("beats-unaligned");
    let (_, bytes) = eighths(&dir);
    assert!(!is_unaligned(&bytes).unwrap());
    let performance = performance_midi(24);
    assert!(is_unaligned(&performance).unwrap());
    assert!(!is_unaligned(&retime(&performance, None).unwrap()).unwrap());
}

#[test]
fn bad_input_is_an_error_with_a_message() {
    let dir = TempDir::new("beats-errors");
    let (path, bytes) = eighths(&dir);
    let garbage = b"not midi at all";
    for err in [
        beats_json(garbage, None).unwrap_err(),
        retime(garbage, None).unwrap_err(),
        is_unaligned(garbage).unwrap_err(),
    ] {
        assert_eq!(err.status(), Status::Format, "{err}");
        assert!(err.message().contains("MThd"), "{err}");
    }
    let missing = dir.0.join("no-such-piece.mid");
    let out = dir.0.join("out.mid");
    for err in [
        beats_json_file(&missing, None).unwrap_err(),
        beat_times_file(&missing, None).unwrap_err(),
        retime_file(&missing, &out, None).unwrap_err(),
    ] {
        assert_eq!(err.status(), Status::Io, "{err}");
        assert!(err.message().contains("no-such-piece.mid"), "{err}");
    }
    let nowhere = dir.0.join("no-such-folder").join("out.mid");
    assert_eq!(
        retime_file(&path, nowhere, None).unwrap_err().status(),
        Status::Io
    );

    for (options, word) in [
        (BeatOptions::new().metre(99), "metre"),
        (BeatOptions::new().bpm_range(200.0, 100.0), "tempo range"),
        (BeatOptions::new().tightness(-1.0), "tightness"),
    ] {
        for err in [
            beats_json(&bytes, Some(&options)).unwrap_err(),
            beat_times_file(&path, Some(&options)).unwrap_err(),
            retime(&bytes, Some(&options)).unwrap_err(),
        ] {
            assert_eq!(err.status(), Status::InvalidArgument, "{err}");
            assert!(err.message().contains(word), "{err}");
        }
    }
}
