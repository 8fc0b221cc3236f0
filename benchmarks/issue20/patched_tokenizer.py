"""The command line of a tokenizer lever patched into the package (`l2_codes.py`, `fsq_codes.py`), for issue 20.

A patched tokenizer must be patched in every process that encodes or decodes with it, so each lever's script trains
and scores itself: `train OUT KEY=VALUE ...` runs the whole quickstart from nothing (`retrain.py`), `eval OUT --seeds`
scores the run on val with its own recipe, one row per seed, printed and appended as JSON lines to --out (default
OUT/levers-val.jsonl, the format of `patched_sampling.py`).
"""
import argparse, json, sys, time
from pathlib import Path


def main(description:str, lever:dict):
    "Parse `train`/`eval` and run it; each row's `lever` is `lever` with the seed."
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument('job', choices=['train', 'eval']); ap.add_argument('run')
    ap.add_argument('changes', nargs='*', help="train: section.key=value changes of the quickstart config")
    ap.add_argument('--inception'); ap.add_argument('--seeds', default='0,1,2'); ap.add_argument('--out')
    a = ap.parse_intermixed_args()
    if a.job == 'train':
        sys.argv = [sys.argv[0], '--out', a.run, *a.changes]
        sys.path.insert(0, str(Path(__file__).parent))
        import retrain
        return retrain.main()
    from naruto_maskgit.evaluate import evaluate, load_inception
    from naruto_maskgit.host import cpu_name
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sampling_levers import KEYS, record
    ext, out = load_inception(a.inception), Path(a.out or Path(a.run)/'levers-val.jsonl')
    for seed in (int(s) for s in a.seeds.split(',')):
        t0 = time.time()
        m = evaluate(a.run, 'val', seed=seed, extractor=ext, write=False, verbose=False)
        row = {'lever': json.dumps(lever | {'seed': seed}), 'run': a.run, 'split': 'val', 'cpu': cpu_name(), 'seconds': round(time.time() - t0),
               'psnr': m.get('psnr'), 'codes_used': m.get('codes_used')} | {k: m.get(k) for k in KEYS}
        record(out, row, (f"psnr {row['psnr']:.2f}", f"codes used {row['codes_used']}"))
