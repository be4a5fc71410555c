"""``srgan-cpp models``: the models shipped with the package and their model cards.

    srgan-cpp models                 # a table: name, scale, channels, held-out PSNR vs bicubic
    srgan-cpp models srvgg_x4        # one model card (JSON)
    srgan-cpp models --json          # every card (JSON)
"""
from __future__ import annotations

import argparse
import json
from typing import Any, Dict, List, Optional

from .cli import UsageError


def add_parser(sub: Any) -> None:
    """Adds ``srgan-cpp models``."""
    p = sub.add_parser("models", help="list the models shipped with srgan_cpp (use with -m NAME)",
                       description="Lists the models trained by srgan_cpp and shipped in the package; any of "
                                   "these names works as -m NAME for upscale and eval, and as MODEL for info.")
    p.add_argument("name", nargs="?", default=None, metavar="NAME", help="print this model's card")
    p.add_argument("--json", action="store_true", help="print the model cards as JSON")
    p.set_defaults(func=run_models)


def _row(card: Dict[str, Any]) -> List[str]:
    ev = card.get("evaluation", {})
    model, bic = ev.get("model", {}), ev.get("bicubic", {})
    score = (f"{model['psnr_y']:.2f} dB ({model['psnr_y'] - bic['psnr_y']:+.2f} vs bicubic)"
             if "psnr_y" in model and "psnr_y" in bic else "-")
    return [card["name"] + (" (default)" if card.get("default") else ""), f"x{card['scale']}",
            str(card["in_channels"]), card["architecture"], score, card.get("task", "")]


def run_models(args: argparse.Namespace) -> Optional[int]:
    from .models import shipped

    names = shipped.pretrained_names()
    if args.name is not None:
        try:
            card = shipped.model_card(args.name)
        except KeyError as e:
            raise UsageError("NAME", str(e)) from None
        print(json.dumps(card, indent=2, ensure_ascii=False))
        return 0
    cards = [shipped.model_card(n) for n in names]
    if args.json:
        print(json.dumps(cards, indent=2, ensure_ascii=False))
        return 0
    if not cards:
        print("no models are shipped with this build of srgan_cpp")
        return 0
    header = ["name", "scale", "channels", "architecture", "held-out PSNR (Y)", "task"]
    rows = [header] + [_row(c) for c in cards]
    widths = [max(len(r[i]) for r in rows) for i in range(len(header) - 1)]
    for r in rows:
        print("  ".join(v.ljust(w) for v, w in zip(r, widths)) + "  " + r[-1])
    return 0
