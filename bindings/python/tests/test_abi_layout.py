"""The ctypes structs against the frozen C layouts (capi/abi/layout.def): the
same size, and every field at the same offset with the same size, so the
binding cannot drift from the header."""
import ctypes
import re
import unittest
from pathlib import Path

from support import emopiano  # noqa: F401  (loads the package the tests use)
from emopiano import _library

LAYOUT = Path(__file__).resolve().parents[3] / "capi" / "abi" / "layout.def"

# C struct -> the binding's ctypes class.
BOUND = {
    "emopiano_note": _library.Note,
    "emopiano_emotion": _library.EmotionStruct,
    "emopiano_progress": _library.Progress,
    "emopiano_midi_read_params": _library.MidiReadParams,
    "emopiano_encode_params": _library.EncodeParams,
    "emopiano_generate_params": _library.GenerateParams,
    "emopiano_generation_info": _library.GenerationInfo,
    "emopiano_session_params": _library.SessionParams,
    "emopiano_session_bar": _library.SessionBar,
    "emopiano_render_params": _library.RenderParams,
    "emopiano_dataset_params": _library.DatasetParams,
    "emopiano_dataset_item": _library.DatasetItem,
    "emopiano_train_metrics": _library.TrainMetrics,
    "emopiano_trainer_params": _library.TrainerParams,
    "emopiano_train_result": _library.TrainResult,
    "emopiano_emotion_prediction": _library.EmotionPrediction,
    "emopiano_vae_params": _library.VaeParams,
}


def frozen_layouts():
    sizes, fields = {}, {}
    text = LAYOUT.read_text()
    for name, size in re.findall(r"^ABI_STRUCT\((\w+), (\d+)\)", text, re.M):
        sizes[name] = int(size)
        fields[name] = []
    for name, field, offset, size in re.findall(
            r"^ABI_FIELD\((\w+), (\w+), (\d+), (\d+)\)", text, re.M):
        fields[name].append((field, int(offset), int(size)))
    return sizes, fields


@unittest.skipUnless(ctypes.sizeof(ctypes.c_void_p) == 8, "ABI v1 layouts are frozen for 64-bit")
class AbiLayoutTest(unittest.TestCase):
    def test_every_bound_struct_has_the_c_layout(self):
        sizes, fields = frozen_layouts()
        for name, cls in BOUND.items():
            with self.subTest(struct=name):
                self.assertEqual(ctypes.sizeof(cls), sizes[name])
                declared = [(f[0], getattr(cls, f[0]).offset, getattr(cls, f[0]).size)
                            for f in cls._fields_]
                self.assertEqual(declared, fields[name])


if __name__ == "__main__":
    unittest.main()
