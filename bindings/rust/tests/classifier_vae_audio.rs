//! The emotion classifier, the VAE and WAV rendering through the safe layer,
//! with the bundled classifier and VAE on pieces the test writes.
mod common;

use common::{write_piece, TempDir, ARPEGGIO, SCALE};
use emopiano::*;

#[test]
fn bundled_classifier_classifies_files_and_bytes() {
    if !has_model_support() || bundled_classifier_path().is_err() {
        return;
    }
    let dir = TempDir::new("classify");
    let path = dir.0.join("piece.mid");
    write_piece(&path, SCALE, 4);
    let bytes = std::fs::read(&path).unwrap();
    let classifier = Classifier::bundled().unwrap();
    let from_file = classifier.classify(MidiSource::Path(&path)).unwrap();
    let from_bytes = classifier.classify(MidiSource::Bytes(&bytes)).unwrap();
    assert_eq!(from_file, from_bytes);
    let p = from_file.probabilities;
    assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-6);
    let best = (0..4)
        .max_by(|&a, &b| p[a].partial_cmp(&p[b]).unwrap())
        .unwrap();
    assert_eq!(from_file.quadrant as usize, best + 1);
    assert!((from_file.arousal - (p[0] + p[1])).abs() < 1e-9);
    assert!((from_file.valence - (p[0] + p[3])).abs() < 1e-9);
    assert!(from_file.windows >= 1);
    let err = classifier
        .classify(MidiSource::Bytes(b"not midi"))
        .unwrap_err();
    assert_eq!(err.status(), Status::Format);
}

#[test]
fn classifier_load_errors() {
    if !has_model_support() {
        return;
    }
    let dir = TempDir::new("classifier-errors");
    let status = |path: &std::path::Path| Classifier::load(path).err().expect("an error").status();
    assert_eq!(status(&dir.0.join("absent.pt")), Status::Io);
    let model_file = dir.0.join("model.pt");
    Model::create(
        r#"{"n_layers": 1, "d_model": 32, "n_heads": 2, "d_ff": 64}"#,
        "",
        1,
    )
    .unwrap()
    .save(&model_file, WeightStorage::F32)
    .unwrap();
    assert_eq!(status(&model_file), Status::Format);
}

fn bundled_vae() -> Option<Vae> {
    if !has_model_support() || bundled_vae_path().is_err() {
        return None;
    }
    Some(Vae::bundled().unwrap())
}

#[test]
fn vae_samples_and_decodes() {
    let vae = match bundled_vae() {
        Some(vae) => vae,
        None => return,
    };
    assert!(vae.latent_dim() > 0);
    assert!(vae.segment_bars() > 0);
    let z = vae.sample_latent(1.0, 3).unwrap();
    assert_eq!(z.len(), vae.latent_dim());
    assert_eq!(z, vae.sample_latent(1.0, 3).unwrap());
    assert_ne!(z, vae.sample_latent(1.0, 4).unwrap());
    let calm = Emotion::from_quadrant(Quadrant::Q4);
    let greedy = VaeOptions::new().temperature(0.0);
    let midi = vae.decode(&z, Some(&calm), &greedy).unwrap();
    validate(&midi).unwrap();
    assert_eq!(
        midi,
        vae.decode(&z, Some(&calm), &greedy).unwrap(),
        "greedy decoding repeats"
    );
    let dir = TempDir::new("vae-decode");
    let out = dir.0.join("segment.mid");
    vae.decode_to_file(&z, Some(&calm), &greedy, &out).unwrap();
    assert_eq!(read_notes_file(&out).unwrap(), read_notes(&midi).unwrap());
    let short = vae.decode(&z[1..], None, &greedy).unwrap_err();
    assert_eq!(short.status(), Status::InvalidArgument);
    let beams = VaeOptions::new().temperature(0.0).beams(4);
    let searched = vae.decode(&z, Some(&calm), &beams).unwrap();
    validate(&searched).unwrap();
    assert_eq!(searched, vae.decode(&z, Some(&calm), &beams).unwrap());
    let sampled = VaeOptions::new().temperature(0.8).beams(4);
    let err = vae.decode(&z, Some(&calm), &sampled).unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
}

#[test]
fn vae_encodes_interpolates_and_transforms() {
    let vae = match bundled_vae() {
        Some(vae) => vae,
        None => return,
    };
    let dir = TempDir::new("vae-encode");
    let (a, b) = (dir.0.join("a.mid"), dir.0.join("b.mid"));
    write_piece(&a, SCALE, vae.segment_bars() as usize);
    write_piece(&b, ARPEGGIO, vae.segment_bars() as usize);
    let happy = Emotion::from_quadrant(Quadrant::Q1);
    let (mean_a, log_var_a) = vae.encode(&a, Some(&happy)).unwrap();
    let (mean_b, _) = vae.encode(&b, Some(&happy)).unwrap();
    assert_eq!(mean_a.len(), vae.latent_dim());
    assert!(mean_a.iter().chain(&log_var_a).all(|x| x.is_finite()));
    assert_ne!(mean_a, mean_b);
    let path = interpolate_latents(&mean_a, &mean_b, 5, false).unwrap();
    assert_eq!(path.len(), 5);
    for d in 0..vae.latent_dim() {
        assert!((path[0][d] - mean_a[d]).abs() < 1e-5);
        assert!((path[4][d] - mean_b[d]).abs() < 1e-5);
        assert!((path[2][d] - (mean_a[d] + mean_b[d]) / 2.0).abs() < 1e-5);
    }
    assert!(interpolate_latents(&mean_a, &mean_b[1..], 3, true).is_err());

    let shift = vae.attribute_vector(Quadrant::Q1, Quadrant::Q3).unwrap();
    let back = vae.attribute_vector(Quadrant::Q3, Quadrant::Q1).unwrap();
    for d in 0..vae.latent_dim() {
        assert!((shift[d] + back[d]).abs() < 1e-5);
    }
    let out = dir.0.join("sad.mid");
    vae.transform(
        &a,
        Quadrant::Q1,
        Quadrant::Q3,
        1.0,
        &VaeOptions::new().temperature(0.0),
        &out,
    )
    .unwrap();
    assert!(!read_notes_file(&out).unwrap().is_empty());

    // Musical attribute vectors: denser and less syncopated, in the same quadrant.
    let dense = vae.musical_attribute_vector(VaeAttribute::Density).unwrap();
    let synco = vae.musical_attribute_vector(VaeAttribute::Syncopation).unwrap();
    assert_eq!(dense.len(), vae.latent_dim());
    assert_ne!(dense, synco);
    let shift: Vec<f32> = dense.iter().zip(&synco).map(|(x, y)| x - y).collect();
    let moved = dir.0.join("denser.mid");
    let greedy = VaeOptions::new().temperature(0.0);
    vae.transform_by(&a, Quadrant::Q1, Quadrant::Q1, &shift, &greedy, &moved).unwrap();
    assert!(!read_notes_file(&moved).unwrap().is_empty());
    assert!(vae.transform_by(&a, Quadrant::Q1, Quadrant::Q1, &shift[1..], &greedy, &moved).is_err());
}

#[test]
fn renders_a_wav_or_says_it_cannot() {
    let dir = TempDir::new("audio");
    let midi_path = dir.0.join("piece.mid");
    write_piece(&midi_path, SCALE, 1);
    let midi = std::fs::read(&midi_path).unwrap();
    let wav = dir.0.join("out.wav");
    let options = RenderOptions::new().sample_rate(22050).tail_seconds(0.25);
    if !audio_available() {
        let err = render_wav(MidiSource::Bytes(&midi), &wav, &options).unwrap_err();
        assert_eq!(err.status(), Status::Unsupported);
        return;
    }
    match render_wav(MidiSource::Bytes(&midi), &wav, &options) {
        Err(e) if e.status() == Status::NotFound => return, // no SoundFont installed
        other => other.unwrap(),
    }
    let data = std::fs::read(&wav).unwrap();
    assert_eq!((&data[..4], &data[8..12]), (&b"RIFF"[..], &b"WAVE"[..]));
    let channels = u16::from_le_bytes([data[22], data[23]]);
    let rate = u32::from_le_bytes([data[24], data[25], data[26], data[27]]);
    assert_eq!((channels, rate), (2, 22050));
    // Two seconds of music (one 4/4 bar at 120 BPM), 16-bit stereo.
    assert!(data.len() > 22050 * 4 * 2);
    let from_file = dir.0.join("from-file.wav");
    render_wav(MidiSource::Path(&midi_path), &from_file, &options).unwrap();
    assert_eq!(std::fs::read(&from_file).unwrap(), data);
    let err = render_wav(
        MidiSource::Bytes(&midi),
        &wav,
        &RenderOptions::new().sample_rate(100),
    )
    .unwrap_err();
    assert_eq!(err.status(), Status::InvalidArgument);
    let err = render_wav(MidiSource::Bytes(b"not midi"), &wav, &options).unwrap_err();
    assert_eq!(err.status(), Status::Format);
}
