"""The generator trained on a fixed share of the training images, patched in, for issue 20's question: compute or data?

Part 9 of `90_experiments` finds that training the quickstart's generator longer memorises the training images. The
converse check: the same steps on fewer images (each seen more often). The patch replaces `train_cftn`'s
`load_codes_dataset` so that the training split keeps a fixed random `--share` of its grids (seed 0); the held-out
split, the tokenizer and every setting stay as they are (the run's tokenizer and codes are copied, as `retrain.py
--run` does). Score it with `patched_sampling.py --run OUT '{"seed": 0}' ...`; its retrieval figures search all training
images, half of which this generator never saw.

    python benchmarks/issue20/half_data.py --run /tmp/e20/qs --out /tmp/e20/s9/half --share 0.5
"""
import argparse, importlib, sys
from pathlib import Path
import torch
train_module = importlib.import_module('naruto_maskgit.train_cftn')   # the module (the package's attribute `train_cftn` is its function)
from naruto_maskgit.cftn import CodesDataset

SHARE = [1.0]
shipped_load = train_module.load_codes_dataset

def load_share(cfg, split, encoder=None):
    "The shipped `load_codes_dataset`; for the training split, a fixed random SHARE of its grids."
    ds = shipped_load(cfg, split, encoder)
    if split != 'train': return ds
    keep = torch.randperm(len(ds), generator=torch.Generator().manual_seed(0))[:round(SHARE[0] * len(ds))].sort().values
    text = dict(ds.text) | {'index': ds.text['index'][keep]}
    print(f"training grids: {len(keep)} of {len(ds)}", flush=True)
    return CodesDataset(ds.codes[keep], text, [ds.captions[i] for i in keep.tolist()], ds.flipped[keep] if ds.flipped is not None else None)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', required=True); ap.add_argument('--out', required=True)
    ap.add_argument('--share', type=float, required=True); ap.add_argument('changes', nargs='*')
    a = ap.parse_args()
    if not 0 < a.share <= 1: raise SystemExit(f"--share {a.share}: must be in (0, 1]")
    SHARE[0] = a.share
    train_module.load_codes_dataset = load_share
    sys.path.insert(0, str(Path(__file__).parent))
    import retrain
    retrain.main(['--run', a.run, '--out', a.out, *a.changes])

if __name__ == '__main__': main()
