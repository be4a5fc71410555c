"""The starting weights of the photo_gray_x4 recipe: the photo_x4 run (the first srvgg_x4) converted to one channel.

    python benchmarks/make_gray_init.py [--src experiments/photo_x4/models/net_g_13000.pth]
        [--out experiments/photo_x4/models/net_g_13000_gray.pth]

``srgan_cpp.models.gray_state_dict``: the first conv summed over its RGB inputs, the last conv
luma-combined over its RGB outputs, everything else copied - a one-channel network that
computes exactly the luma of the RGB model run on the gray image (checked here to 1e-5).
"""
from __future__ import annotations

import argparse

import torch

import srgan_cpp
from srgan_cpp.models import gray_state_dict


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--src", default="experiments/photo_x4/models/net_g_13000.pth")
    p.add_argument("--param-key", default="params_ema")
    p.add_argument("--out", default="experiments/photo_x4/models/net_g_13000_gray.pth")
    args = p.parse_args()
    rgb = srgan_cpp.models.load(torch.load(args.src, map_location="cpu", weights_only=True)[args.param_key])
    d = srgan_cpp.models.describe(rgb)
    # SRVGGNetCompact: body.0 is the first conv, the highest body.<n> the last one (before the shuffle).
    last = max((k.rsplit(".", 1)[0] for k in rgb.state_dict()), key=lambda k: int(k.split(".")[1]))
    gray = srgan_cpp.models.registry.build(d.name, **{**d.kwargs, "num_in_ch": 1, "num_out_ch": 1})
    gray.load_state_dict(gray_state_dict(rgb.state_dict(), "body.0.weight", last, scale=d.scale))
    x = torch.rand(1, 1, 24, 24)
    with torch.no_grad():
        ref = (rgb(x.repeat(1, 3, 1, 1)) * torch.tensor([0.299, 0.587, 0.114]).view(1, 3, 1, 1)).sum(1, keepdim=True)
        assert (gray(x) - ref).abs().max() < 1e-5
    torch.save({"params": gray.state_dict()}, args.out)
    print(f"wrote {args.out} (one-channel {d.name}, exact luma of {args.src})")


if __name__ == "__main__":
    main()
