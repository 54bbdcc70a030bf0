//! The safe layer end to end against the real library.
use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use emopiano::*;

const TINY_MODEL: &str = r#"{"n_layers": 2, "d_model": 64, "n_heads": 2, "d_ff": 128}"#;

/// A fresh folder for one test, removed when it is dropped.
struct TempDir(PathBuf);

impl TempDir {
    fn new(name: &str) -> TempDir {
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

/// The bundled model when it exists, else a tiny untrained one.
fn model() -> Model {
    match bundled_model_path() {
        Ok(path) => Model::load(path).unwrap(),
        Err(_) => Model::create(TINY_MODEL, "", 1).unwrap(),
    }
}

fn fast<'a>() -> GenerateOptions<'a> {
    GenerateOptions::new().max_tokens(160).max_bars(2)
}

/// BOS, one bar with a note on each beat (C D E F), EOS.
fn scale_tokens(tokenizer: &Tokenizer) -> Vec<i32> {
    let id = |name: &str| tokenizer.token_from_string(name).unwrap();
    let velocity = (0..tokenizer.vocab_size())
        .map(|i| tokenizer.token_to_string(i))
        .find(|n| {
            n.strip_prefix("Velocity_")
                .map_or(false, |v| v.parse::<i32>().unwrap() >= 64)
        })
        .unwrap();
    let mut tokens = vec![tokenizer.special_id(SpecialToken::Bos), id("Bar")];
    for (beat, pitch) in [60, 62, 64, 65].iter().enumerate() {
        tokens.extend([
            id(&format!("Position_{}", beat * 4)),
            id(&format!("Pitch_{pitch}")),
            id(&velocity),
            id("Duration_4"),
        ]);
    }
    tokens.push(tokenizer.special_id(SpecialToken::Eos));
    tokens
}

#[test]
fn version_matches_its_number() {
    let parts: Vec<u32> = version().split('.').map(|p| p.parse().unwrap()).collect();
    assert_eq!(
        version_number(),
        parts[0] * 10000 + parts[1] * 100 + parts[2]
    );
    assert!(abi_version() >= 1);
}

#[test]
fn bad_emotion_is_invalid_argument_with_message() {
    let err = "furious".parse::<Emotion>().unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(err.message().contains("furious"), "{err}");
    assert!(err.to_string().starts_with("invalid argument"), "{err}");
    assert_eq!(
        "Q5".parse::<Quadrant>().unwrap_err().status(),
        Status::InvalidArgument
    );
    assert_eq!(
        Emotion::from_weights([0.0; 4]).unwrap_err().status(),
        Status::InvalidArgument
    );
}

#[test]
fn missing_file_names_the_file() {
    let dir = TempDir::new("missing");
    let err = read_notes_file(dir.0.join("no-such-piece.mid")).unwrap_err();
    assert!(
        matches!(err.status(), Status::Io | Status::NotFound),
        "{err}"
    );
    assert!(err.message().contains("no-such-piece.mid"), "{err}");
    let err = Model::load(dir.0.join("absent.pt")).err().unwrap();
    assert_eq!(err.status(), Status::Io, "{err}");
}

#[test]
fn corrupt_midi_is_a_format_error() {
    let tokenizer = Tokenizer::new().unwrap();
    let good = tokenizer.decode(&scale_tokens(&tokenizer)).unwrap();
    validate(&good).unwrap();
    for bad in [
        &b"not midi at all"[..],
        &b"MThd\0\0\0\x06garbage"[..],
        &good[..good.len() / 2],
    ] {
        let err = validate(bad).unwrap_err();
        assert_eq!(err.status(), Status::Format, "{err}");
        assert!(!err.message().is_empty());
        assert_eq!(read_notes(bad).unwrap_err().status(), Status::Format);
    }
    let err = tokenizer.token_from_string("Pitch_999").unwrap_err();
    assert_eq!(err.status(), Status::NotFound);
}

#[test]
fn emotions_parse_mix_and_print() {
    assert_eq!("sad".parse::<Quadrant>().unwrap(), Quadrant::Q3);
    assert_eq!(Quadrant::Q4.mood(), "calm");
    assert_eq!(
        "Q2".parse::<Emotion>().unwrap().probabilities(),
        [0.0, 1.0, 0.0, 0.0]
    );
    let mix: Emotion = "1,1,0,2".parse().unwrap();
    assert_eq!(mix.probabilities(), [0.25, 0.25, 0.0, 0.5]);
    assert_eq!(mix.dominant(), Quadrant::Q4);
    assert_eq!(
        "va:1,1".parse::<Emotion>().unwrap(),
        Emotion::from(Quadrant::Q1)
    );
    let half = Emotion::from(Quadrant::Q1).mix(&Emotion::from(Quadrant::Q3), 0.5);
    assert_eq!(half.to_string(), "0.50,0.00,0.50,0.00");
    assert_eq!(Emotion::from(Quadrant::Q2).to_string(), "Q2");
    let (v, a) = "va:0.5,-0.25".parse::<Emotion>().unwrap().valence_arousal();
    assert!((v - 0.5).abs() < 1e-5 && (a + 0.25).abs() < 1e-5);
    let mut trajectory = Trajectory::parse("Q3@0,Q1@8").unwrap();
    assert_eq!(
        trajectory.at(4.0).unwrap().probabilities(),
        [0.5, 0.0, 0.5, 0.0]
    );
    trajectory.add(16.0, &Quadrant::Q4.into()).unwrap();
    assert_eq!(trajectory.len(), 3);
    assert!(Trajectory::new().unwrap().at(0.0).is_err());
}

#[test]
fn tokenizer_round_trip() {
    let tokenizer = Tokenizer::new().unwrap();
    for id in 0..tokenizer.vocab_size() {
        assert_eq!(
            tokenizer
                .token_from_string(&tokenizer.token_to_string(id))
                .unwrap(),
            id
        );
    }
    let tokens = scale_tokens(&tokenizer);
    let midi = tokenizer.decode(&tokens).unwrap();
    let notes = read_notes(&midi).unwrap();
    assert_eq!(
        notes.iter().map(|n| n.pitch).collect::<Vec<_>>(),
        [60, 62, 64, 65]
    );
    let again = tokenizer.encode(&midi, Some(Quadrant::Q3)).unwrap();
    assert_eq!(again[1], tokenizer.special_id(SpecialToken::EmotionQ3));
    assert_eq!(
        read_notes(&tokenizer.decode(&again).unwrap()).unwrap(),
        notes
    );

    let dir = TempDir::new("tokenizer");
    let path = dir.0.join("scale.mid");
    tokenizer.decode_to_file(&tokens, &path).unwrap();
    assert_eq!(read_notes_file(&path).unwrap(), notes);
    assert_eq!(
        tokenizer.encode_file(&path, None).unwrap(),
        tokenizer.encode(&midi, None).unwrap()
    );
}

#[test]
fn generate_streams_notes_and_writes_midi() {
    let model = model();
    let mut sampler = model.sampler().unwrap();
    let mut streamed = Vec::new();
    let mut on_note = |note: &Note, piece: i32| {
        assert_eq!(piece, 0);
        streamed.push(*note);
    };
    let piece = sampler
        .generate(
            fast()
                .emotion("sad".parse().unwrap())
                .seed(5)
                .on_note(&mut on_note),
        )
        .unwrap();
    let info = piece.info();
    let notes = piece.notes().unwrap();
    assert!(info.notes > 0);
    assert_eq!(notes.len() as i64, info.notes);
    assert_eq!(streamed.len(), notes.len());
    let dir = TempDir::new("generate");
    let path = dir.0.join("sad.mid");
    piece.write_midi(&path).unwrap();
    // A MIDI file keeps every note's onset, pitch and velocity; a note's end
    // may come earlier where the same key is struck again before it ends.
    let onsets = |ns: &[Note]| ns.iter().map(|n| (n.start_tick, n.pitch, n.velocity)).collect::<Vec<_>>();
    for written in [read_notes_file(&path).unwrap(), read_notes(&piece.midi_bytes().unwrap()).unwrap()] {
        assert_eq!(onsets(&written), onsets(&notes));
        assert!(written.iter().zip(&notes).all(|(w, n)| w.end_tick <= n.end_tick));
    }
    let tokenizer = model.tokenizer().unwrap();
    // After BOS: the emotion token, or (models that take the emotion only as
    // their per-position input, like the bundled one) the key.
    if !tokenizer.token_to_string(piece.tokens()[1]).starts_with("Key_") {
        assert_eq!(piece.tokens()[1], tokenizer.special_id(SpecialToken::EmotionQ3));
    }

    // Same seed, same piece; another seed, another piece.
    let again = sampler
        .generate(fast().quadrant(Quadrant::Q3).seed(5))
        .unwrap();
    assert_eq!(again.tokens(), piece.tokens());
    let other = sampler
        .generate(fast().quadrant(Quadrant::Q3).seed(6))
        .unwrap();
    assert_ne!(other.tokens(), piece.tokens());
}

#[test]
fn batch_trajectory_primer_and_saved_model() {
    let dir = TempDir::new("batch");
    let path = dir.0.join("tiny.pt");
    Model::create(TINY_MODEL, "", 3)
        .unwrap()
        .save(&path, WeightStorage::F32)
        .unwrap();
    let model = Model::load(&path).unwrap();
    assert!(model.parameter_count() > 0);
    assert!(model.config_json().unwrap().contains("\"d_model\""));
    let mut sampler = model.sampler().unwrap();
    let pieces = sampler.generate_batch(2, fast().seed(4)).unwrap();
    assert_eq!(
        pieces.iter().map(|p| p.info().seed).collect::<Vec<_>>(),
        [4, 5]
    );
    let trajectory = Trajectory::parse("Q3@0,Q1@2").unwrap();
    assert!(
        sampler
            .generate(fast().trajectory(&trajectory))
            .unwrap()
            .info()
            .notes
            > 0
    );
    let primer = pieces[0].midi_bytes().unwrap();
    let continued = sampler
        .generate(fast().primer(Primer::Bytes(&primer)))
        .unwrap();
    assert!(continued.info().notes as usize >= read_notes(&primer).unwrap().len());
    let err = sampler
        .generate(fast().primer(Primer::Bytes(b"MThd broken")))
        .err()
        .unwrap();
    assert_eq!(err.status(), Status::Format);
    let err = sampler.generate(fast().temperature(-1.0)).err().unwrap();
    assert_eq!(err.status(), Status::InvalidArgument);
    let err = sampler.generate(fast().valence_guidance(25.0)).err().unwrap();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(err.to_string().contains("valence_guidance"), "{}", err);
    let err = sampler.generate(fast().density(-1.0)).err().unwrap();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(err.to_string().contains("density"), "{}", err);
}

#[test]
fn density_is_passed_through() {
    let model = model();
    let mut sampler = model.sampler().unwrap();
    let four_bars = |density: f32| {
        GenerateOptions::new()
            .quadrant(Quadrant::Q2)
            .seed(5)
            .max_tokens(3000)
            .max_bars(4)
            .stop_at_eos(false)
            .density(density)
    };
    let sparse = sampler.generate(four_bars(1.0)).unwrap().info();
    let dense = sampler.generate(four_bars(6.0)).unwrap().info();
    assert_eq!(sparse.bars, 4);
    assert!(sparse.notes < 4 * 4 * 2, "{} notes at 1 a beat", sparse.notes);
    assert!(dense.notes > 4 * 4 * 4, "{} notes at 6 a beat", dense.notes);
    // Per quadrant: a tense piece at Q2's value.
    let tense = sampler
        .generate(four_bars(0.0).quadrant_density([6.0, 1.0, 6.0, 6.0]))
        .unwrap()
        .info();
    assert!(tense.notes < 4 * 4 * 2, "{} notes at Q2's 1 a beat", tense.notes);
    let both = sampler.generate(four_bars(1.0).quadrant_density([1.0; 4]));
    assert_eq!(both.err().unwrap().status(), Status::InvalidArgument);
}

#[test]
fn load_options_choose_how_the_model_generates() {
    let dir = TempDir::new("options");
    let path = dir.0.join("tiny.pt");
    Model::create(TINY_MODEL, "", 3)
        .unwrap()
        .save(&path, WeightStorage::F32)
        .unwrap();
    let plain = Model::load(&path).unwrap();
    assert_eq!(plain.load_options(), (Precision::Bf16, KvCache::Bf16));
    let reference = plain
        .sampler()
        .unwrap()
        .generate(fast().quadrant(Quadrant::Q4).seed(2))
        .unwrap()
        .tokens()
        .to_vec();
    for (precision, kv_cache) in [
        (Precision::Bf16, KvCache::Bf16),
        (Precision::F32, KvCache::Bf16),
        (Precision::Bf16, KvCache::Int8),
    ] {
        let model = Model::load_with_options(&path, precision, kv_cache).unwrap();
        assert_eq!(model.load_options(), (precision, kv_cache));
        let piece = model
            .sampler()
            .unwrap()
            .generate(fast().quadrant(Quadrant::Q4).seed(2))
            .unwrap();
        assert!(piece.tokens().len() > 2);
        if (precision, kv_cache) == (Precision::Bf16, KvCache::Bf16) {
            assert_eq!(piece.tokens(), &reference[..]);
        }
    }
    let err = Model::load_with_options(&path, Precision::F32, KvCache::Int8)
        .err()
        .unwrap();
    assert_eq!(err.status(), Status::InvalidArgument);
    assert!(
        err.to_string().contains("EMOPIANO_PRECISION_BF16"),
        "{}",
        err
    );
}

#[test]
fn cancel_from_callback_progress_and_another_thread() {
    let model = model();
    let mut sampler = model.sampler().unwrap();
    let token = CancelToken::new().unwrap();
    let mut stop = |_: &Note, _: i32| token.cancel();
    let err = sampler
        .generate(
            GenerateOptions::new()
                .max_tokens(2000)
                .on_note(&mut stop)
                .cancel(&token),
        )
        .err()
        .unwrap();
    assert_eq!(err.status(), Status::Cancelled);
    assert!(token.is_cancelled());
    token.reset();
    assert!(!token.is_cancelled());

    let mut steps = 0;
    let mut progress = |p: &Progress| {
        assert_eq!(p.stage, "generate");
        steps += 1;
        steps < 3
    };
    let err = sampler
        .generate(
            GenerateOptions::new()
                .max_tokens(2000)
                .progress(&mut progress),
        )
        .err()
        .unwrap();
    assert_eq!(err.status(), Status::Cancelled);
    assert_eq!(steps, 3);

    // Another thread cancels while this one generates.
    let token = Arc::new(CancelToken::new().unwrap());
    let started = Arc::new(AtomicUsize::new(0));
    let (t, s) = (token.clone(), started.clone());
    let canceller = std::thread::spawn(move || {
        while s.load(Ordering::SeqCst) == 0 {
            std::thread::yield_now();
        }
        t.cancel();
    });
    let mut mark = |_: &Progress| {
        started.store(1, Ordering::SeqCst);
        true
    };
    let err = sampler
        .generate(
            GenerateOptions::new()
                .max_tokens(100_000)
                .stop_at_eos(false)
                .progress(&mut mark)
                .cancel(&token),
        )
        .err()
        .unwrap();
    canceller.join().unwrap();
    assert_eq!(err.status(), Status::Cancelled);
}

#[test]
fn panic_in_callback_propagates_and_sampler_survives() {
    let model = model();
    let mut sampler = model.sampler().unwrap();
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let mut explode = |_: &Note, _: i32| panic!("from the callback");
        let _ = sampler.generate(
            GenerateOptions::new()
                .max_tokens(2000)
                .stop_at_eos(false)
                .on_note(&mut explode),
        );
    }));
    let payload = result.unwrap_err();
    assert_eq!(payload.downcast_ref::<&str>(), Some(&"from the callback"));
    assert!(sampler.generate(fast().seed(1)).unwrap().info().notes > 0);
}

#[test]
fn drop_order_and_null_frees_are_safe() {
    let model = Model::create(TINY_MODEL, "", 1).unwrap();
    let mut sampler = model.sampler().unwrap();
    drop(model); // the sampler keeps the network alive
    let piece = sampler.generate(fast().seed(1)).unwrap();
    drop(sampler); // a piece outlives its sampler
    assert!(!piece.notes().unwrap().is_empty());
    drop(piece);
    // Every free function accepts NULL, so a double "close" through sys is harmless.
    unsafe {
        sys::emopiano_model_free(std::ptr::null_mut());
        sys::emopiano_sampler_free(std::ptr::null_mut());
        sys::emopiano_generation_free(std::ptr::null_mut());
        sys::emopiano_tokenizer_free(std::ptr::null_mut());
        sys::emopiano_cancel_token_free(std::ptr::null_mut());
        sys::emopiano_free(std::ptr::null_mut());
    }
}

#[test]
fn shared_model_on_threads_matches_sequential() {
    let model = Arc::new(Model::create(TINY_MODEL, "", 2).unwrap());
    let sequential: Vec<Vec<i32>> = (0..2)
        .map(|seed| {
            model
                .sampler()
                .unwrap()
                .generate(fast().seed(seed))
                .unwrap()
                .tokens()
                .to_vec()
        })
        .collect();
    let handles: Vec<_> = (0..2u64)
        .map(|seed| {
            let model = model.clone();
            std::thread::spawn(move || {
                model
                    .sampler()
                    .unwrap()
                    .generate(fast().seed(seed))
                    .unwrap()
                    .tokens()
                    .to_vec()
            })
        })
        .collect();
    let threaded: Vec<Vec<i32>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    assert_eq!(threaded, sequential);
}
