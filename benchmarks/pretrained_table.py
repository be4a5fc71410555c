"""Prints the Markdown table of the shipped models from their model cards (docs/pretrained.md, README).

    python benchmarks/pretrained_table.py
"""
from __future__ import annotations

from srgan_cpp.models import shipped


def table() -> str:
    rows = ["| model | scale | channels | architecture | parameters / file | trained | held-out PSNR / SSIM (Y) | bicubic | gain |",
            "|---|---|---|---|---|---|---|---|---|"]
    for name in shipped.pretrained_names():
        c = shipped.model_card(name)
        kw = c["kwargs"]
        tr, ev = c["training"], c["evaluation"]
        its = ", ".join(f"{k} {v}" for k, v in tr.get("stage_iterations", {}).items()) or str(tr.get("iterations"))
        cpu = tr.get("process_cpu_seconds")
        trained = f"{its} its, {cpu / 60:.0f} CPU-min" if cpu else f"{its} its"
        m, b = ev["model"], ev["bicubic"]
        rows.append(f"| `{name}`{' (default)' if c.get('default') else ''} | x{c['scale']} | {c['in_channels']} | "
                    f"{c['architecture']} {kw.get('num_feat')}x{kw.get('num_conv')} | "
                    f"{c['parameters'] / 1e3:.0f} k / {c['weights']['bytes'] / 1e3:.0f} kB | {trained} | "
                    f"{m['psnr_y']:.2f} / {m['ssim_y']:.4f} | {b['psnr_y']:.2f} / {b['ssim_y']:.4f} | "
                    f"{ev['gain_psnr_y_db']:+.2f} dB |")
    return "\n".join(rows)


if __name__ == "__main__":
    print(table())
