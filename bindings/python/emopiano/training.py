"""Datasets of labelled MIDI and training a generator on them."""
import ctypes
import enum
import json
import os
from typing import NamedTuple, Tuple

from ._handle import Handle
from ._library import (METRICS_FN, PROGRESS_FN, DatasetItem as ItemStruct, DatasetParams, TrainerParams,
                       TrainMetrics as MetricsStruct, TrainResult as ResultStruct, encode_str, i64,
                       lib, size_t, void_p)
from .emotion import Quadrant
from .errors import check
from .model import Model, Progress


class Split(enum.IntEnum):
    ALL = -1  # only for Dataset.count
    TRAIN = 0
    VALIDATION = 1
    TEST = 2


class DatasetItem(NamedTuple):
    name: str       # file name without extension, unique in the dataset
    path: str
    quadrant: Quadrant
    split: Split
    tokens: Tuple[int, ...]  # BOS, emotion, piece, EOS


class TrainMetrics(NamedTuple):
    epoch: int
    step: int
    train_loss: float
    validation_loss: float         # nats per token
    validation_perplexity: float
    validation_accuracy: float     # next-token top-1
    validation_tokens: int
    learning_rate: float
    tokens_per_second: float
    elapsed_seconds: float

    @classmethod
    def _from_struct(cls, s):
        return cls(s.epoch, s.step, s.train_loss, s.validation_loss, s.validation_perplexity,
                   s.validation_accuracy, s.validation_tokens, s.learning_rate,
                   s.tokens_per_second, s.elapsed_seconds)


class TrainResult(NamedTuple):
    steps: int               # optimizer steps in total, resumed ones included
    epochs: float
    tokens_seen: int
    train_seconds: float
    validation_loss: float
    validation_perplexity: float
    validation_accuracy: float
    validation_tokens: int
    best_validation_loss: float
    bf16: bool
    stopped_by_time: bool
    best_validation_step: int  # its weights: best_model.pt in the checkpoint directory


class _Callbacks:
    """C trampolines for Python callbacks, kept alive as long as C may call
    them. An exception a callback raises stops the work at its next progress
    report and is raised again once the C call has returned."""

    def __init__(self, progress=None, on_metrics=None):
        self.failure = []
        self.progress = PROGRESS_FN(self._progress) if progress or on_metrics else PROGRESS_FN()
        self.on_metrics = METRICS_FN(self._metrics) if on_metrics else METRICS_FN()
        self._user_progress, self._user_metrics = progress, on_metrics

    def _progress(self, report, _user_data):
        if self.failure:
            return 0
        if self._user_progress is None:
            return 1
        r = report.contents
        try:
            keep_going = self._user_progress(Progress((r.stage or b"").decode(), r.done, r.total,
                                                      r.elapsed_seconds, (r.detail or b"").decode()))
        except BaseException as err:  # noqa: B902 - re-raised after the call
            self.failure.append(err)
            return 0
        return 0 if keep_going is False else 1

    def _metrics(self, metrics, _user_data):
        if self.failure:
            return
        try:
            self._user_metrics(TrainMetrics._from_struct(metrics.contents))
        except BaseException as err:  # noqa: B902 - re-raised after the call
            self.failure.append(err)

    def check(self, status):
        """check(status), but a callback's own exception comes first: it wins
        over the CANCELLED it caused, and is raised even when the call had
        nothing left to stop (a failure in the last metrics report)."""
        if self.failure:
            failure, self.failure = self.failure[0], []
            raise failure
        check(status)


class Dataset(Handle):
    """A labelled MIDI collection, read and tokenized. Read-only: share it between threads."""

    _free = lib.emopiano_dataset_free

    def __init__(self, root, *, tokenizer_config=None, cache_dir=None, threads=0,
                 apply_sustain_pedal=False, exclude_drums=True, validation_fraction=None,
                 test_fraction=None, progress=None, cancel=None):
        """Loads EMOPIA, Q1..Q4 folders, or a CSV of path,label[,split].

        tokenizer_config: a dict or JSON string (None: the default tokenizer);
        cache_dir: None for ~/.cache/emopiano, "none" for no cache; threads: 0
        for all cores; progress(Progress) is told of stage "tokenize" (return
        False to stop); cancel: a CancelToken. Unreadable files are skipped
        and counted (skipped_count).
        """
        params = DatasetParams()
        check(lib.emopiano_dataset_params_init(ctypes.byref(params), ctypes.sizeof(params)))
        if tokenizer_config is not None:
            params.tokenizer_config_json = encode_str(
                json.dumps(tokenizer_config) if isinstance(tokenizer_config, dict) else tokenizer_config,
                "tokenizer config")
        if cache_dir is not None:
            params.cache_dir = encode_str(os.fspath(cache_dir), "cache dir")
        params.threads = threads
        params.apply_sustain_pedal = int(bool(apply_sustain_pedal))
        params.exclude_drums = int(bool(exclude_drums))
        if validation_fraction is not None:
            params.validation_fraction = validation_fraction
        if test_fraction is not None:
            params.test_fraction = test_fraction
        callbacks = _Callbacks(progress)
        params.progress = callbacks.progress
        if cancel is not None:
            params.cancel = cancel._as_parameter_
        out = void_p()
        callbacks.check(lib.emopiano_dataset_load(ctypes.byref(out), encode_str(os.fspath(root), "root"),
                                                  ctypes.byref(params)))
        super().__init__(out.value)

    def count(self, split=Split.ALL):
        out = size_t()
        check(lib.emopiano_dataset_count(ctypes.byref(out), self, int(split)))
        return out.value

    def __len__(self):
        return self.count(Split.ALL)

    @property
    def skipped_count(self):
        """Files that could not be read or had no label."""
        out = size_t()
        check(lib.emopiano_dataset_skipped_count(ctypes.byref(out), self))
        return out.value

    def __getitem__(self, index):
        if not isinstance(index, int):
            raise TypeError("dataset indices are ints")
        if index < 0:
            index += len(self)
        if index < 0:
            raise IndexError("dataset index out of range")
        out = ItemStruct()
        out.struct_size = ctypes.sizeof(out)
        try:
            check(lib.emopiano_dataset_item_at(ctypes.byref(out), self, index))
        except ValueError as err:
            if index >= len(self):
                raise IndexError(f"dataset index {index} out of range ({len(self)} pieces)") from err
            raise
        # The pointers borrow from the dataset: copied here.
        return DatasetItem(out.name.decode(), out.path.decode(), Quadrant(out.quadrant),
                           Split(out.split), tuple(out.tokens[:out.token_count]))

    def __iter__(self):
        for i in range(len(self)):
            yield self[i]


class Trainer(Handle):
    """Trains a generator on a dataset: AdamW, warm-up and cosine decay,
    atomic checkpoints, exact resume. One thread drives a trainer.

    It trains its own copy of the model's weights: the Model given never
    changes (samplers may go on using it), and model() hands out the trained
    weights. The dataset is kept alive as long as the trainer.
    """

    _free = lib.emopiano_trainer_free

    def __init__(self, model, dataset, config=None, *, progress=None, on_metrics=None, cancel=None,
                 _resume_from=None):
        """config: a dict or JSON string of the trainer config (max_steps,
        epochs, batch_size, learning_rate, seed, checkpoint_dir, ...); None for
        the defaults. progress(Progress) is told of stages "train" and
        "validate" (return False to stop, the run then checkpoints and raises
        CancelledError); on_metrics(TrainMetrics) after every validation."""
        params = TrainerParams()
        check(lib.emopiano_trainer_params_init(ctypes.byref(params), ctypes.sizeof(params)))
        if config is not None:
            params.config_json = encode_str(json.dumps(config) if isinstance(config, dict) else config,
                                            "trainer config")
        # The library calls these during run() and evaluate(): they live as long as the trainer.
        self._callbacks = _Callbacks(progress, on_metrics)
        params.progress = self._callbacks.progress
        params.on_metrics = self._callbacks.on_metrics
        if cancel is not None:
            params.cancel = cancel._as_parameter_
        self._dataset, self._cancel = dataset, cancel
        out = void_p()
        if _resume_from is None:
            check(lib.emopiano_trainer_create(ctypes.byref(out), model, dataset, ctypes.byref(params)))
        else:
            check(lib.emopiano_trainer_resume(ctypes.byref(out),
                                              encode_str(os.fspath(_resume_from), "checkpoint dir"),
                                              dataset, ctypes.byref(params)))
        super().__init__(out.value)

    @classmethod
    def resume(cls, checkpoint_dir, dataset, config=None, **callbacks):
        """Continues a run from its checkpoint directory."""
        return cls(None, dataset, config, _resume_from=checkpoint_dir, **callbacks)

    def run(self):
        """Trains to the planned steps or time budget."""
        out = ResultStruct()
        out.struct_size = ctypes.sizeof(out)
        self._callbacks.check(lib.emopiano_trainer_run(ctypes.byref(out), self))
        return TrainResult(out.steps, out.epochs, out.tokens_seen, out.train_seconds,
                           out.validation_loss, out.validation_perplexity,
                           out.validation_accuracy, out.validation_tokens,
                           out.best_validation_loss, bool(out.bf16), bool(out.stopped_by_time),
                           out.best_validation_step)

    def evaluate(self):
        """Validation metrics of the current weights."""
        out = MetricsStruct()
        out.struct_size = ctypes.sizeof(out)
        self._callbacks.check(lib.emopiano_trainer_evaluate(ctypes.byref(out), self))
        return TrainMetrics._from_struct(out)

    @property
    def progress(self):
        """(steps taken, steps planned)."""
        step, total = i64(), i64()
        check(lib.emopiano_trainer_progress(ctypes.byref(step), ctypes.byref(total), self))
        return step.value, total.value

    def model(self):
        """A new Model with a copy of the weights trained so far."""
        out = void_p()
        check(lib.emopiano_trainer_model(ctypes.byref(out), self))
        return Model(_pointer=out.value)
