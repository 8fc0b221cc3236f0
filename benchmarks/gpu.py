"""Speed of the original design's sizes on one GPU: generator and tokenizer training steps (steps/s, images/s,
peak memory, MFU) and text-to-image sampling (seconds per call, images/s).

Sizes are read from config/naruto.yaml and the models built as training builds them (`VQVAE(**asdict(cfg.vqvae))`,
`train_cftn.build_cftn`): 128 px images, 32x32 codes of 4096, CFTN width 256, depth 8, heads 8, the config's
dropouts; captions are 32 random MiniLM-sized features (dim 384): the benchmark is about the models. Weights are
untrained (speed does not depend on them). The parts run in this order:

  tokenizer  one `naruto_train_vqvae` step: `vqvae_loss` (encoder, EMA quantizer, decoder, L1/MSE + commitment),
             backward, grad-norm clipping, AdamW step, on random 128 px images, at every --vq-batch-sizes.
  sampling   `generate_codes` (MaskGIT decoding, --steps steps, at each --guidance) + `vqvae.decode`: what
             `MaskGITPipeline` runs after encoding the captions, at every --sample-batch-sizes (images per call).
  generator  one `naruto_train_cftn` step: `masked_token_loss` (forward, masked-token cross-entropy with the config's
             mask schedule, label smoothing and condition dropout), backward, clipping, AdamW step over training's
             `decay_groups`, at every --batch-sizes; --find-max then doubles the batch until CUDA runs out of memory
             and bisects twice between the last fit and the first failure: the largest batch that ran all its steps
             is reported with its MFU. Last, because a huge batch is what could break the CUDA context.

On CUDA every part runs under `torch.autocast('cuda', dtype=torch.bfloat16)` (--precision fp32 switches it off),
with fused AdamW (`fused=True`). Attention is `F.scaled_dot_product_attention` as the model calls it; the header
of the generator's table names the kernels one eager training step dispatched to (torch.profiler), by key length
(1024: self-attention over the codes, 33: cross-attention to the caption with its key mask): flash or efficient
(memory-efficient) are fused, `math` is the slow path that materialises the scores. --compile applies
`torch.compile(dynamic=True)` to the CFTN (training and sampling; the tokenizer stays eager): shapes are symbolic,
so a new batch size (--find-max) does not recompile; the compile time shows in the 'first s' column.

Figures are medians over --repeats timed steps (calls) after --warmup untimed ones (sampling: one untimed call),
each timed with torch.cuda.synchronize() + time.perf_counter(). Peak memory: torch.cuda.max_memory_allocated()
over the timed steps (weights, optimizer state and activations together); on a CPU the process's peak RSS so far.

MFU (model FLOPs utilisation) = model FLOPs of a step / median step time / the device's peak dense bf16 tensor
FLOP/s. Model FLOPs are counted with torch.utils.flop_counter.FlopCounterMode over one forward + backward at batch
2 (matmuls, convolutions and attention; elementwise work counts 0) and scaled linearly to the batch; attention is
counted through SDPA's math backend, so the flash backward's recomputation of the scores is not counted (the
usual MFU convention). Peaks by device name (dense, no 2:4 sparsity, the whole GPU not a MIG slice; NVIDIA's
datasheet figures): H100/H200 SXM 989, H200 NVL 836, H100 NVL 835, H100 PCIe 756, A100 312, L40S 362, L4 121,
RTX 4090 165.2 (FP32 accumulate), B200 2250 TFLOP/s; --peak-tflops overrides. Under --precision fp32 the MFU is
still against the bf16 peak.

    python benchmarks/gpu.py                     # ~1-2 min on an H200 without --compile (an estimate: not yet run on one)
    python benchmarks/gpu.py --quick             # fewer batch sizes and repeats: ~1 min (estimate), mostly start-up
    python benchmarks/gpu.py --find-max          # + the largest generator batch that fits, and its MFU
    python benchmarks/gpu.py --compile           # torch.compile the CFTN (adds minutes of compilation)
    python benchmarks/gpu.py --parts generator --batch-sizes 256,512 --json
    OMP_NUM_THREADS=1 python benchmarks/gpu.py --device cpu   # smoke test at quickstart sizes (--tiny): seconds

--tiny (the default on a CPU unless --config is given) takes config/quickstart.yaml's sizes (32 px, 8x8 codes of
512, CFTN width 128, depth 4) with tiny batches: the same code path, for checking the script, not for figures.
PYTORCH_ALLOC_CONF=expandable_segments:True (PYTORCH_CUDA_ALLOC_CONF before torch 2.9) in the environment may let
--find-max fit a somewhat larger batch; the header shows it when set.

For a GPU session of ~15 minutes (eager first, so that its figures survive a slow compile):
    python benchmarks/gpu.py --quick --find-max 2>&1 | tee gpu.log; python benchmarks/gpu.py --quick --find-max --compile --parts sampling,generator 2>&1 | tee -a gpu.log
"""
from __future__ import annotations
import argparse, gc, json, os, platform, re, resource, statistics, sys, time, traceback
from contextlib import nullcontext
from dataclasses import asdict
from pathlib import Path

import torch
from torch.utils.flop_counter import FlopCounterMode

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))   # run from a checkout without installing the package
from naruto_maskgit.host import cpu_name
TEXT_DIM = 384                  # all-MiniLM-L6-v2's feature size
COMPILE_KW = dict(dynamic=True) # torch.compile arguments for the CFTN
PARTS = ('tokenizer', 'sampling', 'generator')   # in the order they run
PRESETS = {   # default batch sizes and repeats: full run, --quick, --tiny
    'full':  dict(batch_sizes='8,64,256', vq_batch_sizes='16,128', sample_batch_sizes='4,64', warmup=3, repeats=10, sample_repeats=5),
    'quick': dict(batch_sizes='8,256', vq_batch_sizes='16,64', sample_batch_sizes='4,32', warmup=2, repeats=5, sample_repeats=3),
    'tiny':  dict(batch_sizes='2,8', vq_batch_sizes='2,4', sample_batch_sizes='2,4', warmup=1, repeats=3, sample_repeats=2),
}
PEAK_BF16_TFLOPS = [   # (regex on torch.cuda.get_device_name(), dense bf16 tensor-core TFLOP/s); the first match wins
    (r'H200.*NVL', 836), (r'H200', 989), (r'H100.*NVL', 835), (r'H100.*PCIe', 756), (r'H100', 989),
    (r'A100', 312), (r'L40S', 362), (r'\bL4\b', 121), (r'RTX 4090', 165.2), (r'B200', 2250),
]


# ---------------------------------------------------------------------------------------------- device helpers
def sync(dev):
    if dev.type == 'cuda': torch.cuda.synchronize(dev)

def reset_peak(dev):
    if dev.type == 'cuda': torch.cuda.reset_peak_memory_stats(dev)

def peak_gib(dev) -> float:
    "Peak allocated CUDA memory since the last reset; on a CPU the process's peak RSS so far."
    if dev.type == 'cuda': return torch.cuda.max_memory_allocated(dev) / 2**30
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20   # Linux: KiB

def free_memory(dev):
    gc.collect()
    if dev.type == 'cuda': torch.cuda.empty_cache()

def device_peak_tflops(dev, override:float|None) -> tuple[float|None, str]:
    "Peak dense bf16 TFLOP/s and where it comes from."
    if override: return override, '--peak-tflops'
    if dev.type != 'cuda': return None, 'unknown for a CPU: pass --peak-tflops for an MFU'
    name = torch.cuda.get_device_name(dev)
    for pattern, tflops in PEAK_BF16_TFLOPS:
        if re.search(pattern, name, re.I): return tflops, f'table entry {pattern!r} for {name!r}'
    return None, f'{name!r} is not in the table: pass --peak-tflops for an MFU'

def ints(s:str) -> list[int]: return [int(x) for x in s.split(',') if x.strip()]
def floats(s:str) -> list[float]: return [float(x) for x in s.split(',') if x.strip()]


def attempt(fn, dev) -> tuple[dict|None, str]:
    "(fn(), 'ok'), or (None, 'OOM') when the device runs out of memory, or (None, 'error') on another RuntimeError (printed)."
    try: return fn(), 'ok'
    except torch.cuda.OutOfMemoryError: status = 'OOM'
    except RuntimeError as e:                        # torch.compile may wrap an OOM; a huge batch may hit a kernel's size limit
        status = 'OOM' if 'out of memory' in str(e).lower() else 'error'
        if status == 'error': traceback.print_exc()
    free_memory(dev)                                 # outside `except`: the traceback and its tensors are gone
    return None, status


def timed(fn, warmup:int, repeats:int, dev) -> dict:
    "Run fn `warmup` times untimed (compilation, allocator), then `repeats` times timed; peak memory over the timed runs."
    t0 = time.perf_counter()
    for _ in range(warmup): fn()
    sync(dev); first = time.perf_counter() - t0
    reset_peak(dev)
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter(); fn(); sync(dev); times.append(time.perf_counter() - t0)
    return dict(median_s=statistics.median(times), min_s=min(times), max_s=max(times), warmup_s=first, peak_gib=peak_gib(dev))


def count_flops(forward, backward) -> tuple[int, int]:
    "FLOPs counted by FlopCounterMode in forward() and in backward(forward's result); attention through the math backend."
    from torch.nn.attention import sdpa_kernel, SDPBackend
    with sdpa_kernel(SDPBackend.MATH):
        with FlopCounterMode(display=False) as fwd: out = forward()
        with FlopCounterMode(display=False) as bwd: backward(out)
    return fwd.get_total_flops(), bwd.get_total_flops()


def sdpa_kernels(step) -> str:
    "Which scaled_dot_product_attention kernels one run of step() dispatches to, by key length (torch.profiler)."
    from torch.profiler import profile, ProfilerActivity
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof: step()
    found = {}   # key length -> {kernel, ...}
    for e in prof.events():
        m = re.fullmatch(r'aten::_scaled_dot_product_(\w+?)(_backward)?', e.name)
        if not m: continue
        key = e.input_shapes[2 if m.group(2) else 1] if len(e.input_shapes) > 2 else []
        kernel = m.group(1).replace('_attention', '').replace('attention_', '') + (' bwd' if m.group(2) else ' fwd')
        found.setdefault(key[-2] if len(key) >= 2 else '?', set()).add(kernel)
    if not found: return 'no scaled_dot_product_attention call seen'
    return '; '.join(f"keys {k}: {', '.join(sorted(v))}" for k, v in sorted(found.items(), key=lambda kv: -kv[0] if isinstance(kv[0], int) else 0))


# ---------------------------------------------------------------------------------------------- models and data
def build_models(cfg, dev, seed:int):
    "The VQ-VAE and the CFTN of `cfg`, built as training builds them, on `dev`."
    from naruto_maskgit.vqvae import VQVAE
    from naruto_maskgit.train_cftn import build_cftn
    torch.manual_seed(seed)
    vqvae = VQVAE(**asdict(cfg.vqvae))
    grid = vqvae.grid_size(cfg.data.image_size)
    cftn = build_cftn(cfg, grid, TEXT_DIM)
    return vqvae.to(dev), cftn.to(dev), grid


def captions(cftn, B:int, L:int, dev) -> tuple:
    "Random caption input: (B, L, 384) features (or ids for a 'learned' text encoder) and an all-true (B, L) mask."
    if cftn.text_kind == 'learned': text = torch.randint(0, cftn.text_emb.num_embeddings, (B, L), device=dev)
    else: text = torch.randn(B, L, TEXT_DIM, device=dev)
    return text, torch.ones(B, L, dtype=torch.bool, device=dev)


def n_params(m) -> float: return sum(p.numel() for p in m.parameters()) / 1e6


# ---------------------------------------------------------------------------------------------- the three parts
def training_step(loss_fn, model, opt, grad_clip:float):
    "A step as training takes it: backward of `loss_fn()`, gradient-norm clipping, optimizer step."
    def step():
        loss_fn().backward()
        if grad_clip > 0: torch.nn.utils.clip_grad_norm_(model.parameters(), grad_clip)
        opt.step(); opt.zero_grad(set_to_none=True)
    return step


def bench_generator(cfg, a, dev, amp, peak) -> tuple[list, dict]:
    from naruto_maskgit.train_cftn import masked_token_loss, decay_groups
    _, cftn, grid = build_models(cfg, dev, a.seed)
    tc, L = cfg.train_cftn, cfg.text.max_length
    cftn.train()
    opt = torch.optim.AdamW(decay_groups(cftn, tc.weight_decay), lr=tc.lr, betas=(0.9, 0.96), fused=dev.type == 'cuda')

    def batch_of(B):
        text, mask = captions(cftn, B, L, dev)
        return {'codes': torch.randint(0, cftn.codebook_size, (B, grid * grid), device=dev), 'text': text,
                'text_mask': mask, 'empty': torch.zeros(B, dtype=torch.bool, device=dev)}
    def loss_of(batch):
        with amp(): return masked_token_loss(cftn, batch, tc.mask_schedule, tc.cond_drop_prob, tc.label_smoothing,
                                             tc.caption_token_drop, tc.caption_noise)[0]
    def make_step(B):
        batch = batch_of(B)
        return training_step(lambda: loss_of(batch), cftn, opt, tc.grad_clip)

    b2 = batch_of(2)
    fwd, bwd = count_flops(lambda: loss_of(b2), lambda loss: loss.backward())
    kernels = sdpa_kernels(lambda: loss_of(b2).backward())
    opt.zero_grad(set_to_none=True)
    if a.compile: cftn.compile(**COMPILE_KW)
    info = dict(params_m=n_params(cftn), grid=grid, caption_len=L, flops_fwd=fwd / 2, flops=(fwd + bwd) / 2, sdpa=kernels)

    def row(B):
        r, status = attempt(lambda: timed(make_step(B), a.warmup, a.repeats, dev), dev)
        opt.zero_grad(set_to_none=True)
        out = dict(part='generator', batch=B, status=status, **(r or {}))
        if r: out.update(throughput(out, info['flops'], peak))
        print(f"#   generator batch {B}: " + (f"{r['median_s']:.3f} s/step" if r else status), file=sys.stderr, flush=True)
        return out

    rows = []
    for B in a.batch_sizes:
        rows.append(row(B))
        if rows[-1]['status'] != 'ok': break             # larger ones will not fit either
    if a.find_max:
        fits = [r['batch'] for r in rows if r['status'] == 'ok']
        fails = [r['batch'] for r in rows if r['status'] != 'ok']
        lo, hi = (max(fits) if fits else 0), (min(fails) if fails else None)
        while hi is None:                                # double until out of memory (or another failure)
            B = 2 * lo if lo else 1
            rows.append(row(B))
            if rows[-1]['status'] == 'ok': lo = B
            else: hi = B
        for _ in range(2):                               # then bisect twice (multiples of 8 when large)
            mid = (lo + hi) // 2
            if mid >= 64: mid -= mid % 8
            if mid in (lo, hi) or mid <= lo: break
            rows.append(row(mid))
            if rows[-1]['status'] == 'ok': lo = mid
            else: hi = mid
        info['max_batch'] = lo
    return rows, info


def bench_tokenizer(cfg, a, dev, amp, peak) -> tuple[list, dict]:
    from naruto_maskgit.train_vqvae import vqvae_loss
    vqvae, _, grid = build_models(cfg, dev, a.seed)
    tc, S = cfg.train_vqvae, cfg.data.image_size
    vqvae.train()
    opt = torch.optim.AdamW([p for p in vqvae.parameters() if p.requires_grad], lr=tc.lr, weight_decay=tc.weight_decay,
                            betas=(0.9, 0.99), fused=dev.type == 'cuda')
    def images(B): return torch.rand(B, 3, S, S, device=dev) * 2 - 1          # (B, 3, S, S) in [-1, 1]
    def loss_of(x):
        with amp(): return vqvae_loss(vqvae, {'image': x})[0]
    def make_step(B):
        x = images(B)
        return training_step(lambda: loss_of(x), vqvae, opt, tc.grad_clip)
    x2 = images(2)
    fwd, bwd = count_flops(lambda: loss_of(x2), lambda loss: loss.backward())
    opt.zero_grad(set_to_none=True)
    info = dict(params_m=n_params(vqvae), grid=grid, image_size=S, flops_fwd=fwd / 2, flops=(fwd + bwd) / 2)
    rows = []
    for B in a.vq_batch_sizes:
        r, status = attempt(lambda: timed(make_step(B), a.warmup, a.repeats, dev), dev)
        opt.zero_grad(set_to_none=True)
        out = dict(part='tokenizer', batch=B, status=status, **(r or {}))
        if r: out.update(throughput(out, info['flops'], peak))
        rows.append(out)
        print(f"#   tokenizer batch {B}: " + (f"{r['median_s']:.3f} s/step" if r else status), file=sys.stderr, flush=True)
        if not r: break
    return rows, info


def bench_sampling(cfg, a, dev, amp) -> list:
    from naruto_maskgit.sampling import generate_codes
    from naruto_maskgit.scheduler import MaskGITScheduler
    vqvae, cftn, grid = build_models(cfg, dev, a.seed)
    vqvae.eval(); cftn.eval()
    if a.compile: cftn.compile(**COMPILE_KW)
    s, L = cfg.sampling, cfg.text.max_length
    gen = torch.Generator(device=dev).manual_seed(a.seed)
    rows = []
    for B in a.sample_batch_sizes:
        text, mask = captions(cftn, B, L, dev)
        for g in a.guidance:
            split = {}
            def call():
                with amp():
                    t0 = time.perf_counter()
                    codes = generate_codes(cftn, text, mask, generator=gen,
                                           scheduler=MaskGITScheduler.from_config(s, steps=a.steps, guidance=g))  # (B, N)
                    sync(dev); t1 = time.perf_counter()
                    images = vqvae.decode(codes.view(B, grid, grid))                               # (B, 3, H, W)
                    sync(dev)
                split.setdefault('codes', []).append(t1 - t0); split.setdefault('decode', []).append(time.perf_counter() - t1)
                assert images.shape == (B, 3, cfg.data.image_size, cfg.data.image_size), tuple(images.shape)
            r, status = attempt(lambda: timed(call, 1, a.sample_repeats, dev), dev)
            out = dict(part='sampling', batch=B, guidance=g, steps=a.steps, rows_per_forward=B if g in (0, 1) else 2 * B,
                       status=status, **(r or {}))
            if r: out.update(codes_s=statistics.median(split['codes'][1:]), decode_s=statistics.median(split['decode'][1:]),
                             images_per_s=B / r['median_s'])
            rows.append(out)
            print(f"#   sampling batch {B}, guidance {g:g}: " + (f"{r['median_s']:.3f} s/call" if r else status),
                  file=sys.stderr, flush=True)
    return rows


def throughput(r:dict, flops_per_sample:float, peak:float|None) -> dict:
    "steps/s, samples/s, achieved TFLOP/s and MFU of a timed training row."
    achieved = flops_per_sample * r['batch'] / r['median_s'] / 1e12
    return dict(steps_per_s=1 / r['median_s'], samples_per_s=r['batch'] / r['median_s'], tflops=achieved,
                mfu=achieved / peak if peak else None)


# ---------------------------------------------------------------------------------------------- printing
def print_train_table(rows:list, title:str, sample:str):
    print(f"\n## {title}")
    hdr = (f"{'batch':>6} {'status':>6} {'s/step':>8} {'(min-max)':>15} {'steps/s':>8} {sample + '/s':>9} "
           f"{'TFLOP/s':>8} {'MFU':>6} {'peak GiB':>8} {'first s':>8}")
    print(hdr); print('-' * len(hdr))
    for r in rows:
        if r['status'] != 'ok': print(f"{r['batch']:>6} {r['status']:>6}"); continue
        mfu = f"{100 * r['mfu']:5.1f}%" if r['mfu'] is not None else 'n/a'
        print(f"{r['batch']:>6} {'ok':>6} {r['median_s']:>8.4f} {'(%.4f-%.4f)' % (r['min_s'], r['max_s']):>15} "
              f"{r['steps_per_s']:>8.2f} {r['samples_per_s']:>9.1f} {r['tflops']:>8.2f} {mfu:>6} {r['peak_gib']:>8.2f} "
              f"{r['warmup_s']:>8.2f}")


def print_sampling_table(rows:list):
    print("\n## sampling: generate_codes + vqvae.decode, random captions")
    hdr = (f"{'batch':>6} {'g':>4} {'rows/fwd':>8} {'status':>6} {'s/call':>8} {'(min-max)':>15} {'codes s':>8} "
           f"{'decode s':>8} {'images/s':>9} {'peak GiB':>8} {'first s':>8}")
    print(hdr); print('-' * len(hdr))
    for r in rows:
        if r['status'] != 'ok': print(f"{r['batch']:>6} {r['guidance']:>4g} {r['rows_per_forward']:>8} {r['status']:>6}"); continue
        print(f"{r['batch']:>6} {r['guidance']:>4g} {r['rows_per_forward']:>8} {'ok':>6} {r['median_s']:>8.4f} "
              f"{'(%.4f-%.4f)' % (r['min_s'], r['max_s']):>15} {r['codes_s']:>8.4f} {r['decode_s']:>8.4f} "
              f"{r['images_per_s']:>9.1f} {r['peak_gib']:>8.2f} {r['warmup_s']:>8.2f}")


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--device', default=None, help="cuda (default when available) or cpu")
    p.add_argument('--config', default=None, help="YAML config whose sizes to use (default config/naruto.yaml; --tiny: config/quickstart.yaml)")
    p.add_argument('--tiny', action='store_true', help="quickstart sizes and tiny batches, a smoke test (default on a CPU unless --config is given)")
    p.add_argument('--quick', action='store_true', help="fewer batch sizes and repeats (~1 min on an H200 without --compile)")
    p.add_argument('--parts', default=','.join(PARTS), help=f"comma-separated, from {PARTS}")
    p.add_argument('--batch-sizes', default=None, help="generator training batches (default 8,64,256; --quick 8,256)")
    p.add_argument('--find-max', action='store_true', help="after --batch-sizes, double the generator batch until CUDA OOM, then bisect twice")
    p.add_argument('--vq-batch-sizes', default=None, help="tokenizer training batches (default 16,128; --quick 16,64)")
    p.add_argument('--sample-batch-sizes', default=None, help="images per sampling call (default 4,64; --quick 4,32)")
    p.add_argument('--guidance', default='3,0', help="comma-separated guidance scales for sampling (0 or 1: one forward of B rows a step, else 2B)")
    p.add_argument('--steps', type=int, default=12, help="sampling decoding steps")
    p.add_argument('--warmup', type=int, default=None, help="untimed training steps first, >= 1 (default 3; --quick 2; --tiny 1)")
    p.add_argument('--repeats', type=int, default=None, help="timed training steps (default 10; --quick 5; --tiny 3)")
    p.add_argument('--sample-repeats', type=int, default=None, help="timed sampling calls after one untimed (default 5; --quick 3; --tiny 2)")
    p.add_argument('--precision', choices=['bf16', 'fp32'], default=None, help="bf16 autocast or none (default: bf16 on CUDA, fp32 on a CPU)")
    p.add_argument('--compile', action='store_true', help="torch.compile the CFTN (training and sampling)")
    p.add_argument('--peak-tflops', type=float, default=None, help="the device's peak dense bf16 TFLOP/s for the MFU (default: from the table)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--json', action='store_true', help="also print every row as a JSON line")
    a = p.parse_args()

    from naruto_maskgit.config import load_config
    dev = torch.device(a.device or ('cuda' if torch.cuda.is_available() else 'cpu'))
    if dev.type == 'cuda' and not torch.cuda.is_available(): p.error("--device cuda but torch.cuda.is_available() is False")
    if dev.type == 'cuda' and dev.index is not None: torch.cuda.set_device(dev)
    tiny = a.tiny or (dev.type == 'cpu' and a.config is None)
    if a.find_max and dev.type != 'cuda': p.error("--find-max needs CUDA (on a CPU it would fill the machine's memory)")
    preset = PRESETS['tiny' if tiny else 'quick' if a.quick else 'full']
    for k, v in preset.items():
        if getattr(a, k) is None: setattr(a, k, v)
    a.batch_sizes, a.vq_batch_sizes, a.sample_batch_sizes = ints(a.batch_sizes), ints(a.vq_batch_sizes), ints(a.sample_batch_sizes)
    a.guidance = floats(a.guidance)
    if a.warmup < 1: p.error("--warmup must be >= 1 (the first step compiles and allocates)")
    if min(a.repeats, a.sample_repeats) < 1: p.error("--repeats and --sample-repeats must be >= 1")
    parts = [x.strip() for x in a.parts.split(',') if x.strip()]
    if bad := [x for x in parts if x not in PARTS]: p.error(f"unknown part {bad[0]!r}; choose from {PARTS}")
    cfg_path = Path(a.config) if a.config else REPO / 'config' / ('quickstart.yaml' if tiny else 'naruto.yaml')
    cfg = load_config(cfg_path)
    precision = a.precision or ('bf16' if dev.type == 'cuda' else 'fp32')
    amp = (lambda: torch.autocast(dev.type, dtype=torch.bfloat16)) if precision == 'bf16' else nullcontext
    peak, peak_src = device_peak_tflops(dev, a.peak_tflops)

    # header
    print("# naruto_maskgit on one device: generator and tokenizer training steps, sampling (benchmarks/gpu.py)")
    print(f"# torch {torch.__version__}, python {platform.python_version()}, "
          + (f"CUDA {torch.version.cuda}, cuDNN {torch.backends.cudnn.version()}" if dev.type == 'cuda' else f"CPU {cpu_name()}, "
             f"torch.get_num_threads() = {torch.get_num_threads()}, load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}"))
    if dev.type == 'cuda':
        prop = torch.cuda.get_device_properties(dev)
        print(f"# device: {prop.name}, capability {prop.major}.{prop.minor}, {prop.total_memory / 2**30:.1f} GiB, "
              f"{prop.multi_processor_count} SMs")
        alloc = {k: os.environ[k] for k in ('PYTORCH_ALLOC_CONF', 'PYTORCH_CUDA_ALLOC_CONF') if k in os.environ}
        if alloc: print(f"# allocator: {alloc}")
    print(f"# peak dense bf16: {f'{peak:g} TFLOP/s' if peak else 'n/a'} ({peak_src})")
    rel = cfg_path.resolve().relative_to(REPO) if cfg_path.resolve().is_relative_to(REPO) else cfg_path
    section = lambda d: ', '.join(f'{k} {v}' for k, v in asdict(d).items())
    print(f"# sizes from {rel}{' (--tiny)' if tiny else ''}: {cfg.data.image_size} px; captions {cfg.text.max_length} random "
          f"{cfg.text.kind} tokens (dim {TEXT_DIM})\n#   cftn: {section(cfg.cftn)}\n#   vqvae: {section(cfg.vqvae)}")
    print(f"# precision {precision}{' autocast' if precision == 'bf16' else ''}, AdamW fused={dev.type == 'cuda'}, "
          f"torch.compile: {'CFTN, ' + str(COMPILE_KW) if a.compile else 'no'}, fp32 matmul precision "
          f"{torch.get_float32_matmul_precision()}; training: {a.warmup} warm-up + {a.repeats} timed steps; "
          f"sampling: {a.steps} steps, 1 warm-up + {a.sample_repeats} timed calls; medians; seed {a.seed}")
    sys.stdout.flush()

    env = {'part': 'env', 'torch': torch.__version__, 'device': torch.cuda.get_device_name(dev) if dev.type == 'cuda' else cpu_name(),
           'config': str(rel), 'precision': precision, 'compile': a.compile, 'peak_tflops': peak}
    def emit(part:str, rows:list, info:dict|None=None):
        "A part's rows (and its info) as JSON lines, right away: a later failure cannot take them."
        if not a.json: return
        if info: print(json.dumps({'part': part + '_info', **info}))
        for r in rows: print(json.dumps(r))

    # the generator runs last: its batch search is the one step that may break the CUDA context (a kernel's size limit)
    t_start = time.perf_counter()
    if a.json: print(json.dumps(env))
    if 'tokenizer' in parts:
        rows, info = bench_tokenizer(cfg, a, dev, amp, peak)
        print(f"\n# tokenizer: {info['params_m']:.2f}M parameters, {info['image_size']} px -> {info['grid']}x{info['grid']} codes; model FLOPs "
              f"per image (FlopCounterMode): {info['flops'] / 1e9:.1f} GFLOP a training step (forward {info['flops_fwd'] / 1e9:.1f})")
        print_train_table(rows, "tokenizer training step: vqvae_loss + backward + clip + AdamW", 'images')
        emit('tokenizer', rows, info); sys.stdout.flush(); free_memory(dev)   # the part's models are gone with it
    if 'sampling' in parts:
        rows = bench_sampling(cfg, a, dev, amp)
        print_sampling_table(rows)
        print("# s/call: generate_codes + vqvae.decode of the batch (caption encoding not included); codes s / decode s: "
              "the two halves; rows/fwd: rows of each CFTN forward (guidance runs cond + uncond together)")
        emit('sampling', rows); sys.stdout.flush(); free_memory(dev)
    if 'generator' in parts:
        rows, info = bench_generator(cfg, a, dev, amp, peak)
        print(f"\n# generator: {info['params_m']:.2f}M parameters, {info['grid']}x{info['grid']} codes, caption {info['caption_len']} tokens; "
              f"model FLOPs per sample (FlopCounterMode, math attention): {info['flops'] / 1e9:.1f} GFLOP a training step "
              f"(forward {info['flops_fwd'] / 1e9:.1f}, backward {(info['flops'] - info['flops_fwd']) / 1e9:.1f})")
        print(f"# SDPA kernels of one eager training step ({precision}, batch 2): {info['sdpa']}")
        if dev.type == 'cuda' and 'math' in info['sdpa']:
            print("# WARNING: some attention ran on the math path (unfused, materialises the scores): see the kernels above")
        print_train_table(rows, "generator training step: masked_token_loss + backward + clip + AdamW", 'samples')
        if a.find_max:
            best = next((r for r in rows if r['status'] == 'ok' and r['batch'] == info['max_batch']), None)
            print(f"# largest generator batch that ran all its steps: {info['max_batch']}"
                  + (f", {best['samples_per_s']:.0f} samples/s, MFU {100 * best['mfu']:.1f}%" if best and best['mfu'] is not None else ''))
        emit('generator', rows, info)
    print(f"\n# total {time.perf_counter() - t_start:.0f} s; peak GiB: "
          + ("torch.cuda.max_memory_allocated over the timed steps" if dev.type == 'cuda' else "the process's peak RSS so far (CPU)"))
    print("# MFU = model FLOPs of the step / median step time / peak dense bf16 FLOP/s; first s: the warm-up steps "
          "(with --compile, the compilation)")

if __name__ == '__main__':
    main()
