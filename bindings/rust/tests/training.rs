//! Datasets and training through the safe layer, on a tiny corpus the test
//! writes: items and splits, a few training steps with progress and metrics
//! callbacks, a trained copy that leaves the model given alone, cancel,
//! resume, errors.
mod common;

use std::cell::RefCell;
use std::path::Path;

use common::{write_corpus, TempDir};
use emopiano::*;

/// One small layer and a short context: a training step takes milliseconds.
const TINY_MODEL: &str = r#"{"n_layers": 1, "d_model": 32, "n_heads": 2, "d_ff": 64,
    "context_length": 64, "max_bars": 32, "dropout": 0}"#;

fn no_cache<'a>() -> DatasetOptions<'a> {
    DatasetOptions::new()
        .cache_dir(Path::new("none"))
        .threads(1)
}

fn tiny_config(steps: i64, checkpoint_dir: &Path) -> String {
    format!(
        r#"{{"max_steps": {steps}, "batch_size": 2, "learning_rate": 3e-3, "warmup_steps": 1,
            "transpose_min": 0, "transpose_max": 0, "bf16": "off", "seed": 5, "threads": 1,
            "checkpoint_dir": "{}"}}"#,
        checkpoint_dir.display()
    )
}

#[test]
fn dataset_loads_counts_and_items() {
    let dir = TempDir::new("dataset");
    let csv = write_corpus(&dir.0);
    let mut stages = Vec::new();
    let mut record = |p: &Progress| {
        stages.push(p.stage.clone());
        true
    };
    let data = Dataset::load(&csv, no_cache().progress(&mut record)).unwrap();
    assert!(stages.iter().any(|s| s == "tokenize"));
    assert_eq!(data.len(), 4);
    assert_eq!(data.count(Some(Split::Train)), 2);
    assert_eq!(data.count(Some(Split::Validation)), 1);
    assert_eq!(data.count(Some(Split::Test)), 1);
    assert_eq!(data.skipped_count(), 0);
    let items: Vec<DatasetItem> = data.items().collect();
    let c = items.iter().find(|i| i.name == "c").expect("piece c");
    assert_eq!((c.quadrant, c.split), (Quadrant::Q3, Split::Validation));
    assert!(c.path.ends_with("c.mid"));
    let tokenizer = Tokenizer::new().unwrap();
    assert_eq!(
        c.tokens,
        tokenizer.encode_file(&c.path, Some(Quadrant::Q3)).unwrap()
    );
    assert_eq!(data.item(4).unwrap_err().status(), Status::InvalidArgument);
}

#[test]
fn dataset_errors_and_cancel() {
    let dir = TempDir::new("dataset-errors");
    let csv = write_corpus(&dir.0);
    let empty = dir.0.join("empty");
    std::fs::create_dir(&empty).unwrap();
    let status = |r: Result<Dataset>| r.err().expect("an error").status();
    assert_eq!(status(Dataset::load(&empty, no_cache())), Status::NotFound);
    assert_eq!(
        status(Dataset::load(&csv, no_cache().fractions(0.7, 0.5))),
        Status::InvalidArgument
    );
    assert_eq!(
        status(Dataset::load(
            &csv,
            no_cache().tokenizer_config_json("{bad")
        )),
        Status::Format
    );
    let token = CancelToken::new().unwrap();
    token.cancel();
    assert_eq!(
        status(Dataset::load(&csv, no_cache().cancel(&token))),
        Status::Cancelled
    );
    let mut stop = |_: &Progress| false;
    assert_eq!(
        status(Dataset::load(&csv, no_cache().progress(&mut stop))),
        Status::Cancelled
    );
}

#[test]
fn trainer_reports_and_trains_its_own_copy() {
    if !has_model_support() {
        return;
    }
    let dir = TempDir::new("trainer");
    let data = Dataset::load(write_corpus(&dir.0), no_cache()).unwrap();
    let model = Model::create(TINY_MODEL, "", 3).unwrap();
    let config = tiny_config(4, &dir.0.join("ckpt"));
    let stages = RefCell::new(Vec::new());
    let metrics = RefCell::new(Vec::new());
    let options = TrainerOptions::new()
        .config_json(&config)
        .progress(|p| {
            stages.borrow_mut().push(p.stage.clone());
            true
        })
        .on_metrics(|m| metrics.borrow_mut().push(*m));
    let mut trainer = Trainer::new(&model, &data, options).unwrap();
    let before = trainer.evaluate().unwrap();
    assert!(before.validation_tokens > 0);
    assert!(before.validation_loss.is_finite());
    let result = trainer.run().unwrap();
    assert_eq!(result.steps, 4);
    assert!(result.tokens_seen > 0);
    assert!(!result.bf16);
    assert!(result.validation_loss < before.validation_loss);
    assert_eq!(trainer.progress(), (4, 4));
    let trained = trainer.model().unwrap();
    drop(trainer);
    assert!(stages.borrow().iter().any(|s| s == "train"));
    let last = *metrics.borrow().last().expect("a metrics report");
    assert_eq!(last.step, 4);
    assert_eq!(last.validation_loss, result.validation_loss);
    let best = metrics
        .borrow()
        .iter()
        .copied()
        .min_by(|a, b| a.validation_loss.total_cmp(&b.validation_loss))
        .unwrap();
    assert_eq!(result.best_validation_step, best.step);
    assert_eq!(result.best_validation_loss, best.validation_loss);
    assert!(dir.0.join("ckpt").join("best_model.pt").exists());
    assert!(trained.metadata_json().unwrap().contains("\"training\""));
    assert_eq!(trained.parameter_count(), model.parameter_count());
    // The model given is untouched.
    assert_eq!(model.metadata_json().unwrap(), "{}");
    let mut sampler = trained.sampler().unwrap();
    sampler
        .generate(
            GenerateOptions::new()
                .quadrant(Quadrant::Q4)
                .max_tokens(64)
                .max_bars(1),
        )
        .unwrap();
}

#[test]
fn trainer_cancel_checkpoints_and_resume_finishes() {
    if !has_model_support() {
        return;
    }
    let dir = TempDir::new("trainer-resume");
    let data = Dataset::load(write_corpus(&dir.0), no_cache()).unwrap();
    let model = Model::create(TINY_MODEL, "", 3).unwrap();
    let checkpoints = dir.0.join("ckpt");
    let config = tiny_config(6, &checkpoints);
    let mut calls = 0;
    let options = TrainerOptions::new().config_json(&config).progress(|_| {
        calls += 1;
        calls < 3
    });
    let mut trainer = Trainer::new(&model, &data, options).unwrap();
    assert_eq!(trainer.run().unwrap_err().status(), Status::Cancelled);
    let stopped_at = trainer.progress().0;
    drop(trainer);
    assert!(stopped_at > 0 && stopped_at < 6, "stopped at {stopped_at}");
    let mut resumed = Trainer::resume(
        &checkpoints,
        &data,
        TrainerOptions::new().config_json(&config),
    )
    .unwrap();
    assert_eq!(resumed.progress().0, stopped_at);
    assert_eq!(resumed.run().unwrap().steps, 6);
}

#[test]
fn trainer_callback_panic_is_resumed_after_the_call() {
    if !has_model_support() {
        return;
    }
    let dir = TempDir::new("trainer-panic");
    let data = Dataset::load(write_corpus(&dir.0), no_cache()).unwrap();
    let model = Model::create(TINY_MODEL, "", 3).unwrap();
    let config = tiny_config(2, &dir.0.join("ckpt"));
    let options = TrainerOptions::new()
        .config_json(&config)
        .on_metrics(|_| panic!("metrics callback failed"));
    let mut trainer = Trainer::new(&model, &data, options).unwrap();
    let caught = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| trainer.run()));
    let panic = caught.expect_err("the panic comes back out of run");
    assert_eq!(
        panic.downcast_ref::<&str>(),
        Some(&"metrics callback failed")
    );
}

#[test]
fn trainer_rejects_bad_configs() {
    if !has_model_support() {
        return;
    }
    let dir = TempDir::new("trainer-config");
    let data = Dataset::load(write_corpus(&dir.0), no_cache()).unwrap();
    let model = Model::create(TINY_MODEL, "", 3).unwrap();
    let status = |json: &str| {
        Trainer::new(&model, &data, TrainerOptions::new().config_json(json))
            .err()
            .expect("an error")
            .status()
    };
    assert_eq!(
        status(r#"{"max_steps": 1, "batch_size": 0}"#),
        Status::InvalidArgument
    );
    assert_eq!(status("{not json"), Status::Format);
}
