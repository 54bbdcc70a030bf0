#!/usr/bin/python3
"""Generation with emopiano against the same network in Python PyTorch.

Reads our model file (magic, version, JSON header, tensors, CRC-32), builds
the same pre-LayerNorm decoder in PyTorch with its own key/value cache, and
runs both sides on one CPU core in the same run:

  1. bench_reference (C++) generates a piece and writes the inputs it fed the
     network, the logits of every step and its timings;
  2. this script feeds the same inputs to the PyTorch network step by step
     and checks that the logits agree: to 1e-3 with --precision f32, and
     within the quality guard with bf16 (the default, as emopiano loads a
     model): the same top token at >= 99% of steps, mean KL(PyTorch ||
     emopiano) < 1e-3;
  3. it times PyTorch's network step alone over those inputs, and a PyTorch
     generation loop (step, temperature, top-p, a draw) of as many tokens;
  4. it prints both sides' tokens/s and the ratios.

The PyTorch loop samples with the same parameters but without the REMI
grammar (bars and positions come from our piece), and with one row a step,
where our sampler runs the model's classifier-free guidance by default (two
rows a step); so it does less work per token than our sampler: the comparison
favours PyTorch. --guidance 1 runs ours with one row too.

  bench/generation_vs_pytorch.py --reference build/bench/bench_reference [--tokens 500] [--cpu 1]
                                 [--precision bf16|f32] [--guidance W]

Needs Debian's python3-torch (run with /usr/bin/python3) and nothing else.
"""
import argparse
import json
import math
import os
import struct
import subprocess
import sys
import tempfile
import time
import zlib

import torch
import torch.nn.functional as F

MAGIC = b"EMOPIANO"


def read_model(path):
    """(header, {name: float32 tensor}) from our container; checks the CRC."""
    data = open(path, "rb").read()
    if data[:8] != MAGIC:
        sys.exit(f"{path}: not an emopiano model")
    (version,) = struct.unpack_from("<I", data, 8)
    if version != 1:
        sys.exit(f"{path}: format version {version}, this script reads 1")
    (header_size,) = struct.unpack_from("<Q", data, 12)
    header = json.loads(data[20:20 + header_size])
    (stored_crc,) = struct.unpack_from("<I", data, len(data) - 4)
    if zlib.crc32(data[:-4]) != stored_crc:
        sys.exit(f"{path}: checksum mismatch")
    start = 20 + header_size
    dtypes = {"f32": torch.float32, "f16": torch.float16, "bf16": torch.bfloat16}
    tensors = {}
    for t in header["tensors"]:
        raw = bytearray(data[start + t["offset"]:start + t["offset"] + t["size"]])
        tensors[t["name"]] = torch.frombuffer(raw, dtype=dtypes[t["dtype"]]).reshape(t["shape"]).float()
    return header, tensors


class Net:
    """The emopiano network (src/model/emotion_transformer.cpp) with a K/V cache."""

    def __init__(self, header, w):
        m = header["model"]
        self.layers, self.d, self.heads = m["n_layers"], m["d_model"], m["n_heads"]
        self.ctx, self.max_bars = m["context_length"], m["max_bars"]
        self.hd = self.d // self.heads
        # Grouped-query attention: query head h reads K/V head h // group.
        self.kv_heads = m.get("n_kv_heads") or self.heads
        self.group = self.heads // self.kv_heads
        # A sliding window (src/kernels/attention_window.hpp): a token at p sees
        # keys from (p // 16 + 1) * 16 - window on.
        self.window = m.get("attention_window") or 0
        self.w = w
        self.ppb = w["bar_position_embedding.weight"].shape[0]
        self.reset()

    def reset(self):
        shape = (1, self.kv_heads, self.ctx, self.hd)
        self.k = [torch.empty(shape) for _ in range(self.layers)]
        self.v = [torch.empty(shape) for _ in range(self.layers)]
        self.length = 0

    def step(self, tokens, bars, positions, emotions):
        """Feeds T new tokens (lists); returns the last token's logits [vocab]."""
        w, T, past = self.w, len(tokens), self.length
        tok = torch.tensor(tokens)
        x = (F.embedding(tok, w["token_embedding.weight"])
             + w["position_embedding.weight"][past:past + T]
             + F.embedding(torch.tensor(bars).clamp(0, self.max_bars - 1), w["bar_embedding.weight"])
             + F.embedding(torch.tensor(positions).clamp(0, self.ppb - 1), w["bar_position_embedding.weight"])
             + torch.tensor(emotions) @ w["emotion_embedding"]).unsqueeze(0)
        # The key input: bench_reference feeds none (code 0), so row 0 of the
        # key embedding at every position; files older than the key input have none.
        if "key_embedding" in w:
            x = x + w["key_embedding"][0]
        S = past + T
        for i in range(self.layers):
            p = f"blocks.{i}."
            h = F.layer_norm(x, (self.d,), w[p + "ln1.weight"], w[p + "ln1.bias"])
            qkv = F.linear(h, w[p + "qkv.weight"], w[p + "qkv.bias"]).view(1, T, -1, self.hd).transpose(1, 2)
            q, k, v = qkv.split([self.heads, self.kv_heads, self.kv_heads], dim=1)
            self.k[i][:, :, past:S] = k
            self.v[i][:, :, past:S] = v
            keys, values = self.k[i][:, :, :S], self.v[i][:, :, :S]
            if self.group > 1:  # no copy for the ordinary model: the same ops as before
                keys = keys.repeat_interleave(self.group, dim=1)
                values = values.repeat_interleave(self.group, dim=1)
            scores = (q @ keys.transpose(-2, -1)) * (1.0 / math.sqrt(self.hd))
            if self.window:
                at, key = torch.arange(past, S).unsqueeze(1), torch.arange(S).unsqueeze(0)
                first = ((at // 16 + 1) * 16 - self.window).clamp(min=0)
                scores = scores.masked_fill((key > at) | (key < first), float("-inf"))
            elif T > 1:
                mask = torch.ones(T, S, dtype=torch.bool).triu(past + 1)
                scores = scores.masked_fill(mask, float("-inf"))
            y = (scores.softmax(-1) @ values).transpose(1, 2).reshape(1, T, self.d)
            x = x + F.linear(y, w[p + "proj.weight"], w[p + "proj.bias"])
            h = F.layer_norm(x, (self.d,), w[p + "ln2.weight"], w[p + "ln2.bias"])
            x = x + F.linear(F.gelu(F.linear(h, w[p + "ff1.weight"], w[p + "ff1.bias"])),
                             w[p + "ff2.weight"], w[p + "ff2.bias"])
        x = F.layer_norm(x[0, -1], (self.d,), w["final_ln.weight"], w["final_ln.bias"])
        self.length = S
        return F.linear(x, w["head.weight"], w["head.bias"])


def replay(net, inp, prompt, keep):
    """Feeds the recorded inputs as our sampler did; returns each step's logits."""
    net.reset()
    n = len(inp["tokens"]) - 1
    out = []
    frm, to = 0, prompt
    while to <= n:
        logits = net.step(inp["tokens"][frm:to], inp["bars"][frm:to], inp["positions"][frm:to],
                          inp["emotions"][frm:to])
        if keep:
            out.append(logits)
        frm, to = to, to + 1
    return out


def generate(net, inp, prompt, steps, allowed, temperature=1.0, top_p=0.95, seed=7):
    """A PyTorch generation loop: step, mask, temperature, top-p, draw."""
    gen = torch.Generator().manual_seed(seed)
    net.reset()
    tokens = inp["tokens"][:prompt]
    frm = 0
    for i in range(steps):
        to = len(tokens)  # bars, positions and emotions of our piece at the same indices
        logits = net.step(tokens[frm:to], inp["bars"][frm:to], inp["positions"][frm:to], inp["emotions"][frm:to])
        logits = logits.masked_fill(~allowed, float("-inf")) / temperature
        probs, order = logits.softmax(-1).sort(descending=True)
        cum = probs.cumsum(-1)
        keep = int((cum < top_p).sum()) + 1
        probs = probs[:keep] / probs[:keep].sum()
        tokens.append(int(order[torch.multinomial(probs, 1, generator=gen)]))
        frm = to
    return tokens


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--reference", required=True, help="the bench_reference program")
    ap.add_argument("--model", default=os.path.join(os.path.dirname(__file__), "..", "models", "emopiano-small.pt"))
    ap.add_argument("--tokens", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--cpu", type=int, default=1, help="the core both sides run on")
    ap.add_argument("--precision", choices=["bf16", "f32"], default="bf16",
                    help="emopiano's generation step (PyTorch always runs float32)")
    ap.add_argument("--guidance", type=float, default=-1,
                    help="emopiano's guidance weight (default: the model's own, 3 for the bundled model: two rows "
                         "a step; 1: one row, as the PyTorch loop)")
    args = ap.parse_args()

    os.sched_setaffinity(0, {args.cpu})
    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "reference.json")
        cmd = ["taskset", "-c", str(args.cpu), args.reference, "--model", args.model, "--tokens", str(args.tokens),
               "--threads", "1", "--repeats", str(args.repeats), "--precision", args.precision,
               "--guidance", str(args.guidance), "--out", out]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        ours = json.load(open(out))

    header, weights = read_model(args.model)
    net = Net(header, weights)
    inp, prompt = ours["inputs"], ours["prompt_tokens"]
    with torch.inference_mode():
        theirs = torch.stack(replay(net, inp, prompt, keep=True))
        mine = torch.tensor(ours["step_logits"])
        diff = (theirs - mine).abs().max().item()
        top_agree = (theirs.argmax(-1) == mine.argmax(-1)).float().mean().item()
        p = theirs.double().log_softmax(-1)
        kl = (p.exp() * (p - mine.double().log_softmax(-1))).sum(-1).mean().item()
        print(f"logits ({args.precision}): {mine.shape[0]} steps x {mine.shape[1]} tokens, "
              f"max |PyTorch - emopiano| = {diff:.2e}, same top token at {100 * top_agree:.1f}% of steps, "
              f"mean KL(PyTorch || emopiano) = {kl:.2e}")
        if args.precision == "f32" and diff > 1e-3:
            sys.exit("the logits disagree: the two networks do not compute the same thing")
        if args.precision == "bf16" and (top_agree < 0.99 or kl >= 1e-3):
            sys.exit("the bf16 step is outside the quality guard (same top token >= 99%, mean KL < 1e-3)")

        steps = len(ours["step_logits"])
        best_step = min(timed(lambda: replay(net, inp, prompt, keep=False)) for _ in range(args.repeats))
        vocab = mine.shape[1]
        allowed = torch.ones(vocab, dtype=torch.bool)
        allowed[0] = False  # PAD (BOS is id 1): never sampled, as in our sampler
        allowed[1] = False
        best_gen = min(timed(lambda: generate(net, inp, prompt, steps, allowed)) for _ in range(args.repeats))

    load = open("/proc/loadavg").read().split()[:3]
    py_step, py_gen = steps / best_step, steps / best_gen
    cc_step, cc_gen = ours["step_tokens_per_second"], ours["generate_tokens_per_second"]
    rows = "the model's own guidance" if args.guidance < 0 else f"guidance {args.guidance:g}"
    print(f"batch 1, 1 thread, core {args.cpu}, {steps} tokens, best of {args.repeats}, emopiano in "
          f"{args.precision} with {rows}, load {' '.join(load)}")
    print(f"{'':28}{'emopiano':>12}{'PyTorch':>12}{'ratio':>8}")
    print(f"{'network step (tokens/s)':28}{cc_step:12.0f}{py_step:12.0f}{cc_step / py_step:8.2f}")
    print(f"{'generation (tokens/s)':28}{cc_gen:12.0f}{py_gen:12.0f}{cc_gen / py_gen:8.2f}")


def timed(fn):
    t = time.perf_counter()
    fn()
    return time.perf_counter() - t


if __name__ == "__main__":
    main()
