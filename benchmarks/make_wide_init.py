"""The starting weights of the photo_x4_wide recipe: the photo_x4 run (the first srvgg_x4) widened to 64 features.

    python benchmarks/make_wide_init.py [--src experiments/photo_x4/models/net_g_13000.pth]
        [--width 64] [--out experiments/photo_x4/models/net_g_13000_wide64.pth]

``srgan_cpp.models.widen_state_dict`` (Net2WiderNet): every hidden layer of the
SRVGGNetCompact chain gets ``--width`` channels, new ones copying existing channels (conv
outputs, bias, PReLU slope) and the next conv's weights split between the copies unevenly
(``--split-noise``) - the same function (checked here to 1e-4 relative), with copies that
training can pull apart.
"""
from __future__ import annotations

import argparse

import torch

import srgan_cpp
from srgan_cpp.models import widen_state_dict


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--src", default="experiments/photo_x4/models/net_g_13000.pth")
    p.add_argument("--param-key", default="params_ema")
    p.add_argument("--width", type=int, default=64)
    p.add_argument("--split-noise", type=float, default=0.2)
    p.add_argument("--out", default="experiments/photo_x4/models/net_g_13000_wide64.pth")
    args = p.parse_args()
    narrow = srgan_cpp.models.load(torch.load(args.src, map_location="cpu", weights_only=True)[args.param_key])
    d = srgan_cpp.models.describe(narrow)
    if d.name != "SRVGGNetCompact":
        raise SystemExit(f"make_wide_init: --src must hold an SRVGGNetCompact, got {d.name}")
    # SRVGGNetCompact's body: conv, PReLU, conv, PReLU, ..., conv (the last, before the shuffle).
    n = d.kwargs["num_conv"]
    convs = [f"body.{2 * i}" for i in range(n + 2)]
    acts = [[f"body.{2 * i + 1}.weight"] for i in range(n + 1)]
    state = widen_state_dict(narrow.state_dict(), convs, args.width, acts, split_noise=args.split_noise)
    wide = srgan_cpp.models.registry.build(d.name, **{**d.kwargs, "num_feat": args.width})
    wide.load_state_dict(state)
    x = torch.rand(1, 3, 32, 32)
    with torch.no_grad():
        ref, got = narrow(x), wide(x)
    err = ((got - ref).abs().max() / ref.abs().max()).item()
    assert err < 1e-4, err
    torch.save({"params": wide.state_dict()}, args.out)
    print(f"wrote {args.out} ({d.name} {args.width}x{n}, the function of {args.src}: max rel. diff {err:.1e})")


if __name__ == "__main__":
    main()
