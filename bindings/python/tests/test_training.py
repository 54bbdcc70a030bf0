"""Datasets and training through the binding, on a tiny corpus the test writes:
items and splits, a few training steps with progress and metrics callbacks,
a trained copy that leaves the model given alone, cancel, resume, errors."""
import math
import unittest

from support import emopiano, temp_dir, write_corpus


# One small layer and a short context: a training step takes milliseconds.
TRAINABLE_MODEL = {"n_layers": 1, "d_model": 32, "n_heads": 2, "d_ff": 64, "context_length": 64,
                   "max_bars": 32, "dropout": 0}


def tiny_config(steps, checkpoint_dir):
    return {"max_steps": steps, "batch_size": 2, "learning_rate": 3e-3, "warmup_steps": 1,
            "transpose_min": 0, "transpose_max": 0, "bf16": "off", "seed": 5, "threads": 1,
            "checkpoint_dir": str(checkpoint_dir)}


class DatasetTest(unittest.TestCase):
    def test_loads_counts_and_items(self):
        csv = write_corpus(temp_dir(self))
        reports = []
        with emopiano.Dataset(csv, cache_dir="none", threads=1,
                              progress=lambda p: reports.append(p.stage)) as data:
            self.assertEqual(len(data), 4)
            self.assertEqual(data.count(emopiano.Split.TRAIN), 2)
            self.assertEqual(data.count(emopiano.Split.VALIDATION), 1)
            self.assertEqual(data.count(emopiano.Split.TEST), 1)
            self.assertEqual(data.skipped_count, 0)
            self.assertIn("tokenize", reports)
            items = {item.name: item for item in data}
            self.assertEqual(sorted(items), ["a", "b", "c", "d"])
            c = items["c"]
            self.assertEqual((c.quadrant, c.split), (emopiano.Quadrant.Q3, emopiano.Split.VALIDATION))
            self.assertTrue(c.path.endswith("c.mid"))
            with emopiano.Tokenizer() as tokenizer:
                self.assertEqual(list(c.tokens), tokenizer.encode(c.path, quadrant=emopiano.Quadrant.Q3))
            self.assertEqual(data[-1], data[3])
            with self.assertRaises(IndexError):
                data[4]

    def test_errors_and_cancel(self):
        folder = temp_dir(self)
        csv = write_corpus(folder)
        (folder / "empty").mkdir()
        with self.assertRaises(emopiano.NotFoundError):
            emopiano.Dataset(folder / "empty", cache_dir="none")
        with self.assertRaises(emopiano.InvalidArgumentError):
            emopiano.Dataset(csv, cache_dir="none", validation_fraction=0.7, test_fraction=0.5)
        with self.assertRaises(emopiano.FormatError):
            emopiano.Dataset(csv, cache_dir="none", tokenizer_config="{bad")
        with emopiano.CancelToken() as token:
            token.cancel()
            with self.assertRaises(emopiano.CancelledError):
                emopiano.Dataset(csv, cache_dir="none", cancel=token)
        # A callback's exception comes back out of the call that ran it.
        def boom(_progress):
            raise KeyError("from the callback")
        with self.assertRaises(KeyError):
            emopiano.Dataset(csv, cache_dir="none", threads=1, progress=boom)


@unittest.skipUnless(emopiano.has_model_support, "library built without LibTorch")
class TrainerTest(unittest.TestCase):
    def setUp(self):
        self.folder = temp_dir(self)
        self.data = emopiano.Dataset(write_corpus(self.folder), cache_dir="none", threads=1)
        self.addCleanup(self.data.close)
        self.model = emopiano.Model.create(TRAINABLE_MODEL, seed=3)
        self.addCleanup(self.model.close)

    def test_run_reports_and_trains_its_own_copy(self):
        stages, metrics = set(), []
        trainer = emopiano.Trainer(self.model, self.data, tiny_config(4, self.folder / "ckpt"),
                                   progress=lambda p: stages.add(p.stage) or True,
                                   on_metrics=metrics.append)
        with trainer:
            before = trainer.evaluate()
            self.assertGreater(before.validation_tokens, 0)
            self.assertTrue(math.isfinite(before.validation_loss))
            result = trainer.run()
            self.assertEqual(result.steps, 4)
            self.assertGreater(result.tokens_seen, 0)
            self.assertFalse(result.bf16)
            self.assertLess(result.validation_loss, before.validation_loss)
            self.assertIn("train", stages)
            self.assertEqual(metrics[-1].step, 4)
            self.assertEqual(metrics[-1].validation_loss, result.validation_loss)
            best = min(metrics, key=lambda m: m.validation_loss)
            self.assertEqual(result.best_validation_step, best.step)
            self.assertEqual(result.best_validation_loss, best.validation_loss)
            self.assertTrue((self.folder / "ckpt" / "best_model.pt").exists())
            self.assertEqual(trainer.progress, (4, 4))
            with trainer.model() as trained:
                self.assertIn("training", trained.metadata)
                self.assertEqual(trained.parameter_count, self.model.parameter_count)
                with trained.sampler() as sampler:
                    sampler.generate("calm", seed=1, max_tokens=64, max_bars=1).close()
        # The model given is untouched.
        self.assertEqual(self.model.metadata, {})

    def test_cancel_checkpoints_and_resume_finishes(self):
        config = tiny_config(6, self.folder / "ckpt")
        calls = []
        with emopiano.Trainer(self.model, self.data, config,
                              progress=lambda p: calls.append(p) or len(calls) < 3) as trainer:
            with self.assertRaises(emopiano.CancelledError):
                trainer.run()
            stopped_at = trainer.progress[0]
        self.assertGreater(stopped_at, 0)
        self.assertLess(stopped_at, 6)
        with emopiano.Trainer.resume(self.folder / "ckpt", self.data, config) as resumed:
            self.assertEqual(resumed.progress[0], stopped_at)
            self.assertEqual(resumed.run().steps, 6)

    def test_callback_exception_is_raised_from_run(self):
        def bad_metrics(_metrics):
            raise RuntimeError("metrics callback failed")
        with emopiano.Trainer(self.model, self.data, tiny_config(2, self.folder / "ckpt"),
                              on_metrics=bad_metrics) as trainer:
            with self.assertRaises(RuntimeError):
                trainer.run()

    def test_bad_config_is_an_error(self):
        with self.assertRaises(emopiano.InvalidArgumentError):
            emopiano.Trainer(self.model, self.data, {"max_steps": 1, "batch_size": 0})
        with self.assertRaises(emopiano.FormatError):
            emopiano.Trainer(self.model, self.data, "{not json")


if __name__ == "__main__":
    unittest.main()
