//! Live sessions through the safe layer: the emotion between bars, replay,
//! cancellation from another thread, the recording.
use std::sync::atomic::{AtomicBool, Ordering};

use emopiano::*;

const SMALL: &str = r#"{"n_layers": 2, "d_model": 32, "n_heads": 2, "d_ff": 64, "context_length": 64}"#;

fn play(model: &Model, seed: u64, change_at: usize) -> Vec<Bar> {
    play_with(model, seed, change_at, false)
}

fn play_with(model: &Model, seed: u64, change_at: usize, lookahead: bool) -> Vec<Bar> {
    let options = SessionOptions::new().emotion(Quadrant::Q4).seed(seed).top_p(1.0).lookahead(lookahead);
    let session = Session::new(model, options).unwrap();
    (0..8)
        .map(|b| {
            if b == change_at {
                session.set_emotion(&"sad".parse().unwrap()).unwrap();
            }
            session.next_bar().unwrap()
        })
        .collect()
}

#[test]
fn the_emotion_changes_at_the_next_bar_and_replays_are_identical() {
    let model = Model::create(SMALL, "", 4).unwrap();
    let a = play(&model, 3, 3);
    assert_eq!(a.iter().map(|b| b.index).collect::<Vec<_>>(), (0..8).collect::<Vec<i64>>());
    assert_eq!(a[2].emotion, [0.0, 0.0, 0.0, 1.0]);
    assert_eq!(a[3].emotion, [0.0, 0.0, 1.0, 0.0]);
    for pair in a.windows(2) {
        assert_eq!(pair[1].start_tick, pair[0].end_tick);
    }
    assert!(a.iter().any(|b| !b.notes.is_empty()));
    assert_eq!(play(&model, 3, 3), a);
    let later = play(&model, 3, 4);
    assert_eq!(later[..3], a[..3]);
    assert_ne!(later, a);
    assert_eq!(play_with(&model, 3, 3, true), a, "lookahead writes the same bars");
}

#[test]
fn cancel_from_another_thread_leaves_the_session_usable() {
    let model = Model::create(SMALL, "", 1).unwrap();
    let session = Session::new(&model, SessionOptions::new().seed(2)).unwrap();
    let stop = AtomicBool::new(false);
    let cancelled = std::thread::scope(|scope| {
        scope.spawn(|| {
            std::thread::sleep(std::time::Duration::from_millis(50));
            while !stop.load(Ordering::Relaxed) {
                session.cancel();
                std::thread::sleep(std::time::Duration::from_millis(1));
            }
        });
        let mut cancelled = false;
        for _ in 0..20000 {
            match session.next_bar() {
                Ok(_) => {}
                Err(e) => {
                    assert_eq!(e.status(), Status::Cancelled);
                    cancelled = true;
                    break;
                }
            }
        }
        stop.store(true, Ordering::Relaxed);
        cancelled
    });
    assert!(cancelled);
    // A cancel that came after the first one stops at most one more call.
    let bar = session.next_bar().or_else(|_| session.next_bar()).unwrap();
    assert!(bar.index >= 0);
}

#[test]
fn recording_writes_midi_and_reset_starts_again() {
    let model = Model::create(SMALL, "", 5).unwrap();
    let dir = std::env::temp_dir().join(format!("emopiano-rs-{}-session", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("live.mid");
    let session = Session::new(&model, SessionOptions::new().seed(1).record(true)).unwrap();
    let first = session.next_bar().unwrap();
    let notes: usize = first.notes.len() + (0..4).map(|_| session.next_bar().unwrap().notes.len()).sum::<usize>();
    session.write_midi(&path).unwrap();
    assert_eq!(read_notes_file(&path).unwrap().len(), notes);
    session.reset().unwrap();
    assert_eq!(session.next_bar().unwrap(), first);
    let plain = Session::new(&model, SessionOptions::new()).unwrap();
    assert_eq!(plain.write_midi(&path).unwrap_err().status(), Status::InvalidArgument);
    let bad = Session::new(&model, SessionOptions::new().key("H major"));
    assert!(bad.err().unwrap().to_string().contains("H major"));
    let _ = std::fs::remove_dir_all(&dir);
}
