"""Does the prompt steer the colour? Measured on a trained run (by default the quickstart run).

For prompts whose bundled image has one unmistakable colour (red apple, blue heart, ...), generate
samples and find each sample's dominant non-background hue; count how often it is the prompt's
colour. The baseline is the same count for unconditional samples (empty prompt): how often an
unconditional sample happens to have that colour. The hue classifier is first checked on the
bundled images of those prompts, so a mismatch there shows up as a broken yardstick, not a result.
The measurement itself is `naruto_maskgit.evaluate.prompt_colour` (also part of `naruto_evaluate`).

    python benchmarks/prompt_colour.py --run runs/quickstart --samples 16
"""
import argparse, time

from naruto_maskgit.pipeline import MaskGITPipeline
from naruto_maskgit.evaluate import prompt_colour, PROMPT_COLOURS


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--run', default='runs/quickstart', help='a trained run folder')
    ap.add_argument('--samples', type=int, default=16, help='samples per prompt (and x len(prompts) / 2 unconditional ones)')
    ap.add_argument('--steps', type=int, default=12)
    ap.add_argument('--guidance', type=float, default=None, help="default: the run's sampling.guidance")
    ap.add_argument('--sampler', default=None, help="confidence or halton (default: the run's sampling.sampler)")
    ap.add_argument('--seed', type=int, default=0)
    args = ap.parse_args()

    pipe = MaskGITPipeline.from_pretrained(args.run)
    print(f"run: {args.run}  {pipe}")
    t0 = time.time()
    r = prompt_colour(pipe, args.samples, args.seed, num_inference_steps=args.steps, guidance_scale=args.guidance, sampler=args.sampler)
    dt = time.time() - t0
    print(f"hue classifier on the bundled images of the prompts: {r['reference_correct']}/{r['reference_total']} correct")
    print(f"\n{'prompt':36s} {'colour':7s} {'conditional':>12s} {'unconditional':>14s}")
    for p, (hit, base) in r['per_prompt'].items():
        print(f"{p:36s} {PROMPT_COLOURS[p]:7s} {hit:12.0%} {base:14.0%}")
    print(f"{'overall (mean over prompts)':36s} {'':7s} {r['conditional']:12.0%} {r['unconditional']:14.0%}")
    print(f"\nconditional / unconditional match rate: {r['conditional'] / max(r['unconditional'], 1e-9):.2f}x")
    print("unconditional dominant hues:", r['unconditional_hues'])
    print(f"{args.samples} samples per prompt, {args.steps} steps, guidance "
          f"{args.guidance if args.guidance is not None else pipe.sampling.guidance}, sampler {args.sampler or pipe.sampling.sampler}; "
          f"sampling took {dt:.0f} s")


if __name__ == '__main__':
    main()
