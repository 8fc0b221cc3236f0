"""Codebook health of the VQ-VAE: the original quantizer recipe against ours, same budget.

Trains the VQ-VAE twice in one run, with the same steps, batch size, seed, data order and
learning rate, on the bundled emoji train split at 128 px with the seed-sized codebook
(4096 codes of dimension 256, a 32x32 code grid):

- original: codes drawn with normal_() and never restarted, EMA decay 0.99 (the original
  implementation's recipe, on this project's quantizer);
- ours: codes initialised from the first batch's encoder outputs; a code unused for 10 steps is
  restarted near an encoder output of the current batch (splitting that vector's cluster, vectors
  drawn by quantization error); EMA decay 0.95, so the codebook keeps up with an encoder that
  moves fast early in training (0.99 is fine for long runs at lower learning rates).

Then it encodes the held-out test split (159 images = 162,816 code positions) and prints
held-out PSNR, the codebook usage over that whole pass (fraction of the 4096 codes used at
least once), its perplexity and training steps/s, with ratios ours / original.

The encoder and decoder are narrower than the seed config's (default widths 16, 32, 64 with
one residual block per width, 0.41M parameters, instead of 128, 128, 256 with two) and the
batch is 8, so that each arm takes about three minutes on a 2-core CPU; the quantizer is the
seed's size. On a CPU shared with other jobs, --threads 1 is much faster than two threads.

    python benchmarks/vqvae_codebook.py --steps 200 --batch-size 8 --seed 0 --image-size 128 --threads 1
"""
import argparse, time

import torch
import torch.nn.functional as F

from naruto_maskgit.data import CaptionedImages
from naruto_maskgit.quantizer import CodebookUsage
from naruto_maskgit.vqvae import VQVAE, psnr


def load_split(split, image_size):
    "All images of a split of the bundled set as one (N, 3, S, S) tensor in [-1, 1]."
    ds = CaptionedImages.from_source(None, split, image_size=image_size)
    return torch.stack([ds[i]['image'] for i in range(len(ds))])


def train_arm(name, vqvae_kwargs, train_x, args):
    "Train one VQ-VAE; returns the model and its training steps/s."
    torch.manual_seed(args.seed)                                   # same weights in every arm
    model = VQVAE(**vqvae_kwargs)
    opt = torch.optim.Adam(model.parameters(), lr=args.lr)
    order = torch.Generator().manual_seed(args.seed)               # same batches in every arm
    perm, pos = torch.randperm(len(train_x), generator=order), 0
    model.train()
    start = time.perf_counter()
    for step in range(1, args.steps + 1):
        if pos + args.batch_size > len(perm): perm, pos = torch.randperm(len(train_x), generator=order), 0
        batch = train_x[perm[pos:pos + args.batch_size]]; pos += args.batch_size
        out = model(batch)
        opt.zero_grad(set_to_none=True); out.loss.backward(); opt.step()
        if args.log_every and (step % args.log_every == 0 or step == 1):
            print(f'  [{name}] step {step:4d}  recon {out.recon_loss.item():.4f}  commit {out.commit_loss.item():.5f}  '
                  f'batch perplexity {out.perplexity.item():7.1f}  {time.perf_counter() - start:6.1f} s', flush=True)
    return model, args.steps / (time.perf_counter() - start)


@torch.no_grad()
def evaluate(model, test_x, batch_size=32):
    "Held-out PSNR (mean over images) and the codebook usage over the whole held-out pass."
    model.eval()
    usage, values = CodebookUsage(model.codebook_size), []
    for i in range(0, len(test_x), batch_size):
        x = test_x[i:i + batch_size]
        codes = model.encode(x)
        usage.update(codes)
        values.append(psnr(model.decode(codes), x, reduction='none'))
    return torch.cat(values).mean().item(), usage


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--steps', type=int, default=200)
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--image-size', type=int, default=128)
    p.add_argument('--lr', type=float, default=1e-3)
    p.add_argument('--channels', type=int, nargs='+', default=[16, 32, 64])
    p.add_argument('--num-res-blocks', type=int, default=1)
    p.add_argument('--codebook-size', type=int, default=4096)
    p.add_argument('--code-dim', type=int, default=256)
    p.add_argument('--dead-code-steps', type=int, default=10, help='ours: restart a code unused for this many steps')
    p.add_argument('--ema-decay', type=float, default=0.95, help='ours: codebook EMA decay (the original recipe keeps 0.99)')
    p.add_argument('--threads', type=int, default=0, help='torch threads (0: torch default); 1 is faster on a busy shared CPU')
    p.add_argument('--arms', nargs='+', default=['original', 'ours'], choices=['original', 'ours'])
    p.add_argument('--log-every', type=int, default=50)
    args = p.parse_args()
    if args.threads: torch.set_num_threads(args.threads)

    train_x, test_x = load_split('train', args.image_size), load_split('test', args.image_size)
    common = dict(channels=args.channels, num_res_blocks=args.num_res_blocks, codebook_size=args.codebook_size,
                  code_dim=args.code_dim)
    arms = {'original': dict(common, codebook_init='normal', restart_dead=False, ema_decay=0.99),
            'ours': dict(common, codebook_init='data', restart_dead=True, ema_decay=args.ema_decay,
                         dead_code_steps=args.dead_code_steps)}
    grid = args.image_size // 2 ** (len(args.channels) - 1)
    print(f'train {len(train_x)} / held-out {len(test_x)} images at {args.image_size} px -> {grid}x{grid} codes '
          f'({len(test_x) * grid * grid} held-out vectors); codebook {args.codebook_size} x {args.code_dim}; '
          f'widths {args.channels}, {args.num_res_blocks} res block(s) per width; '
          f'{args.steps} steps, batch {args.batch_size}, Adam lr {args.lr}, seed {args.seed}, '
          f'{torch.get_num_threads()} thread(s)\n'
          f'original: normal_() codes, no restarts, EMA decay 0.99; ours: codes from the first batch, '
          f'restart after {args.dead_code_steps} unused steps, EMA decay {args.ema_decay}', flush=True)

    results = {}
    for name in args.arms:
        model, steps_per_s = train_arm(name, arms[name], train_x, args)
        held_out_psnr, usage = evaluate(model, test_x)
        results[name] = dict(psnr=held_out_psnr, usage=usage.usage, used=usage.num_used,
                             perplexity=usage.perplexity, steps_per_s=steps_per_s)
        print(f'  [{name}] done: {usage}', flush=True)
    print(f'  (params per model: {sum(p.numel() for p in model.parameters()) / 1e6:.2f}M)')

    print()
    print("| recipe     | held-out PSNR (dB) | codebook usage (held-out pass) | perplexity | steps/s |")
    print("|------------|-------------------:|-------------------------------:|-----------:|--------:|")
    for name, r in results.items():
        used = f"{r['usage']:.1%} ({r['used']}/{args.codebook_size})"
        print(f"| {name:10s} | {r['psnr']:18.2f} | {used:>30s} | {r['perplexity']:10.1f} | {r['steps_per_s']:7.3f} |")
    if len(results) == 2:
        o, u = results['original'], results['ours']
        print(f"| ours/orig. | {u['psnr'] / o['psnr']:17.2f}x | {u['usage'] / o['usage']:29.1f}x | "
              f"{u['perplexity'] / o['perplexity']:9.1f}x | {u['steps_per_s'] / o['steps_per_s']:6.2f}x |")
        print(f"\nPSNR gain {u['psnr'] - o['psnr']:+.2f} dB; ours uses {u['used']} codes, the original recipe {o['used']}.")


if __name__ == '__main__':
    main()
