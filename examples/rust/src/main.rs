//! Generates an eight-bar piano piece for an emotion and writes it as MIDI:
//! the Rust binding end to end.
//!
//!     emopiano-generate OUT.mid [EMOTION [MODEL.pt]]
//!
//! EMOTION is a quadrant or mood ("Q3", "sad"), a mix ("0.1,0.6,0.2,0.1") or a
//! valence/arousal point ("va:0.7,-0.3"); default "sad". MODEL defaults to the
//! bundled model.
use std::process::ExitCode;

use emopiano::{Emotion, GenerateOptions, Model, Note};

fn run(args: &[String]) -> emopiano::Result<()> {
    let out_path = &args[1];
    let emotion: Emotion = args.get(2).map_or("sad", String::as_str).parse()?;
    let model = match args.get(3) {
        Some(path) => Model::load(path)?,
        None => Model::bundled()?,
    };
    let mut sampler = model.sampler()?;
    let mut streamed = 0usize;
    let mut count = |_: &Note, _: i32| streamed += 1;
    let piece = sampler.generate(
        GenerateOptions::new()
            .emotion(emotion)
            .seed(1)
            .max_bars(8)
            .stop_at_eos(false) // eight whole bars
            .on_note(&mut count),
    )?;
    piece.write_midi(out_path)?;
    let info = piece.info();
    println!(
        "wrote {}: {} notes, {} bars, {:.1} s of music (streamed {} notes)",
        out_path, info.notes, info.bars, info.duration_seconds, streamed
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    if !(2..=4).contains(&args.len()) {
        eprintln!("usage: emopiano-generate OUT.mid [EMOTION [MODEL.pt]]");
        return ExitCode::from(2);
    }
    match run(&args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("emopiano-generate: {err}");
            ExitCode::FAILURE
        }
    }
}
