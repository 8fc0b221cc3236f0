"""Text-to-image sampling speed on this CPU: images/s at several step counts and batch sizes, VQ-VAE decoding
included, with classifier-free guidance, and where the time goes.

Untrained weights (speed does not depend on them); caption features are random (torch.randn, dim 384).
Default: the original's sizes from config/naruto.yaml (CFTN 4096 codes, 32x32 grid, width 256, depth 8,
heads 8; the VQ-VAE built as VQVAE(**asdict(cfg.vqvae))); --quick: config/quickstart.yaml's sizes.

Shares of one batch's time (generate_codes + vqvae.decode):
  cond      T x the time of one conditional forward of B rows (timed directly right before each run,
            median of --fwd-repeats)
  guidance  the rest of the model's forward time inside generate_codes: with guidance each step runs one
            forward of 2B rows (cond + uncond), timed through a wrapper; guidance = that total - cond
  vqvae     vqvae.decode of the (B, h, w) codes
  rest      generate_codes time outside the model: batching the two branches, softmax, the categorical draw,
            Gumbel noise, argsort, bookkeeping

    python benchmarks/sampling.py            # original sizes, steps 8,12,24, batches 1,4, g=3 (~2-3 min)
    python benchmarks/sampling.py --quick    # quickstart sizes (~20 s)
"""
from __future__ import annotations
import argparse, dataclasses, os, platform, resource, statistics, sys, time
from pathlib import Path

import torch
from torch import nn

REPO = Path(__file__).resolve().parents[1]


class TimedModel(nn.Module):
    "Wraps a CFTN and records (seconds, rows) of every forward call."
    def __init__(self, model:nn.Module):
        super().__init__()
        self.model, self.mask_token_id, self.grid_size = model, model.mask_token_id, model.grid_size
        self.calls = []
    def forward(self, codes, text, text_mask, drop_condition=None):
        t0 = time.perf_counter()
        out = self.model(codes, text, text_mask, drop_condition=drop_condition)
        self.calls.append((time.perf_counter() - t0, codes.shape[0]))
        return out


def grid_size_of(cfg) -> int:
    "The VQ-VAE's code grid: image_size halved once per stride-2 stage (one between consecutive channel widths)."
    return cfg.data.image_size // 2 ** (len(cfg.vqvae.channels) - 1)


def build(cfg_path:Path, no_vqvae:bool):
    "CFTN and VQ-VAE (or None) with the sizes of the config at `cfg_path`, in eval mode."
    from naruto_maskgit.config import load_config
    from naruto_maskgit.cftn import CFTN
    cfg = load_config(cfg_path)
    c, G = cfg.cftn, grid_size_of(cfg)
    cftn = CFTN(codebook_size=c.codebook_size, grid_size=G, width=c.width, depth=c.depth, heads=c.heads,
                mlp_ratio=c.mlp_ratio, dropout=c.dropout, text_kind='minilm', text_dim=384,
                text_max_length=cfg.text.max_length, adaln=c.adaln).eval()
    vqvae = None
    if not no_vqvae:
        try: from naruto_maskgit.vqvae import VQVAE
        except ImportError as e:
            sys.exit(f"cannot import naruto_maskgit.vqvae ({e}); pass --no-vqvae to time the generator alone")
        vqvae = VQVAE(**dataclasses.asdict(cfg.vqvae)).eval()
        f = getattr(vqvae, 'downsample_factor', None)
        if f and cfg.data.image_size // f != G:
            sys.exit(f"grid mismatch: image_size {cfg.data.image_size} / downsample_factor {f} != {G}")
    return cfg, cftn, vqvae, G


def median(xs): return statistics.median(xs) if xs else float('nan')


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--quick', action='store_true', help="quickstart sizes (config/quickstart.yaml) for a fast check")
    p.add_argument('--config', default=None, help="YAML config whose vqvae/cftn sizes to use (default: naruto.yaml, --quick: quickstart.yaml)")
    p.add_argument('--steps', default='8,12,24', help="comma-separated decoding step counts")
    p.add_argument('--batches', default='1,4', help="comma-separated batch sizes (images per generate_codes call)")
    p.add_argument('--guidance', type=float, default=3.0, help="g; 0 or 1 run one forward of B rows per step instead of 2B")
    p.add_argument('--repeats', type=int, default=None, help="timed runs per (steps, batch) (default 1; --quick 3)")
    p.add_argument('--fwd-repeats', type=int, default=3, help="timed conditional forwards per batch size (for the cond share)")
    p.add_argument('--caption-len', type=int, default=None, help="caption tokens (default: the config's text.max_length; --quick 16)")
    p.add_argument('--threads', type=int, default=None, help="torch.set_num_threads (default: torch's choice)")
    p.add_argument('--no-vqvae', action='store_true', help="skip VQ-VAE decoding (e.g. before naruto_maskgit.vqvae exists)")
    p.add_argument('--seed', type=int, default=0)
    p.add_argument('--draw-rows', type=int, default=None, help="rows of the draw timing (default: 4 images' worth of positions)")
    a = p.parse_args()
    from naruto_maskgit.sampling import generate_codes
    from naruto_maskgit.scheduler import MaskGITScheduler
    if a.threads: torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    steps_list = [int(s) for s in a.steps.split(',') if s.strip()]
    batches = [int(b) for b in a.batches.split(',') if b.strip()]
    repeats = a.repeats or (3 if a.quick else 1)
    cfg_path = Path(a.config) if a.config else REPO / ('config/quickstart.yaml' if a.quick else 'config/naruto.yaml')
    cfg, cftn, vqvae, G = build(cfg_path, a.no_vqvae)
    L = a.caption_len or (16 if a.quick else cfg.text.max_length)
    g = a.guidance
    guided = g not in (0.0, 1.0)
    c = cfg.cftn

    print("# Sampling speed: generate_codes (MaskGIT iterative decoding) + vqvae.decode, fp32, CPU, untrained weights, "
          "random caption features")
    print(f"# torch {torch.__version__}, torch.get_num_threads() = {torch.get_num_threads()}, os.cpu_count() = {os.cpu_count()}, "
          f"{platform.processor() or platform.machine()}")
    print(f"# load average at start (1/5/15 min): {' '.join(f'{x:.2f}' for x in os.getloadavg())} -- this machine may be shared "
          f"with other users right now: timings are noisy")
    print(f"# sizes from {cfg_path.relative_to(REPO) if cfg_path.is_relative_to(REPO) else cfg_path}: CFTN {cftn.num_params()/1e6:.2f}M params "
          f"(codebook {c.codebook_size}, grid {G}x{G} = {G*G} codes, width {c.width}, depth {c.depth}, heads {c.heads}), caption {L} tokens; "
          + (f"VQ-VAE {sum(p.numel() for p in vqvae.parameters())/1e6:.2f}M params (channels {cfg.vqvae.channels}, "
             f"{cfg.vqvae.num_res_blocks} res blocks, code_dim {cfg.vqvae.code_dim}, {cfg.data.image_size} px)" if vqvae is not None
             else "VQ-VAE skipped (--no-vqvae): shares exclude decoding"))
    print(f"# guidance g = {g} ({'each step runs one forward of 2B rows: cond + uncond' if guided else 'one forward of B rows per step'}); "
          f"temperature {cfg.sampling.temperature}, choice_temperature {cfg.sampling.choice_temperature}, schedule {cfg.sampling.schedule}")
    print(f"# {repeats} timed run(s) per (steps, batch) after a 2-step warm-up decode"
          + (" -- the original sizes are heavy on this CPU, so repeats are kept at 1 (use --repeats to raise)" if repeats == 1 else "")
          + f"; figures are medians over runs; cond-pass time: median of {a.fwd_repeats} direct forwards of B rows, "
          "timed right before each run")

    model = TimedModel(cftn).eval()
    gen = torch.Generator().manual_seed(a.seed)
    rows = []
    for B in batches:
        text = torch.randn(B, L, 384)                           # (B, L, 384) stand-in MiniLM features
        text_mask = torch.ones(B, L, dtype=torch.bool)          # (B, L)
        sched = lambda T: MaskGITScheduler(steps=T, guidance=g, temperature=cfg.sampling.temperature,   # confidence order, every step guided
                                           choice_temperature=cfg.sampling.choice_temperature, schedule=cfg.sampling.schedule)
        # warm-up: decoding and VQ-VAE decoding once, untimed
        codes = generate_codes(model, text, text_mask, scheduler=sched(2), generator=gen)
        inp = torch.full((B, G * G), cftn.mask_token_id, dtype=torch.long)   # (B, N) all masked
        no = torch.zeros(B, dtype=torch.bool)
        def cond_forward_time():
            "Median time of a conditional forward of B rows (what a step costs without guidance)."
            ts = []
            with torch.no_grad():
                for _ in range(a.fwd_repeats):
                    t0 = time.perf_counter(); cftn(inp, text, text_mask, drop_condition=no); ts.append(time.perf_counter() - t0)
            return median(ts)
        if vqvae is not None: vqvae.decode(codes.view(B, G, G))
        cond_forward_time()
        for T in steps_list:
            runs = []
            for _ in range(repeats):
                t_cond = cond_forward_time()          # timed right before each run: the machine's load drifts
                model.calls.clear()
                t0 = time.perf_counter()
                codes = generate_codes(model, text, text_mask, scheduler=sched(T), generator=gen)            # (B, N)
                t_dc = time.perf_counter() - t0
                t_vq = 0.0
                if vqvae is not None:
                    with torch.no_grad():
                        t0 = time.perf_counter(); images = vqvae.decode(codes.view(B, G, G)); t_vq = time.perf_counter() - t0
                    assert images.shape == (B, 3, cfg.data.image_size, cfg.data.image_size), tuple(images.shape)
                assert len(model.calls) == T, f"expected {T} forward calls, got {len(model.calls)}"
                t_fwd = sum(t for t, _ in model.calls)
                runs.append(dict(total=t_dc + t_vq, dc=t_dc, vq=t_vq, fwd=t_fwd, cond=T * t_cond, t_cond=t_cond,
                                 rows=model.calls[0][1], fwd_step=median([t for t, _ in model.calls])))
            m = {k: median([r[k] for r in runs]) for k in runs[0]}
            m['total'] = m['dc'] + m['vq']                # so that the four shares add up to 100 %
            m.update(steps=T, batch=B, n=repeats, load=os.getloadavg()[0],
                     share_cond=m['cond'] / m['total'], share_guid=(m['fwd'] - m['cond']) / m['total'],
                     share_vq=m['vq'] / m['total'], share_rest=(m['dc'] - m['fwd']) / m['total'])
            rows.append(m)
            print(f"#   done: steps {T}, batch {B}: {m['total']:.2f} s", file=sys.stderr, flush=True)

    print(f"# load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    left, mid, right, last = (f"{'steps':>5} {'batch':>5} {'rows/fwd':>8} {'s/batch':>8} {'s/image':>8} {'images/s':>8}",
                        f"{'cond':>6} {'guidance':>8} {'vqvae':>6} {'rest':>6}", f"{'cond fwd':>8} {'guided fwd':>10} {'vqvae':>7}", f"{'load':>5}")
    print(f"{'':{len(left)}} | {'share of the time (%)':^{len(mid)}} | {'seconds per call':^{len(right)}}")
    hdr = f"{left} | {mid} | {right} | {last}"
    print(hdr); print('-' * len(hdr))
    for m in rows:
        print(f"{m['steps']:>5} {m['batch']:>5} {m['rows']:>8} {m['total']:>8.2f} {m['total']/m['batch']:>8.2f} "
              f"{m['batch']/m['total']:>8.3f} | {100*m['share_cond']:>6.1f} {100*m['share_guid']:>8.1f} {100*m['share_vq']:>6.1f} "
              f"{100*m['share_rest']:>6.1f} | {m['t_cond']:>8.3f} {m['fwd_step']:>10.3f} {m['vq']:>7.3f} | {m['load']:>5.2f}")
    print("# cond fwd: one conditional forward of B rows; guided fwd: median forward per step inside generate_codes "
          f"({'2B rows' if guided else 'B rows'}); vqvae: one vqvae.decode of the batch; "
          "load: 1-min load average after the row (2 cores: above ~2 someone else was busy too)")
    if any(min(m['share_cond'], m['share_guid'], m['share_rest']) < 0 for m in rows):
        print("# WARNING: a negative share means the machine's load changed between the timings it compares: rerun on a quieter machine")
    print(f"# peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MiB")
    draw_timing(a.draw_rows or 4 * G * G, c.codebook_size)


def draw_timing(rows:int, codes:int, repeats:int=5):
    "One categorical draw per row of (rows, codes) probabilities: torch.multinomial against the sampler's inverse-CDF draw."
    from naruto_maskgit.sampling import draw_categorical
    probs = torch.softmax(torch.randn(rows, codes) * 3, -1)
    g = torch.Generator().manual_seed(0)
    def t(f):
        ts = []
        for _ in range(repeats):
            t0 = time.perf_counter(); f(); ts.append(time.perf_counter() - t0)
        return median(ts)
    tm, ti = t(lambda: torch.multinomial(probs, 1, generator=g)), t(lambda: draw_categorical(probs, g))
    print(f"# one draw per row of ({rows} x {codes}) probabilities, median of {repeats}: torch.multinomial {1e3 * tm:.1f} ms, "
          f"draw_categorical (inverse CDF, what generate_codes uses) {1e3 * ti:.1f} ms: {tm / ti:.1f}x faster")


if __name__ == '__main__':
    main()
