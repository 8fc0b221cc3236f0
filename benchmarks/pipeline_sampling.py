"""Sampling through `MaskGITPipeline` at the original design's sizes: 4 images, 12 steps, seconds per call.

Everything a user's call does is timed: caption encoding (MiniLM), the CFTN's decoding steps, the VQ-VAE
decoder, PIL conversion. Weights are untrained (speed does not depend on them). Sizes: config/naruto.yaml
(CFTN 4096 codes, 32x32 grid, width 256, depth 8, heads 8; its VQ-VAE). Two code paths in the same run:

  before  every step runs the CFTN from scratch (caption projection, every block's cross-attention keys and
          values, pooled caption and adaLN modulations) and computes logits at all 1,024 positions
  after   as shipped: what the captions contribute is computed once per call (`CFTN.condition`, kept in
          `generate_codes`' cache) and the head runs only at the masked positions

and three guidance settings: g = 3 at every step (two forward passes a step), g = 3 inside --interval only
(one pass on the other steps), and g = 0 (one pass a step). Both paths give the same codes (checked here).

Precision: the pipeline samples in fp32 on every CPU (it has no autocast), so "shipped" is the fp32
column; the line naming the CPU says whether it has AVX512-BF16/AMX (where training's
`mixed_precision: auto` picks bf16).

    python benchmarks/pipeline_sampling.py                 # ~8 min on 2 idle cores of an AVX2 EPYC
    python benchmarks/pipeline_sampling.py --repeats 3 --interval 0.2,0.8
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
def path(name:str):
    "Sample with the 'before' path (no cache, logits at every position) or the shipped one ('after')."
    import naruto_maskgit.sampling as sampling
    shipped = sampling.guided_logits
    def from_scratch(*args, at=None, cache=None, **kw):
        out = shipped(*args, **kw)                     # no cache: the model runs from the captions; all positions
        return out if at is None else out[at]
    if name == 'before': sampling.guided_logits = from_scratch
    try: yield
    finally: sampling.guided_logits = shipped


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', type=int, default=4)
    p.add_argument('--steps', type=int, default=12)
    p.add_argument('--repeats', type=int, default=2, help="timed calls per setting and path (after one warm-up call)")
    p.add_argument('--interval', default='0.2,0.8', help="guidance interval lo,hi (fractions of the steps) of the second setting")
    p.add_argument('--threads', type=int, default=None)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    lo, hi = (float(v) for v in a.interval.split(','))
    print(f"# {cpu_name()} ({'AVX512-BF16/AMX' if cpu_has_bf16() else 'no AVX512-BF16/AMX: fp32 everywhere'}), {os.cpu_count()} cores, "
          f"torch {torch.__version__}, {torch.get_num_threads()} threads, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"# pipe('a ninja with orange hair', num_images_per_prompt={a.images}, num_inference_steps={a.steps}, ...): "
          f"median of {a.repeats} calls, seconds, fp32 (= shipped: the pipeline samples in fp32)")
    settings = [('g=3', dict(guidance_scale=3.0)), (f'g=3 in [{lo:g}, {hi:g})', dict(guidance_scale=3.0, guidance_interval=(lo, hi))),
                ('g=0', dict(guidance_scale=0.0))]
    pipe = pipeline()
    def call(**kw):
        return pipe('a ninja with orange hair', num_images_per_prompt=a.images, num_inference_steps=a.steps,
                    generator=torch.Generator().manual_seed(0), **kw).images
    rows, images = {}, {}
    call(**settings[0][1])                                                            # warm-up
    for name, kw in settings:                                                         # interleaved, so drift hits both paths
        for variant in ('before', 'after'):
            ts = []
            with path(variant):
                for _ in range(a.repeats):
                    t = time.perf_counter(); images[(variant, name)] = call(**kw); ts.append(time.perf_counter() - t)
            rows[(variant, name)] = statistics.median(ts)
    for variant in ('before', 'after'):
        print(f"{variant:7s} " + '  '.join(f"{name}: {rows[(variant, name)]:6.2f}" for name, _ in settings))
    print('# ' + ', '.join(f"{name}: {rows[('before', name)] / rows[('after', name)]:.2f}x" for name, _ in settings) + " faster after")
    same = all(a.tobytes() == b.tobytes() for n, _ in settings for a, b in zip(images[('before', n)], images[('after', n)]))
    print(f"# the two paths give the same images: {same}")
    print("# goals (issue 21): <= 9 s with g=3, <= 6 s without, on two cores of an AVX512-BF16 EPYC; the original code: 27.3 s without guidance")


if __name__ == '__main__':
    main()
