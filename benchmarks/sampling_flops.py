"""How much arithmetic one sampling call at the original sizes is, and what throughput the speed goals need.

Counts the floating-point operations of one `MaskGITPipeline` call (4 images, 12 steps, config/naruto.yaml's
sizes, untrained weights) with `torch.utils.flop_counter.FlopCounterMode` (matrix products and convolutions,
the bulk of the work), for guidance 3 at every step, guidance 3 in the run's interval, and guidance 0. It then
measures this machine's fp32 matrix-product throughput (a 4096x4096 `torch.mm`, best of 3) and prints, for each
setting, the seconds the counted work takes at that throughput (a floor: nothing else is counted) next to the
issue-21 goals (<= 9 s with guidance, <= 6 s without) and the throughput those goals need.

    python benchmarks/sampling_flops.py        # ~3 min on 2 idle cores of an AVX2 EPYC
"""
from __future__ import annotations
import os, time

import torch
from torch.utils.flop_counter import FlopCounterMode

from naruto_maskgit.host import cpu_name, cpu_has_bf16
from pipeline_sampling import pipeline


def mm_gflops(n:int=4096, repeats:int=3) -> float:
    "Best-of-`repeats` fp32 GFLOP/s of an n x n matrix product on this machine."
    a, b = torch.randn(n, n), torch.randn(n, n)
    torch.mm(a, b)                                                                    # warm-up
    best = min(_timed(lambda: torch.mm(a, b)) for _ in range(repeats))
    return 2 * n ** 3 / best / 1e9

def _timed(f) -> float:
    t = time.perf_counter(); f(); return time.perf_counter() - t


def main():
    print(f"# {cpu_name()} ({'AVX512-BF16/AMX' if cpu_has_bf16() else 'no AVX512-BF16/AMX'}), {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    pipe = pipeline()
    settings = [('g=3', dict(guidance_scale=3.0), 9.0), ('g=3 in [0, 0.5)', dict(guidance_scale=3.0, guidance_interval=(0.0, 0.5)), 9.0),
                ('g=0', dict(guidance_scale=0.0), 6.0)]
    gflop = {}
    for name, kw, _ in settings:
        with FlopCounterMode(display=False) as fc:
            pipe('a ninja with orange hair', num_images_per_prompt=4, num_inference_steps=12, generator=torch.Generator().manual_seed(0), **kw)
        gflop[name] = fc.get_total_flops() / 1e9
    peak = mm_gflops()
    print(f"# fp32 torch.mm 4096x4096 on this machine: {peak:.0f} GFLOP/s (best of 3)")
    for name, _, goal in settings:
        print(f"{name:16s} {gflop[name]:7.0f} GFLOP   at {peak:.0f} GFLOP/s: >= {gflop[name] / peak:5.1f} s   "
              f"goal {goal:g} s needs {gflop[name] / goal:5.0f} GFLOP/s ({gflop[name] / goal / peak:.1f}x this machine's matrix peak)")


if __name__ == '__main__':
    main()
