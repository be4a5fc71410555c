"""Training throughput: srgan_cpp's trainer against a BasicSR-style loop, side by side.

Two workloads, the GAN stages of the seeds' models:

* ``esrgan`` - ESRGAN's GAN stage: RRDBNet x4, BasicSR's VGG-style discriminator (128 px),
  L1 1e-2 + VGG19 conv5_4 perceptual 1.0 + relativistic GAN 5e-3, EMA 0.999, Adam for G and D;
* ``srgan`` - SRGAN's stage: MSRResNet x4, the 96 px SRGAN discriminator (batch norm), VGG19
  relu5_4 MSE 0.006 + vanilla GAN 1e-3, Adam for G and D.

Implementations, on the same batch (in memory: data loading is not timed) and the same
initial weights:

* ``basicsr`` - the baseline users have today: the same architectures written in plain
  PyTorch (``tests/basicsr_reference.py``, ``tests/discriminator_reference.py``, the plain
  VGG19 feature extractor), float32, NCHW, torch's default Adam, BasicSR's update order
  (``ESRGANModel`` / ``SRGANModel.optimize_parameters``: D frozen, G step, D step with the real
  and fake terms backpropagated one by one - ESRGAN's D step runs D on the fake batch twice -,
  parameter EMA, every loss ``.item()``-ed for the log);
* ``ours`` / ``ours_bf16`` - one iteration of ``srgan_cpp.train`` (``Trainer.make_step``): the
  C++ generator and discriminator, channels_last, fused Adam, the fused RaGAN op with D(HR)
  shared by the two steps, losses kept on the device; ``ours_bf16`` under bfloat16 autocast.

Before timing, one iteration of each from the same weights is compared: the generator's
loss, its updated weights and EMA must match the baseline's (``check`` in the results;
ESRGAN's discriminator update differs by design: BasicSR detaches the other batch's mean).
Timing: iterations round-robin (``harness.time_side_by_side``), medians; speed ratio =
baseline time / ours (> 1: ours faster). Peak memory: each implementation runs again in a
child process of its own (CPU: peak resident set size of the process, and its growth over
the set-up; CUDA: ``max_memory_allocated``).

Usage::

    python benchmarks/bench_train.py [--device cpu|cuda] [--workloads esrgan,srgan] [--preset cpu|gpu|quick]
        [--repeats 5] [--batch 4] [--rrdb-blocks 6] [--baseline-bf16] [--no-memory] [--out FILE]
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import resource
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Tuple

import torch
import torch.nn.functional as F
from torch import Tensor, nn

_HERE = Path(__file__).resolve().parent
_TESTS = _HERE.parent / "tests"
for _p in (_HERE, _TESTS):  # harness; the BasicSR-style references in tests/helpers
    if str(_p) not in sys.path:
        sys.path.append(str(_p))

import harness  # noqa: E402
from helpers import basicsr_reference as ref_g  # noqa: E402
from helpers import discriminator_reference as ref_d  # noqa: E402
from srgan_cpp.losses import VGGFeatureExtractor, save_random_vgg  # noqa: E402
from srgan_cpp.train import Trainer, load_config  # noqa: E402

LR, BETAS = 1e-4, (0.9, 0.99)


@dataclass
class Workload:
    """One GAN stage: the srgan_cpp configuration pieces and the baseline's networks."""

    name: str
    generator: Dict[str, Any]
    discriminator: Dict[str, Any]
    ref_generator: Callable[[], nn.Module]
    ref_discriminator: Callable[[], nn.Module]
    patch: int
    losses: Dict[str, Any]
    ema: Optional[float]
    scale: int = 4
    batch: int = 4
    extra: Dict[str, Any] = field(default_factory=dict)


def workloads(preset: str, rrdb_blocks: int, batch: Optional[int]) -> Dict[str, Workload]:
    quick = preset == "quick"
    f_g = 16 if quick else 64
    rrdb = dict(num_in_ch=3, num_out_ch=3, scale=4, num_feat=f_g, num_block=1 if quick else rrdb_blocks,
                num_grow_ch=8 if quick else 32)
    msr = dict(num_in_ch=3, num_out_ch=3, num_feat=f_g, num_block=2 if quick else 16, upscale=4)
    f_d = 8 if quick else 64
    vgg_d = dict(num_in_ch=3, num_feat=f_d, input_size=128)
    d96 = dict(in_nc=3, base_nc=f_d)
    esr_layer = "conv1_2" if quick else "conv5_4"
    sr_layer = "relu1_2" if quick else "relu5_4"
    b = batch or (2 if quick else (16 if preset == "gpu" else 4))
    return {
        "esrgan": Workload(
            "esrgan", {"type": "RRDBNet", **rrdb}, {"type": "VGGStyleDiscriminator", **vgg_d},
            lambda: ref_g.RRDBNet(**rrdb), lambda: ref_d.VGGStyleDiscriminator(**vgg_d), 128,
            {"pixel": {"type": "l1", "weight": 1e-2}, "perceptual": {"layers": {esr_layer: 1.0}, "criterion": "l1"},
             "adversarial": {"type": "ragan", "weight": 5e-3}}, 0.999, batch=b),
        "srgan": Workload(
            "srgan", {"type": "MSRResNet", **msr}, {"type": "VGGDiscriminator96", **d96},
            lambda: ref_g.MSRResNet(**msr), lambda: ref_d.DiscriminatorVGG96(**d96), 96,
            {"perceptual": {"layers": {sr_layer: 1.0}, "criterion": "l2", "weight": 0.006},
             "adversarial": {"type": "vanilla", "weight": 1e-3}}, None, batch=b),
    }


# ----------------------------------------------------------------------------------------
# the baseline: BasicSR's models, written with the same plain-PyTorch pieces
# ----------------------------------------------------------------------------------------
def _bce(pred: Tensor, target_is_real: bool) -> Tensor:
    """BasicSR's GANLoss(gan_type='vanilla') without the weight: BCEWithLogits vs 1 / 0."""
    target = torch.ones_like(pred) if target_is_real else torch.zeros_like(pred)
    return F.binary_cross_entropy_with_logits(pred, target)


class BasicSRStyle:
    """One BasicSR iteration (``optimize_parameters``) for a workload."""

    def __init__(self, w: Workload, g: nn.Module, d: nn.Module, vgg_path: str, device: torch.device,
                 amp: bool = False) -> None:
        self.w, self.g, self.d, self.device, self.amp = w, g.to(device).train(), d.to(device).train(), device, amp
        perc = w.losses["perceptual"]
        self.layers = perc["layers"]
        self.perc_weight = float(perc.get("weight", 1.0))
        self.criterion = perc["criterion"]
        self.vgg = VGGFeatureExtractor(list(self.layers), "vgg19", vgg_path).to(device)
        self.opt_g = torch.optim.Adam(self.g.parameters(), lr=LR, betas=BETAS)
        self.opt_d = torch.optim.Adam(self.d.parameters(), lr=LR, betas=BETAS)
        self.ema = None
        if w.ema:
            self.ema = copy.deepcopy(self.g).eval()
            for p in self.ema.parameters():
                p.requires_grad_(False)
        self.log: Dict[str, float] = {}

    def _percep(self, out: Tensor, gt: Tensor) -> Tensor:  # BasicSR's PerceptualLoss.forward
        xf, gf = self.vgg(out), self.vgg(gt.detach())
        crit = F.l1_loss if self.criterion == "l1" else F.mse_loss
        return self.perc_weight * sum(wt * crit(xf[k], gf[k]) for k, wt in self.layers.items())

    def _model_ema(self, decay: float) -> None:  # BasicSR's BaseModel.model_ema (parameters)
        net = dict(self.g.named_parameters())
        for k, v in self.ema.named_parameters():
            v.data.mul_(decay).add_(net[k].data, alpha=1 - decay)

    def __call__(self, lq: Tensor, gt: Tensor) -> None:
        ctx = torch.autocast(self.device.type, dtype=torch.bfloat16) if self.amp else torch.autocast(
            self.device.type, enabled=False)
        losses = self.w.losses
        ragan = losses["adversarial"]["type"] == "ragan"
        adv_w = losses["adversarial"]["weight"]
        loss_dict: Dict[str, Tensor] = {}
        for p in self.d.parameters():
            p.requires_grad = False
        self.opt_g.zero_grad()
        with ctx:
            output = self.g(lq)
            l_g_total = 0
            if "pixel" in losses:
                l_g_pix = losses["pixel"]["weight"] * F.l1_loss(output, gt)
                l_g_total = l_g_total + l_g_pix
                loss_dict["l_g_pix"] = l_g_pix
            l_g_percep = self._percep(output, gt)
            l_g_total = l_g_total + l_g_percep
            loss_dict["l_g_percep"] = l_g_percep
            if ragan:  # ESRGANModel
                real_d_pred = self.d(gt).detach()
                fake_g_pred = self.d(output)
                l_g_real = adv_w * _bce(real_d_pred - torch.mean(fake_g_pred), False)
                l_g_fake = adv_w * _bce(fake_g_pred - torch.mean(real_d_pred), True)
                l_g_gan = (l_g_real + l_g_fake) / 2
            else:  # SRGANModel
                fake_g_pred = self.d(output)
                l_g_gan = adv_w * _bce(fake_g_pred, True)
            l_g_total = l_g_total + l_g_gan
            loss_dict["l_g_gan"] = l_g_gan
        l_g_total.backward()
        self.opt_g.step()
        self.l_g_total = l_g_total.detach()

        for p in self.d.parameters():
            p.requires_grad = True
        self.opt_d.zero_grad()
        with ctx:
            if ragan:
                fake_d_pred = self.d(output).detach()
                real_d_pred = self.d(gt)
                l_d_real = _bce(real_d_pred - torch.mean(fake_d_pred), True) * 0.5
            else:
                real_d_pred = self.d(gt)
                l_d_real = _bce(real_d_pred, True)
        l_d_real.backward()
        with ctx:
            fake_d_pred = self.d(output.detach())
            if ragan:
                l_d_fake = _bce(fake_d_pred - torch.mean(real_d_pred.detach()), False) * 0.5
            else:
                l_d_fake = _bce(fake_d_pred, False)
        l_d_fake.backward()
        self.opt_d.step()
        loss_dict.update(l_d_real=l_d_real, l_d_fake=l_d_fake, out_d_real=torch.mean(real_d_pred.detach()),
                         out_d_fake=torch.mean(fake_d_pred.detach()))
        if self.ema is not None:
            self._model_ema(self.w.ema)
        self.log = {k: v.mean().item() for k, v in loss_dict.items()}  # reduce_loss_dict


# ----------------------------------------------------------------------------------------
# ours
# ----------------------------------------------------------------------------------------
def our_config(w: Workload, vgg_path: str, device: torch.device, amp: str) -> Dict[str, Any]:
    losses = copy.deepcopy(w.losses)
    losses["perceptual"]["weights"] = vgg_path
    stage = {"name": w.name, "iterations": 10 ** 9, "losses": losses,
             "optim_g": {"type": "adam", "lr": LR, "betas": list(BETAS)},
             "optim_d": {"type": "adam", "lr": LR, "betas": list(BETAS)}}
    if w.ema:
        stage["ema"] = w.ema
    return {"name": f"bench_{w.name}", "scale": w.scale, "seed": 0, "device": str(device), "amp": amp,
            "channels_last": True, "generator": w.generator, "discriminator": w.discriminator,
            "data": {"train": {"type": "bundled"}, "patch_size": w.patch, "batch_size": w.batch},
            "stages": [stage], "log": {"progress": "off"}}


@dataclass
class Impl:
    name: str
    step: Callable[[], Any]
    grads: Callable[[], Dict[str, Tensor]]  # the gradients of the last step, for the check


def build(w: Workload, impl: str, vgg_path: str, device: torch.device, batch: Tuple[Tensor, Tensor]) -> Tuple[Impl, Any]:
    """An implementation's one-iteration callable; both start from srgan_cpp's seeded weights."""
    lq, gt = (t.to(device) for t in batch)
    trainer = Trainer(load_config(our_config(w, vgg_path, device, "bf16" if impl.endswith("bf16") else "off")))
    if impl.startswith("ours"):
        step = trainer.make_step()
        cl = torch.channels_last
        lq_cl, gt_cl = lq.contiguous(memory_format=cl), gt.contiguous(memory_format=cl)
        it = [0]

        def run() -> Any:
            it[0] += 1
            return step(lq_cl, gt_cl, it[0])

        return Impl(impl, run, lambda: _grads(trainer.g_raw, trainer.d_raw)), step
    trainer.prepare()  # srgan_cpp's seeded initial weights, without building its training state
    g, d = w.ref_generator(), w.ref_discriminator()
    g.load_state_dict(trainer._prepared[0][0].state_dict())
    d.load_state_dict(trainer._prepared[0][1].state_dict())
    del trainer
    loop = BasicSRStyle(w, g, d, vgg_path, device, amp=impl.endswith("bf16"))

    return Impl(impl, lambda: loop(lq, gt), lambda: _grads(loop.g, loop.d)), loop


def _grads(g: nn.Module, d: nn.Module) -> Dict[str, Tensor]:
    out = {f"g.{k}": p.grad for k, p in g.named_parameters() if p.grad is not None}
    out.update({f"d.{k}": p.grad for k, p in d.named_parameters() if p.grad is not None})
    return out


def batch_for(w: Workload, seed: int = 0) -> Tuple[Tensor, Tensor]:
    g = torch.Generator().manual_seed(seed)
    gt = torch.rand(w.batch, 3, w.patch, w.patch, generator=g)
    lq = F.avg_pool2d(gt, w.scale)  # any LR works for timing; this one is consistent with gt
    return lq, gt


def _max_rel(a: Dict[str, Tensor], b: Dict[str, Tensor], prefix: str) -> float:
    """||a - b|| / ||b|| over all of one network's gradients (per-tensor ratios would be
    dominated by the ~0 gradients of conv biases followed by batch norm)."""
    keys = [k for k in b if k.startswith(prefix)]
    assert keys and all(k in a for k in keys), "the implementations' parameters differ"
    diff = torch.cat([(a[k].double() - b[k].double()).flatten() for k in keys])
    ref = torch.cat([b[k].double().flatten() for k in keys])
    return float(diff.norm() / (ref.norm() + 1e-30))


def check(w: Workload, vgg_path: str, device: torch.device, batch: Tuple[Tensor, Tensor]) -> Dict[str, Any]:
    """One iteration of ours (float32) and of the baseline from the same weights: the
    generator's loss and gradients agree (and the discriminator's, except for ESRGAN's D
    step, whose gradient differs by design: BasicSR detaches the other batch's mean)."""
    ours, _ = build(w, "ours", vgg_path, device, batch)
    base, loop = build(w, "basicsr", vgg_path, device, batch)
    res = ours.step()
    base.step()
    a, b = ours.grads(), base.grads()
    g_rel = _max_rel(a, b, "g.")
    d_rel = _max_rel(a, b, "d.")
    l_ours, l_base = float(res.terms["l_g_total"]), float(loop.l_g_total)
    ragan = w.losses["adversarial"]["type"] == "ragan"
    # float32 rounding differs between the layouts; batch norm (the SRGAN discriminator, batches of
    # 4) amplifies it in D's gradient, hence the looser bound there
    ok = abs(l_ours - l_base) <= 1e-5 * abs(l_base) + 1e-8 and g_rel < 1e-3 and (ragan or d_rel < 1e-2)
    return {"ok": bool(ok), "g_loss_ours": l_ours, "g_loss_basicsr": l_base, "g_grad_max_rel_diff": g_rel,
            "d_grad_max_rel_diff": d_rel, "d_compared": not ragan}


def child_memory(args: argparse.Namespace, workload: str, impl: str) -> Dict[str, Any]:
    """Peak memory of ``impl`` measured in a process of its own."""
    cmd = [sys.executable, __file__, "--child", f"{workload}:{impl}", "--device", args.device, "--preset", args.preset,
           "--rrdb-blocks", str(args.rrdb_blocks), "--vgg", args.vgg]
    if args.batch:
        cmd += ["--batch", str(args.batch)]
    if args.threads:
        cmd += ["--threads", str(args.threads)]
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=3600)
    if r.returncode != 0:
        return {"error": r.stderr.strip().splitlines()[-1] if r.stderr.strip() else f"exit {r.returncode}"}
    return json.loads(r.stdout.strip().splitlines()[-1])


def _status_mb(field_name: str) -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1]) / 1024.0
    return float("nan")


def _reset_peak_rss() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def run_child(args: argparse.Namespace) -> None:
    name, impl = args.child.split(":")
    device = torch.device(args.device)
    w = workloads(args.preset, args.rrdb_blocks, args.batch)[name]
    batch = batch_for(w)
    fn, _ = build(w, impl, args.vgg, device, batch)
    if device.type == "cuda":
        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    before = _status_mb("VmRSS")
    reset = _reset_peak_rss()
    for _ in range(3):
        fn.step()
    out: Dict[str, Any] = {}
    if device.type == "cuda":
        torch.cuda.synchronize()
        out["peak_mb"] = torch.cuda.max_memory_allocated() / 2 ** 20
        out["growth_mb"] = (torch.cuda.max_memory_allocated() - base) / 2 ** 20
    else:
        # the peak resident set size of the training iterations (the set-up's peak is
        # forgotten first when the kernel allows it: /proc/self/clear_refs)
        peak = _status_mb("VmHWM") if reset else resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        out.update(peak_mb=peak, growth_mb=peak - before, setup_rss_mb=before, setup_peak_forgotten=reset)
    print(json.dumps(out))


def main(argv: Optional[List[str]] = None) -> Dict[str, Any]:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="cpu")
    p.add_argument("--workloads", default="esrgan,srgan")
    p.add_argument("--preset", choices=["cpu", "gpu", "quick"], default="cpu",
                   help="sizes: cpu (RRDBNet --rrdb-blocks, batch 4), gpu (23 blocks, batch 16), quick (tests)")
    p.add_argument("--rrdb-blocks", type=int, default=None, help="RRDB blocks (default 6 on cpu, 23 on gpu)")
    p.add_argument("--batch", type=int, default=None)
    p.add_argument("--repeats", type=int, default=5)
    p.add_argument("--baseline-bf16", action="store_true", help="also time the baseline under bf16 autocast")
    p.add_argument("--no-memory", action="store_true", help="skip the peak-memory child processes")
    p.add_argument("--no-bf16", action="store_true", help="skip ours_bf16")
    p.add_argument("--threads", type=int, default=None, help="torch intra-op threads (default: torch's)")
    p.add_argument("--out", default=None)
    p.add_argument("--quiet", action="store_true")
    p.add_argument("--child", help=argparse.SUPPRESS)
    p.add_argument("--vgg", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.rrdb_blocks is None:
        args.rrdb_blocks = 23 if args.preset == "gpu" else 6
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.child:
        run_child(args)
        return {}
    device = torch.device(args.device)
    if device.type == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda: CUDA is not available")
    out = Path(args.out) if args.out else _HERE / "results" / f"{device.type}_train.json"
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, file=sys.stderr, flush=True))
    ws = workloads(args.preset, args.rrdb_blocks, args.batch)
    impls = ["ours", "basicsr"] + ([] if args.no_bf16 else ["ours_bf16"]) + (["basicsr_bf16"] if args.baseline_bf16 else [])
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        args.vgg = os.path.join(tmp, "vgg19_random.pth")
        save_random_vgg(args.vgg)  # the same (untrained) VGG19 for both: ImageNet weights cannot be downloaded
        for name in args.workloads.split(","):
            w = ws[name]
            batch = batch_for(w)
            say(f"[{name}] check")
            chk = check(w, args.vgg, device, batch)
            fns, errors = {}, {}
            for impl in impls:
                try:
                    fn = build(w, impl, args.vgg, device, batch)[0].step
                    fn()  # fails here, not in the middle of the timing, if this combination cannot run
                    fns[impl] = fn
                except (RuntimeError, TypeError, ValueError) as e:
                    errors[impl] = f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"
                    say(f"[{name}] {impl} cannot run: {errors[impl]}")
            say(f"[{name}] timing {list(fns)} x {args.repeats}")
            timing = harness.time_side_by_side(fns, harness.TimingConfig(warmup=1, repeats=args.repeats,
                                                                         min_sample_ms=0.0, max_inner=1), device)
            base_ms = timing["basicsr"].median_ms
            row: Dict[str, Any] = {"workload": name, "check": chk, "batch": w.batch, "patch": w.patch,
                                   "generator": w.generator, "discriminator": w.discriminator, "losses": w.losses,
                                   "implementations": {}}
            for impl, t in timing.items():
                row["implementations"][impl] = {
                    "median_ms": t.median_ms, "q1_ms": t.q1_ms, "q3_ms": t.q3_ms, "it_per_s": 1000.0 / t.median_ms,
                    "speedup_vs_basicsr": base_ms / t.median_ms}
            for impl, err in errors.items():
                row["implementations"][impl] = {"error": err}
            if not args.no_memory:
                for impl in fns:
                    say(f"[{name}] memory {impl}")
                    row["implementations"][impl]["memory"] = child_memory(args, name, impl)
            fns.clear()
            say(json.dumps({name: {i: round(v["speedup_vs_basicsr"], 3) for i, v in row["implementations"].items()
                                   if "speedup_vs_basicsr" in v}}))
            results.append(row)
    report = {"benchmark": "train", "machine": harness.machine_info(device), "preset": args.preset,
              "rrdb_blocks": args.rrdb_blocks, "repeats": args.repeats,
              "note": "per-iteration time of one GAN-stage update on an in-memory batch; the machine is shared "
                      "(2 cores, other jobs running): ratios from round-robin samples",
              "results": results}
    harness.write_json(out, report)
    if not args.quiet:
        for r in results:
            print(f"{r['workload']}: check {'ok' if r['check']['ok'] else 'MISMATCH'}; " + ", ".join(
                f"{i} {v['median_ms'] / 1000:.2f} s/it ({v['speedup_vs_basicsr']:.2f}x)" if "median_ms" in v
                else f"{i} not run ({v['error']})" for i, v in r["implementations"].items()))
    return report


if __name__ == "__main__":
    main()
