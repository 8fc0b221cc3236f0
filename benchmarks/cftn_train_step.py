"""Median CFTN training-step time (forward + backward + AdamW step, CPU) and image tokens/s, in fp32 and as shipped.

Shipped precision = train_cftn.mixed_precision: auto, i.e. bf16 autocast on CPUs with AVX512-BF16/AMX (`--precision`);
on other CPUs both are fp32 and each size runs once.

Two sizes by default, read from the repo's configs:
  quickstart  config/quickstart.yaml: 512 codes, 8x8 grid, width 128, depth 4, heads 4, batch 64, captions of 16 tokens
  original    config/naruto.yaml:     4096 codes, 32x32 grid, width 256, depth 8, heads 8, batch 8, captions of 32 tokens
  original-attn-dropout  the same, with the config's dropout also on the attention weights: what the
                     project did before cftn.attn_dropout existed (the 'before' of the original size)
  original-dropout0  the same with dropout 0 instead of the config's 0.1
Caption features are random (torch.randn, dim 384): the benchmark is about the transformer.
Each size runs in its own child process, so its peak RSS is its own.

    python benchmarks/cftn_train_step.py                       # all four sizes (~3-4 min on 2 idle cores)
    python benchmarks/cftn_train_step.py --sizes quickstart --repeats 10
    python benchmarks/cftn_train_step.py --allocator both   # glibc returning freed memory (default) vs kept (what training does)
"""
from __future__ import annotations
import argparse, json, os, platform, resource, statistics, subprocess, sys, time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SIZES = {  # name: (config file, caption length, default timed steps, dropout override or None = the config's, attention dropout = dropout?)
    'quickstart': ('config/quickstart.yaml', 16, 8, None, False),
    'original': ('config/naruto.yaml', 32, 2, None, False),
    'original-attn-dropout': ('config/naruto.yaml', 32, 2, None, True),   # before: dropout on the attention weights too (math path)
    'original-dropout0': ('config/naruto.yaml', 32, 2, 0.0, False),      # no dropout at all
}


def grid_size_of(cfg) -> int:
    "The VQ-VAE's code grid: image_size halved once per stride-2 stage (one between consecutive channel widths)."
    return cfg.data.image_size // 2 ** (len(cfg.vqvae.channels) - 1)


def loss_fn():
    "The project's training loss if `train_cftn` exists yet, else the same step written inline."
    try:
        from naruto_maskgit.train_cftn import masked_token_loss
        return masked_token_loss, 'naruto_maskgit.train_cftn.masked_token_loss'
    except ImportError:
        import torch, torch.nn.functional as F
        from naruto_maskgit.masking import random_mask
        def masked_token_loss(model, batch, schedule='cosine', cond_drop_prob=0.1, label_smoothing=0.0):
            codes = batch['codes']; B, N = codes.shape
            mask = random_mask(B, N, schedule, device=codes.device)                          # (B, N) True = hidden
            drop = (torch.rand(B, device=codes.device) < cond_drop_prob) | batch['empty']    # (B,)
            logits = model(codes.masked_fill(mask, model.mask_token_id), batch['text'], batch['text_mask'], drop)
            loss = F.cross_entropy(logits[mask], codes[mask], label_smoothing=label_smoothing)
            return loss, {'loss': loss.item()}
        return masked_token_loss, 'inline (random_mask -> masked_fill -> CFTN -> cross_entropy on masked codes)'


def run_one(name:str, repeats:int, warmup:int, threads:int|None, caption_len:int|None, seed:int,
            dropout:float|None=None, keep_memory:bool=True, prec:str='fp32') -> dict:
    "Time `repeats` training steps of size `name` after `warmup` untimed ones; returns a dict of figures."
    import torch
    kept = False
    if keep_memory:   # what make_accelerator does for training (see 00b_host: keep_freed_memory)
        from naruto_maskgit.host import keep_freed_memory
        kept = keep_freed_memory()
    from naruto_maskgit.config import load_config
    from naruto_maskgit.cftn import CFTN
    if threads: torch.set_num_threads(threads)
    torch.manual_seed(seed)
    path, default_len, _, size_dropout, attn_too = SIZES[name]
    cfg = load_config(REPO / path)
    c, tc, G = cfg.cftn, cfg.train_cftn, grid_size_of(cfg)
    L = caption_len or default_len
    drop = dropout if dropout is not None else size_dropout if size_dropout is not None else c.dropout
    attn_drop = drop if attn_too else c.attn_dropout
    model = CFTN(codebook_size=c.codebook_size, grid_size=G, width=c.width, depth=c.depth, heads=c.heads,
                 mlp_ratio=c.mlp_ratio, dropout=drop, attn_dropout=attn_drop, text_kind='minilm', text_dim=384,
                 text_max_length=cfg.text.max_length, adaln=c.adaln)
    model.train()
    opt = torch.optim.AdamW(model.parameters(), lr=tc.lr, weight_decay=tc.weight_decay)
    loss_f, loss_src = loss_fn()
    B, N = tc.batch_size, G * G
    batch = {'codes': torch.randint(0, c.codebook_size, (B, N)),     # (B, N)
             'text': torch.randn(B, L, 384),                          # (B, L, 384) stand-in MiniLM features
             'text_mask': torch.ones(B, L, dtype=torch.bool),         # (B, L) all real tokens
             'empty': torch.zeros(B, dtype=torch.bool)}

    import contextlib
    amp = lambda: torch.autocast('cpu', dtype=torch.bfloat16) if prec == 'bf16' else contextlib.nullcontext()
    def step():
        with amp(): loss, _ = loss_f(model, batch, tc.mask_schedule, tc.cond_drop_prob, tc.label_smoothing)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if tc.grad_clip > 0: torch.nn.utils.clip_grad_norm_(model.parameters(), tc.grad_clip)
        opt.step()
        return loss.item()

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # MiB after imports + model + data
    for _ in range(warmup): step()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); step(); times.append(time.perf_counter() - t0)
    med = statistics.median(times)
    return dict(size=name + ('' if kept else ' (glibc)') + ('' if prec == 'fp32' else f' {prec}'), precision=prec, allocator='kept' if kept else 'glibc default', config=path, params=model.num_params(), batch=B, grid=G, tokens=N, caption_len=L,
                codebook=c.codebook_size, width=c.width, depth=c.depth, heads=c.heads, dropout=drop, attn_dropout=attn_drop,
                tokens_per_step=B * N, median_s=med, min_s=min(times), max_s=max(times), repeats=repeats,
                warmup=warmup, tokens_per_s=B * N / med, threads=torch.get_num_threads(), loss=loss_src,
                rss_before_mib=rss_before, peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)  # Linux: KiB


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--sizes', default=','.join(SIZES), help=f"comma-separated, from {list(SIZES)}")
    p.add_argument('--repeats', type=int, default=None, help="timed steps per size (default: quickstart 8, original* 2)")
    p.add_argument('--warmup', type=int, default=1, help="untimed steps first (allocator, caches)")
    p.add_argument('--threads', type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument('--caption-len', type=int, default=None, help="caption tokens (default: quickstart 16, original 32)")
    p.add_argument('--dropout', type=float, default=None, help="override every size's dropout (attention dropout > 0 "
                   "keeps CPU scaled_dot_product_attention off its fused kernel)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--allocator', default='kept', choices=['kept', 'default', 'both'],
                   help="kept: freed memory stays in the process (training's keep_freed_memory); default: glibc's own; both: each, with the ratio")
    p.add_argument('--json', action='store_true', help="also print the results as JSON lines")
    p.add_argument('--precision', default='both', choices=['fp32', 'shipped', 'both'],
                   help="fp32, the shipped precision (mixed_precision: auto -> bf16 on CPUs with AVX512-BF16/AMX), or both")
    p.add_argument('--_one', default=None, help=argparse.SUPPRESS)  # child process: run one size, print JSON
    p.add_argument('--_prec', default='fp32', help=argparse.SUPPRESS)
    a = p.parse_args()
    if a._one:
        print(json.dumps(run_one(a._one, a.repeats or SIZES[a._one][2], a.warmup, a.threads, a.caption_len, a.seed, a.dropout,
                                 a.allocator == 'kept', a._prec)))
        return

    import torch
    sizes = [s.strip() for s in a.sizes.split(',') if s.strip()]
    bad = [s for s in sizes if s not in SIZES]
    if bad: p.error(f"unknown size {bad[0]!r}; choose from {list(SIZES)}")
    if a.threads: torch.set_num_threads(a.threads)
    from naruto_maskgit.config import load_config
    from naruto_maskgit.training import resolve_precision
    from naruto_maskgit.host import cpu_name, cpu_has_bf16
    shipped = {'no': 'fp32', 'bf16': 'bf16'}[resolve_precision(load_config(REPO/'config'/'naruto.yaml').train_cftn.mixed_precision, cpu=True)]
    precs = {'fp32': ['fp32'], 'shipped': [shipped], 'both': list(dict.fromkeys(['fp32', shipped]))}[a.precision]
    print(f"# CFTN training step: forward + backward + grad clip + AdamW step, CPU, random caption features; precision {', '.join(precs)} "
          f"(shipped: mixed_precision auto -> {shipped} on this CPU)")
    print(f"# {cpu_name()} ({'AVX512-BF16/AMX' if cpu_has_bf16() else 'no AVX512-BF16/AMX'})")
    print(f"# torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}, os.cpu_count() = {os.cpu_count()}, "
          f"{platform.processor() or platform.machine()}")
    print(f"# load average at start (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())} -- this machine may be shared "
          f"with other users right now: timings are noisy, compare medians and ratios")
    rows = []
    allocators = ['default', 'kept'] if a.allocator == 'both' else [a.allocator]
    for s in sizes:
        for alloc, prec in [(x, y) for x in allocators for y in precs]:
            cmd = [sys.executable, __file__, '--_one', s, '--warmup', str(a.warmup), '--seed', str(a.seed), '--allocator', alloc, '--_prec', prec]
            for flag, v in [('--repeats', a.repeats), ('--threads', a.threads), ('--caption-len', a.caption_len), ('--dropout', a.dropout)]:
                if v is not None: cmd += [flag, str(v)]
            out = subprocess.run(cmd, capture_output=True, text=True, cwd=REPO)
            if out.returncode: sys.exit(f"size {s} failed:\n{out.stderr}")
            rows.append(json.loads(out.stdout.strip().splitlines()[-1]))
    print(f"# loss: {rows[0]['loss']}")
    print(f"# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for r in rows:
        print(f"# {r['size']}: {r['config']}, codebook {r['codebook']}, grid {r['grid']}x{r['grid']}, width {r['width']}, "
              f"depth {r['depth']}, heads {r['heads']}, dropout {r['dropout']} (attention weights {r['attn_dropout']}), caption {r['caption_len']} tokens; "
              f"{r['warmup']} warm-up + {r['repeats']} timed steps, threads {r['threads']}")
    hdr = f"{'size':<17} {'params':>9} {'batch':>5} {'tokens/step':>11} {'median s/step':>13} {'(min-max)':>15} {'tokens/s':>9} {'peak RSS':>9} {'(before steps)':>14}"
    print(hdr); print('-' * len(hdr))
    for r in rows:
        print(f"{r['size']:<17} {r['params']/1e6:>8.2f}M {r['batch']:>5} {r['tokens_per_step']:>11} {r['median_s']:>13.3f} "
              f"{'(%.2f-%.2f)' % (r['min_s'], r['max_s']):>15} {r['tokens_per_s']:>9.0f} {r['peak_rss_mib']:>6.0f}MiB {'(%.0fMiB)' % r['rss_before_mib']:>14}")
    if a.allocator == 'both':
        for d, k in zip(rows[::2], rows[1::2]):
            print(f"# {k['size']}: freed memory kept vs glibc's default: {d['median_s'] / k['median_s']:.2f}x faster, "
                  f"peak RSS {k['peak_rss_mib']:.0f} vs {d['peak_rss_mib']:.0f} MiB")
    by = {r['size']: r for r in rows}
    if 'quickstart' in by and 'original' in by:
        q, o = by['quickstart'], by['original']
        print(f"# original / quickstart: {o['median_s']/q['median_s']:.1f}x the time per step, "
              f"{q['tokens_per_s']/o['tokens_per_s']:.1f}x fewer tokens/s")
    if 'original' in by and 'original-dropout0' in by and by['original']['dropout'] != by['original-dropout0']['dropout']:
        o, z = by['original'], by['original-dropout0']
        print(f"# dropout {o['dropout']} vs 0.0 at the original size: {o['median_s']/z['median_s']:.1f}x the time per step, "
              f"{o['peak_rss_mib']/z['peak_rss_mib']:.1f}x the peak RSS (attention dropout makes CPU "
              f"scaled_dot_product_attention materialise the (B, heads, N, N) weights)")
    if 'original' in by and 'original-attn-dropout' in by:
        o, b = by['original'], by['original-attn-dropout']
        print(f"# original as shipped (dropout {o['dropout']} on residual branches only) vs before (also on the attention weights): "
              f"{b['median_s']:.2f} -> {o['median_s']:.2f} s/step, {b['median_s']/o['median_s']:.2f}x faster; "
              f"peak RSS {b['peak_rss_mib']/1024:.2f} -> {o['peak_rss_mib']/1024:.2f} GiB")
    if a.json:
        for r in rows: print(json.dumps(r))


if __name__ == '__main__':
    main()
