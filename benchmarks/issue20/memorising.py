"""What more generator steps draw: the same captions through generators of one run trained for different lengths.

Issue 20 asks whether the quickstart's gap to its marks is compute: `retrain.py --run RUN --out OUT train_cftn.steps=N`
trains the generator again for N steps (the tokenizer and codes kept). This draws, for a few *training* captions and a
few *validation* captions, the real image next to one sample of each generator (seed 0, the run's recipe), so that one
can see what the figures of `patched_sampling.py` say: a generator trained past the data draws its training images
back, and draws a held-out caption as some other training image.

    python benchmarks/issue20/memorising.py --runs /tmp/e20/qs /tmp/e20/s9/x2 /tmp/e20/s9/x4 \
        --names '1,600 steps' '3,200' '6,400' --out nbs/images/memorising_generator.png
"""
import argparse
import torch
from naruto_maskgit.config import load_config
from naruto_maskgit.data import labelled_grid, tensor_to_pil
from naruto_maskgit.evaluate import split_images
from naruto_maskgit.pipeline import MaskGITPipeline
from naruto_maskgit.run import RunFolder


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--runs', nargs='+', required=True); ap.add_argument('--names', nargs='+', required=True)
    ap.add_argument('--per_split', type=int, default=4); ap.add_argument('--seed', type=int, default=0); ap.add_argument('--out', required=True)
    a = ap.parse_args()
    if len(a.names) != len(a.runs): raise SystemExit(f"--names: {len(a.names)} names for {len(a.runs)} runs")
    cfg = load_config(RunFolder(a.runs[0]).config)
    captions, reals, kinds = [], [], []
    for split, kind in (('train', 'training'), ('val', 'held-out, val')):
        images, caps = split_images(cfg, split, a.per_split, seed=a.seed)
        captions += caps; reals += list(images); kinds += [kind] * len(caps)
    samples = []
    for run in a.runs:                                              # one sample per caption from each generator
        pipe = MaskGITPipeline.from_pretrained(run)
        samples.append(pipe(captions, num_images_per_prompt=1, generator=torch.Generator().manual_seed(a.seed)).images)
    images = [im for i, real in enumerate(reals) for im in (tensor_to_pil(real), *(s[i] for s in samples))]
    labels = [f"{c}  ({kind} caption): real | " + ' | '.join(a.names) for c, kind in zip(captions, kinds)]
    labelled_grid(images, labels, 1 + len(a.runs)).save(a.out)
    print(f"{a.out}: {len(captions)} captions x (real + {len(a.runs)} generators)")

if __name__ == '__main__': main()
