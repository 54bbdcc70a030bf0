//! Fixtures the binding tests build with the library itself.
#![allow(dead_code)]
use std::path::{Path, PathBuf};

use emopiano::*;

/// A fresh folder for one test, removed when it is dropped.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!("emopiano-rs-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub const SCALE: &[i32] = &[60, 62, 64, 65, 67, 69, 71, 72];
pub const ARPEGGIO: &[i32] = &[57, 60, 64, 69, 64, 60];

/// BOS, `bars` bars of eighth notes walking through `pitches` (cycled), EOS.
pub fn melody_tokens(tokenizer: &Tokenizer, pitches: &[i32], bars: usize) -> Vec<i32> {
    let id = |name: &str| tokenizer.token_from_string(name).unwrap();
    let velocity = (0..tokenizer.vocab_size())
        .map(|i| tokenizer.token_to_string(i))
        .find(|n| {
            n.strip_prefix("Velocity_")
                .map_or(false, |v| v.parse::<i32>().unwrap() >= 64)
        })
        .unwrap();
    let mut tokens = vec![tokenizer.special_id(SpecialToken::Bos)];
    for bar in 0..bars {
        tokens.push(id("Bar"));
        for eighth in 0..8 {
            let pitch = pitches[(bar * 8 + eighth) % pitches.len()];
            tokens.extend([
                id(&format!("Position_{}", eighth * 2)),
                id(&format!("Pitch_{pitch}")),
                id(&velocity),
                id("Duration_2"),
            ]);
        }
    }
    tokens.push(tokenizer.special_id(SpecialToken::Eos));
    tokens
}

/// A melody written as a MIDI file.
pub fn write_piece(path: &Path, pitches: &[i32], bars: usize) {
    let tokenizer = Tokenizer::new().unwrap();
    tokenizer
        .decode_to_file(&melody_tokens(&tokenizer, pitches, bars), path)
        .unwrap();
}

/// Four short melodies and a CSV `path,label,split` naming them (two to
/// train on, one to validate, one to test); returns the CSV.
pub fn write_corpus(folder: &Path) -> PathBuf {
    let pieces = [
        ("a", SCALE, 6, "Q1", "train"),
        ("b", ARPEGGIO, 5, "Q3", "train"),
        ("c", ARPEGGIO, 3, "Q3", "val"),
        ("d", SCALE, 2, "Q4", "test"),
    ];
    let mut csv = String::new();
    for (name, pitches, bars, label, split) in pieces {
        write_piece(&folder.join(format!("{name}.mid")), pitches, bars);
        csv += &format!("{name}.mid,{label},{split}\n");
    }
    let path = folder.join("list.csv");
    std::fs::write(&path, csv).unwrap();
    path
}
