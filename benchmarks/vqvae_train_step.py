"""The tokenizer at the original design's sizes: training-step time, peak memory and quality, before/after in one run.

Three VQ-VAEs, all 128 px images -> 32x32 codes of 4096, batch 16, CPU, in fp32 and in the shipped precision
(train_vqvae.mixed_precision: auto, i.e. bf16 autocast on CPUs with AVX512-BF16/AMX; on others both are fp32 and it runs once):

  before    the first config/naruto.yaml tokenizer: widths 128, 128, 256 with 2 residual blocks at
            every width (128 channels at full 128 px resolution), codes of dimension 256, 8.6M parameters
  previous  the second: widths 32, 64, 128, two full residual blocks only on the 32x32 grid, nearest-
            neighbour upsampling, codes of dimension 64 (config/naruto.yaml with res_block full, upsample nearest)
  after     config/naruto.yaml's tokenizer now (read from the file): the same widths with the original's
            bottleneck blocks (128->32->128) and transposed-convolution upsampling

Each arm runs in its own child process (so its peak RSS is its own), with glibc keeping freed memory
as training does (`host.keep_freed_memory`). A step is what `naruto_train_vqvae` does: forward (encoder,
EMA quantizer, decoder), loss, backward, AdamW step. Timing: median of --repeats steps after --warmup.

--quality-steps S then trains each arm S steps on the bundled emoji train split at 128 px (same seed,
same batches, Adam at a constant --lr: the config's 500 warm-up steps would leave S steps untrained)
and prints held-out PSNR and codebook usage over the whole test split (159 images = 162,816 codes).

    python benchmarks/vqvae_train_step.py                          # timing only, ~2 min on 2 idle cores
    python benchmarks/vqvae_train_step.py --quality-steps 40       # + equal-steps quality (~25 min: 'before' is slow)
    python benchmarks/vqvae_train_step.py --quality-steps 100 --quality-batch-size 4 --dead-code-steps 10   # longer, smaller batches
"""
from __future__ import annotations
import argparse, contextlib, json, os, resource, statistics, subprocess, sys, time
from pathlib import Path

from naruto_maskgit.host import cpu_name, cpu_has_bf16

REPO = Path(__file__).resolve().parents[1]
BEFORE = dict(channels=[128, 128, 256], num_res_blocks=2, code_dim=256, res_block='full', upsample='nearest')
PREVIOUS = dict(res_block='full', upsample='nearest')


def arm_kwargs(name:str) -> dict:
    "VQVAE keyword arguments of an arm: config/naruto.yaml's tokenizer, with the old widths for 'before' and the old blocks for 'previous'."
    from dataclasses import asdict
    from naruto_maskgit.config import load_config
    kw = asdict(load_config(REPO/'config'/'naruto.yaml').vqvae)
    return kw | {'before': BEFORE, 'previous': PREVIOUS}.get(name, {})



def load_split(split:str, n:int|None=None):
    import torch
    from naruto_maskgit.data import CaptionedImages
    ds = CaptionedImages.from_source(None, split, image_size=128)
    idx = range(len(ds)) if n is None else range(min(n, len(ds)))
    return torch.stack([ds[i]['image'] for i in idx])


def run_one(name:str, args) -> dict:
    "In a child process: time the training step of one arm (and optionally its equal-steps quality)."
    import torch
    from naruto_maskgit.host import keep_freed_memory
    from naruto_maskgit.vqvae import VQVAE, psnr
    from naruto_maskgit.quantizer import CodebookUsage
    keep_freed_memory()
    if args.threads: torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    model = VQVAE(**arm_kwargs(name)).train()
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, betas=(0.9, 0.99))
    train_x = load_split('train')
    g = torch.Generator().manual_seed(args.seed)
    def batch(): return train_x[torch.randint(len(train_x), (args.batch_size,), generator=g)]
    amp = lambda: torch.autocast('cpu', dtype=torch.bfloat16) if args._prec == 'bf16' else contextlib.nullcontext()
    def step():
        with amp(): out = model(batch())
        opt.zero_grad(set_to_none=True); out.loss.backward(); opt.step(); return out
    times = []
    for i in range(args.warmup + args.repeats):
        t = time.perf_counter(); step(); dt = time.perf_counter() - t
        if i >= args.warmup: times.append(dt)
    res = {'arm': name, 'precision': args._prec, 'params_M': sum(p.numel() for p in model.parameters()) / 1e6, 'step_s': statistics.median(times),
           'peak_rss_GiB': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20, 'threads': torch.get_num_threads()}
    if args.quality_steps:
        torch.manual_seed(args.seed)
        kw = arm_kwargs(name) | ({'dead_code_steps': args.dead_code_steps} if args.dead_code_steps else {})
        model = VQVAE(**kw).train()
        args.batch_size = args.quality_batch_size or args.batch_size
        opt = torch.optim.Adam(model.parameters(), lr=args.lr)
        g = torch.Generator().manual_seed(args.seed)
        t = time.perf_counter()
        for _ in range(args.quality_steps): step()
        res['quality_train_s'] = time.perf_counter() - t
        model.eval(); test_x = load_split('test'); usage, values = CodebookUsage(model.codebook_size), []
        with torch.no_grad():
            for i in range(0, len(test_x), 32):
                codes = model.encode(test_x[i:i + 32]); usage.update(codes)
                values.append(psnr(model.decode(codes), test_x[i:i + 32], reduction='none'))
        res |= {'psnr': torch.cat(values).mean().item(), 'usage': usage.usage, 'codes_used': usage.num_used}
    return res


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--arms', default='before,previous,after')
    p.add_argument('--batch-size', type=int, default=16)
    p.add_argument('--repeats', type=int, default=3, help="timed steps per arm")
    p.add_argument('--warmup', type=int, default=1)
    p.add_argument('--quality-steps', type=int, default=0, help="train each arm this many steps and evaluate held-out PSNR/usage")
    p.add_argument('--quality-batch-size', type=int, default=None, help="batch of the quality run (default: --batch-size)")
    p.add_argument('--dead-code-steps', type=int, default=None, help="override both arms' dead_code_steps in the quality run "
                   "(the config's 50 means no restart at all within a short run)")
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--threads', type=int, default=None)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--json', action='store_true')
    p.add_argument('--precision', default='both', choices=['fp32', 'shipped', 'both'],
                   help="fp32, the shipped precision (train_vqvae.mixed_precision: auto -> bf16 on CPUs with AVX512-BF16/AMX), or both")
    p.add_argument('--_one', default=None, help=argparse.SUPPRESS)
    p.add_argument('--_prec', default='fp32', help=argparse.SUPPRESS)
    args = p.parse_args()
    if args._one:
        print('RESULT ' + json.dumps(run_one(args._one, args))); return
    import torch
    from naruto_maskgit.config import load_config
    from naruto_maskgit.training import resolve_precision
    shipped = {'no': 'fp32', 'bf16': 'bf16'}[resolve_precision(load_config(REPO/'config'/'naruto.yaml').train_vqvae.mixed_precision, cpu=True)]
    precs = {'fp32': ['fp32'], 'shipped': [shipped], 'both': list(dict.fromkeys(['fp32', shipped]))}[args.precision]
    print(f"{cpu_name()} ({'AVX512-BF16/AMX' if cpu_has_bf16() else 'no AVX512-BF16/AMX'}), {os.cpu_count()} cores, torch {torch.__version__}, "
          f"load average {os.getloadavg()[0]:.2f}; batch {args.batch_size}, 128 px, {args.repeats} timed steps after {args.warmup}; "
          f"precision: {', '.join(precs)} (shipped: mixed_precision auto -> {shipped} on this CPU)")
    for name in args.arms.split(','):
        kw = arm_kwargs(name); print(f"  {name}: widths {kw['channels']}, num_res_blocks {kw['num_res_blocks']}, code_dim {kw['code_dim']}, "
                                     f"res_block {kw['res_block']}, upsample {kw['upsample']}")
    results = []
    for name in args.arms.split(','):
        for prec in precs:
            cmd = [sys.executable, __file__, '--_one', name, '--_prec', prec] + [a for a in sys.argv[1:] if a != '--json']
            out = subprocess.run(cmd, capture_output=True, text=True)
            line = next((l for l in out.stdout.splitlines() if l.startswith('RESULT ')), None)
            if line is None: print(out.stderr[-2000:]); sys.exit(1)
            results.append(json.loads(line[7:]))
    print(f"\n{'arm':8s} {'precision':>9s} {'params':>8s} {'step s':>8s} {'peak RSS':>9s}" + (f" {'PSNR dB':>8s} {'usage':>7s} {'codes':>6s}" if args.quality_steps else ''))
    for r in results:
        print(f"{r['arm']:8s} {r['precision']:>9s} {r['params_M']:7.2f}M {r['step_s']:8.2f} {r['peak_rss_GiB']:8.2f}G"
              + (f" {r['psnr']:8.2f} {r['usage']:7.1%} {r['codes_used']:6d}" if args.quality_steps else ''))
    for prec in precs:
        rs = [r for r in results if r['precision'] == prec]
        a = rs[0]
        for b in rs[1:]:
            print(f"\n{prec}: {b['arm']} / {a['arm']}: step time {b['step_s'] / a['step_s']:.3f}x ({a['step_s'] / b['step_s']:.1f}x faster), "
                  f"peak RSS {b['peak_rss_GiB'] / a['peak_rss_GiB']:.2f}x"
                  + (f"; held-out PSNR {b['psnr'] - a['psnr']:+.2f} dB, codebook usage {b['usage'] - a['usage']:+.1%} after {args.quality_steps} steps "
                     f"of batch {args.quality_batch_size or args.batch_size} each" + (f" (dead_code_steps {args.dead_code_steps})" if args.dead_code_steps else '') if args.quality_steps else ''))
    if args.json:
        for r in results: print(json.dumps(r))


if __name__ == '__main__':
    main()
