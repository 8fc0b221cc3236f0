"""Does the prompt steer the colour? Measured on a trained run (by default the quickstart run).

For prompts whose bundled image has one unmistakable colour (red apple, blue heart, ...), generate
samples and find each sample's dominant non-background hue; count how often it is the prompt's
colour. The baseline is the same count for unconditional samples (empty prompt): how often an
unconditional sample happens to have that colour. The hue classifier is first checked on the
bundled images of those prompts, so a mismatch there shows up as a broken yardstick, not a result.

    python benchmarks/prompt_colour.py --run runs/quickstart --samples 16
"""
import argparse, colorsys, json, time
from pathlib import Path
import numpy as np
from PIL import Image

from naruto_maskgit.pipeline import MaskGITPipeline
from naruto_maskgit.data import bundled_data_dir

# prompt (a caption of the bundled set) -> its colour
PROMPTS = {
    'red apple emoji, food fruit': 'red', 'strawberry emoji, food fruit': 'red',
    'blue heart emoji, heart': 'blue', 'blue book emoji, book paper': 'blue',
    'green heart emoji, heart': 'green', 'broccoli emoji, food vegetable': 'green',
    'yellow heart emoji, heart': 'yellow', 'lemon emoji, food fruit': 'yellow',
    'tangerine emoji, food fruit': 'orange', 'orange heart emoji, heart': 'orange',
    'purple heart emoji, heart': 'purple', 'grapes emoji, food fruit': 'purple',
}
# hue bins in degrees (red wraps around 0)
HUES = {'red': [(0, 15), (340, 360)], 'orange': [(15, 40)], 'yellow': [(40, 70)], 'green': [(70, 170)],
        'blue': [(170, 255)], 'purple': [(255, 340)]}


def dominant_hue(img: Image.Image, min_sat: float = 0.35, min_val: float = 0.25, min_share: float = 0.02):
    "The colour bin holding most saturated pixels (background white/grey/black is ignored), or None."
    hsv = np.asarray(img.convert('RGB').convert('HSV'), dtype=np.float32) / 255.0
    h, s, v = hsv[..., 0] * 360, hsv[..., 1], hsv[..., 2]
    keep = (s > min_sat) & (v > min_val)
    if keep.mean() < min_share: return None
    h = h[keep]
    counts = {c: sum(((h >= lo) & (h < hi)).sum() for lo, hi in bins) for c, bins in HUES.items()}
    return max(counts, key=counts.get)


def reference_images(image_size: int):
    "The bundled image of each prompt."
    out = {}
    for split in ('train', 'test'):
        folder = bundled_data_dir() / split
        for line in (folder / 'metadata.jsonl').read_text().splitlines():
            row = json.loads(line)
            if row['text'] in PROMPTS: out[row['text']] = Image.open(folder / row['file_name']).convert('RGB').resize((image_size, image_size))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--run', default='runs/quickstart', help='a trained run folder')
    ap.add_argument('--samples', type=int, default=16, help='samples per prompt (and x len(prompts) unconditional ones)')
    ap.add_argument('--steps', type=int, default=12)
    ap.add_argument('--guidance', type=float, default=None, help="default: the run's sampling.guidance")
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()

    pipe = MaskGITPipeline.from_pretrained(args.run)
    print(f"run: {args.run}  {pipe}")
    refs = reference_images(pipe.image_size)
    ref_ok = {p: dominant_hue(refs[p]) == c for p, c in PROMPTS.items() if p in refs}
    print(f"hue classifier on the bundled images of the prompts: {sum(ref_ok.values())}/{len(ref_ok)} correct"
          + ('' if all(ref_ok.values()) else f" (wrong: {[p for p, ok in ref_ok.items() if not ok]})"))
    prompts = [p for p in PROMPTS if ref_ok.get(p)]

    t0 = time.time()
    cond = {p: [dominant_hue(im) for im in pipe(p, steps=args.steps, num_samples=args.samples, guidance=args.guidance, seed=args.seed)]
            for p in prompts}
    uncond = [dominant_hue(im) for im in pipe('', steps=args.steps, num_samples=args.samples * len(prompts) // 2,
                                              guidance=args.guidance, seed=args.seed + 1)]
    dt = time.time() - t0

    print(f"\n{'prompt':36s} {'colour':7s} {'conditional':>12s} {'unconditional':>14s}")
    cond_hits = base_hits = n = 0
    for p in prompts:
        c = PROMPTS[p]
        hit = sum(h == c for h in cond[p]) / len(cond[p])
        base = sum(h == c for h in uncond) / len(uncond)
        cond_hits += hit; base_hits += base; n += 1
        print(f"{p:36s} {c:7s} {hit:12.0%} {base:14.0%}")
    print(f"{'overall (mean over prompts)':36s} {'':7s} {cond_hits / n:12.0%} {base_hits / n:14.0%}")
    print(f"\nconditional / unconditional match rate: {cond_hits / max(base_hits, 1e-9):.2f}x")
    print("unconditional dominant hues:", {h: uncond.count(h) for h in sorted(set(uncond), key=str)})
    print(f"{args.samples} samples per prompt, {len(uncond)} unconditional samples, {args.steps} steps, "
          f"guidance {args.guidance if args.guidance is not None else pipe.sampling.guidance}; sampling took {dt:.0f} s")


if __name__ == '__main__':
    main()
