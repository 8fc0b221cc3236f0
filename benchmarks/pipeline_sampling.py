"""Sampling through `MaskGITPipeline` at the original design's sizes: 4 images, 12 steps, seconds per call.

Everything a user's call does is timed: caption encoding (MiniLM), the CFTN's decoding steps, the VQ-VAE
decoder, PIL conversion. Weights are untrained (speed does not depend on them). Sizes: config/naruto.yaml
(CFTN 4096 codes, 32x32 grid, width 256, depth 8, heads 8). Two tokenizers in the same run:

  before  the previous config/naruto.yaml VQ-VAE (widths 128, 128, 256, 2 residual blocks at every
          width, codes of dimension 256): its decoder runs 128-channel convolutions at 128 px
  after   config/naruto.yaml's VQ-VAE now (residual blocks only on the 32x32 grid)

and three guidance settings: g = 3 at every step (two forward passes a step), g = 3 inside
--interval only (one pass on the other steps), and g = 0 (one pass a step).

    python benchmarks/pipeline_sampling.py                 # ~3 min on 2 idle cores
    python benchmarks/pipeline_sampling.py --repeats 3 --interval 0.2,0.8
"""
from __future__ import annotations
import argparse, dataclasses, os, statistics, time
from pathlib import Path

import torch

from naruto_maskgit.host import cpu_name

REPO = Path(__file__).resolve().parents[1]
BEFORE = dict(channels=[128, 128, 256], num_res_blocks=2, code_dim=256)



def pipeline(tokenizer:str):
    "A MaskGITPipeline with untrained models of config/naruto.yaml's sizes ('before': the previous tokenizer)."
    from naruto_maskgit.config import load_config
    from naruto_maskgit.cftn import CFTN
    from naruto_maskgit.vqvae import VQVAE
    from naruto_maskgit.text import CaptionEncoder
    from naruto_maskgit.pipeline import MaskGITPipeline
    cfg = load_config(REPO/'config'/'naruto.yaml')
    torch.manual_seed(0)
    kw = dataclasses.asdict(cfg.vqvae) | (BEFORE if tokenizer == 'before' else {})
    vqvae = VQVAE(**kw)
    c, G = cfg.cftn, cfg.data.image_size // vqvae.downsample_factor
    cftn = CFTN(codebook_size=c.codebook_size, grid_size=G, width=c.width, depth=c.depth, heads=c.heads, mlp_ratio=c.mlp_ratio,
                dropout=c.dropout, text_kind=cfg.text.kind, text_dim=384, text_max_length=cfg.text.max_length, adaln=c.adaln)
    return MaskGITPipeline(vqvae, cftn, CaptionEncoder(cfg.text.kind, cfg.text.max_length), cfg.data.image_size, cfg.sampling, 'cpu')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--images', type=int, default=4)
    p.add_argument('--steps', type=int, default=12)
    p.add_argument('--repeats', type=int, default=2, help="timed calls per setting (after one warm-up call per tokenizer)")
    p.add_argument('--interval', default='0.2,0.8', help="guidance interval lo,hi (fractions of the steps) of the third setting")
    p.add_argument('--tokenizers', default='before,after')
    p.add_argument('--threads', type=int, default=None)
    a = p.parse_args()
    if a.threads: torch.set_num_threads(a.threads)
    lo, hi = (float(v) for v in a.interval.split(','))
    print(f"# {cpu_name()}, {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"# pipe('a ninja with orange hair', num_images_per_prompt={a.images}, num_inference_steps={a.steps}, ...): "
          f"median of {a.repeats} calls, seconds")
    settings = [('g=3', dict(guidance_scale=3.0)), (f'g=3 in [{lo:g}, {hi:g})', dict(guidance_scale=3.0, guidance_interval=(lo, hi))),
                ('g=0', dict(guidance_scale=0.0))]
    rows = {}
    for tok in a.tokenizers.split(','):
        pipe = pipeline(tok)
        call = lambda **kw: pipe('a ninja with orange hair', num_images_per_prompt=a.images, num_inference_steps=a.steps,
                                 generator=torch.Generator().manual_seed(0), **kw)
        call(**settings[0][1])                                                       # warm-up
        t = time.perf_counter(); codes = torch.zeros(a.images, pipe.cftn.grid_size, pipe.cftn.grid_size, dtype=torch.long)
        for _ in range(3): pipe.decode(codes)
        dec = (time.perf_counter() - t) / 3
        for name, kw in settings:
            ts = []
            for _ in range(a.repeats):
                t = time.perf_counter(); call(**kw); ts.append(time.perf_counter() - t)
            rows[(tok, name)] = statistics.median(ts)
        rows[(tok, 'decode')] = dec
        print(f"{tok:7s} " + '  '.join(f"{name}: {rows[(tok, name)]:6.2f}" for name, _ in settings) + f"  (VQ-VAE decode of {a.images}: {dec:.2f})")
    toks = a.tokenizers.split(',')
    if len(toks) == 2:
        b, f = toks
        print('# ' + ', '.join(f"{name}: {rows[(b, name)] / rows[(f, name)]:.2f}x" for name, _ in settings) + f" faster with the {f} tokenizer")
        print("# goals (issue 11): <= 9 s with g=3, <= 6 s without; the original code: 27.6 s without guidance")


if __name__ == '__main__':
    main()
