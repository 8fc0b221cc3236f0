"""Sampling through `MaskGITPipeline` at the original design's sizes: 4 images, 12 steps, seconds per call.

Everything a user's call does is timed: caption encoding (MiniLM), the CFTN's decoding steps, the VQ-VAE
decoder, PIL conversion. Weights are untrained (speed does not depend on them). Sizes: config/naruto.yaml
(CFTN 4096 codes, 32x32 grid, width 256, depth 8, heads 8; its VQ-VAE). Three code paths in the same run:

  uncached  fp32; every step runs the CFTN from scratch (caption projection, every block's cross-attention
            keys and values, pooled caption and adaLN modulations) and computes logits at all 1,024 positions
  fp32      fp32 (`precision='no'`, what every CPU got before the pipeline had a precision): what the captions
            contribute is computed once per call (`CFTN.condition`, kept in `generate_codes`' cache) and the
            head runs only at the masked positions
  shipped   as shipped: the same with `precision='auto'` (the recipe's `mixed_precision`), i.e. the decoding
            steps under bf16 autocast on a CPU with AVX512-BF16/AMX, fp32 (the row above again) elsewhere

and three guidance settings: g = 3 at every step (two forward passes a step), g = 3 inside --interval only
(one pass on the other steps), and g = 0 (one pass a step). The two fp32 paths give the same images (checked
here); bf16 rounds differently, so its images are close to, not equal to, fp32's (the share of equal codes
is printed).

    python benchmarks/pipeline_sampling.py                 # ~3 min on 2 idle cores of an AMX Xeon, ~8 min of an AVX2 EPYC
    python benchmarks/pipeline_sampling.py --repeats 3 --interval 0.2,0.8
    python benchmarks/pipeline_sampling.py --profile      # only: where one shipped call with g = 3 spends its time, by operator
"""
from __future__ import annotations
import argparse, dataclasses, os, statistics, time
from contextlib import contextmanager
from pathlib import Path

import torch

from naruto_maskgit.host import cpu_name, cpu_has_bf16

REPO = Path(__file__).resolve().parents[1]


def pipeline():
    "A MaskGITPipeline with untrained models of config/naruto.yaml's sizes."
    from naruto_maskgit.config import load_config
    from naruto_maskgit.cftn import CFTN
    from naruto_maskgit.vqvae import VQVAE
    from naruto_maskgit.text import CaptionEncoder
    from naruto_maskgit.pipeline import MaskGITPipeline
    cfg = load_config(REPO/'config'/'naruto.yaml')
    torch.manual_seed(0)
    vqvae = VQVAE(**dataclasses.asdict(cfg.vqvae))
    c, G = cfg.cftn, cfg.data.image_size // vqvae.downsample_factor
    cftn = CFTN(codebook_size=c.codebook_size, grid_size=G, width=c.width, depth=c.depth, heads=c.heads, mlp_ratio=c.mlp_ratio,
                dropout=c.dropout, text_kind=cfg.text.kind, text_dim=384, text_max_length=cfg.text.max_length, adaln=c.adaln)
    return MaskGITPipeline(vqvae, cftn, CaptionEncoder(cfg.text.kind, cfg.text.max_length), cfg.data.image_size, cfg.sampling, 'cpu')


@contextmanager
def path(pipe, name:str):
    "Sample with the 'uncached' path (no cache, logits at every position, fp32), the cached one in fp32, or as shipped."
    import naruto_maskgit.sampling as sampling
    cached, precision = sampling.guided_logits, pipe.precision
    def from_scratch(*args, at=None, cache=None, **kw):
        out = cached(*args, **kw)                      # no cache: the model runs from the captions; all positions
        return out if at is None else out[at]
    if name == 'uncached': sampling.guided_logits = from_scratch
    if name != 'shipped': pipe.precision = 'no'
    try: yield
    finally: sampling.guided_logits, pipe.precision = cached, precision


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', type=int, default=4)
    p.add_argument('--steps', type=int, default=12)
    p.add_argument('--repeats', type=int, default=2, help="timed calls per setting and path (after one warm-up call)")
    p.add_argument('--interval', default='0.2,0.8', help="guidance interval lo,hi (fractions of the steps) of the second setting")
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--profile', action='store_true', help="profile one shipped call with g = 3 (torch.profiler, by operator) and stop")
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    lo, hi = (float(v) for v in a.interval.split(','))
    pipe = pipeline()
    pipe.set_progress_bar_config(disable=True)
    print(f"# {cpu_name()} ({'AVX512-BF16/AMX' if cpu_has_bf16() else 'no AVX512-BF16/AMX'}), {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"# pipe('a ninja with orange hair', num_images_per_prompt={a.images}, num_inference_steps={a.steps}, ...): "
          f"median of {a.repeats} calls, seconds; shipped = precision {pipe.precision!r} -> {pipe.sampling_precision} on this CPU")
    settings = [('g=3', dict(guidance_scale=3.0)), (f'g=3 in [{lo:g}, {hi:g})', dict(guidance_scale=3.0, guidance_interval=(lo, hi))),
                ('g=0', dict(guidance_scale=0.0))]
    variants = ('uncached', 'fp32', 'shipped')
    if a.profile: return profile(pipe, a)
    def call(**kw):
        out = pipe('a ninja with orange hair', num_images_per_prompt=a.images, num_inference_steps=a.steps,
                   generator=torch.Generator().manual_seed(0), return_intermediates=True, **kw)
        return out.images, out.intermediates[:, -1]
    rows, images, codes = {}, {}, {}
    for variant in variants:                                                          # warm-up of every path
        with path(pipe, variant): call(**settings[0][1])
    for name, kw in settings:                                                         # interleaved, so drift hits every path
        for variant in variants:
            ts = []
            with path(pipe, variant):
                for _ in range(a.repeats):
                    t = time.perf_counter(); images[(variant, name)], codes[(variant, name)] = call(**kw); ts.append(time.perf_counter() - t)
            rows[(variant, name)] = statistics.median(ts)
    shipped = f"shipped ({pipe.sampling_precision})"
    for variant in variants:
        print(f"{shipped if variant == 'shipped' else variant:15s} " + '  '.join(f"{name}: {rows[(variant, name)]:6.2f}" for name, _ in settings))
    print('# ' + ', '.join(f"{name}: {rows[('fp32', name)] / rows[('shipped', name)]:.2f}x" for name, _ in settings) + " faster shipped than fp32")
    print('# ' + ', '.join(f"{name}: {rows[('uncached', name)] / rows[('shipped', name)]:.2f}x" for name, _ in settings) + " faster shipped than uncached")
    same = all(x.tobytes() == y.tobytes() for n, _ in settings for x, y in zip(images[('uncached', n)], images[('fp32', n)]))
    print(f"# the two fp32 paths give the same images: {same}")
    if pipe.sampling_precision != 'fp32':
        print(f"# shipped ({pipe.sampling_precision}) vs fp32, share of equal codes: "
              + ', '.join(f"{n}: {(codes[('shipped', n)] == codes[('fp32', n)]).float().mean():.0%}" for n, _ in settings))
    print("# goals (issue 21): <= 9 s with g=3, <= 6 s without, on two cores of a CPU with AVX512-BF16; the original code: 27.3 s without guidance")

def profile(pipe, a):
    "Where one shipped call with g = 3 spends its time: torch.profiler's operators by their own time (after a warm-up call)."
    from torch.profiler import profile as torch_profile, ProfilerActivity
    call = lambda: pipe('a ninja with orange hair', num_images_per_prompt=a.images, num_inference_steps=a.steps, guidance_scale=3.0,
                        generator=torch.Generator().manual_seed(0)).images
    call()
    with torch_profile(activities=[ProfilerActivity.CPU]) as prof: call()
    print(prof.key_averages().table(sort_by='self_cpu_time_total', row_limit=14, max_name_column_width=50))


if __name__ == '__main__':
    main()
