"""Retrain part of the quickstart with a few config values changed, for issue 20's training levers.

    python benchmarks/issue20/retrain.py --run runs/quickstart --out /tmp/ls0 train_cftn.label_smoothing=0.0
    python benchmarks/issue20/retrain.py --run runs/quickstart --out /tmp/b16 train_cftn.batch_size=16 train_cftn.steps=3200 \
        train_cftn.warmup_steps=200 train_cftn.save_every=400 train_cftn.eval_every=1600
    python benchmarks/issue20/retrain.py --out /tmp/c128 vqvae.codebook_size=128 cftn.codebook_size=128   # no --run: from nothing

With `--run`, the run's tokenizer and codes are copied and only the generator is trained (`naruto_train_cftn`);
without it, the whole quickstart is (`run_quickstart`, no grid). Prints the wall time of the training. Score the
result with `naruto_evaluate --run OUT --split val` or `benchmarks/sampling_levers.py --run OUT`.
"""
import argparse, shutil, time, yaml
from pathlib import Path
from naruto_maskgit.config import quickstart_config, load_config, save_config, check_values
from naruto_maskgit.cli import run_quickstart
from naruto_maskgit.run import RunFolder
from naruto_maskgit.train_cftn import train_cftn


def main(argv=None):
    "Parse `argv` (default: the command line) and train."
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', help="a trained quickstart run: keep its tokenizer and codes, retrain the generator")
    ap.add_argument('--out', required=True); ap.add_argument('changes', nargs='*', help="section.key=value or seed=value (YAML value)")
    a = ap.parse_args(argv)
    out = Path(a.out)
    if out.exists(): raise SystemExit(f"{out} exists: choose a new --out")
    cfg = load_config(RunFolder(a.run).config) if a.run else quickstart_config(str(out))
    cfg.task_name = str(out)
    for change in a.changes:
        key, value = change.split('=', 1); *section, name = key.split('.')   # 'seed=1' or 'section.key=value'
        setattr(getattr(cfg, section[0]) if section else cfg, name, yaml.safe_load(value))
    check_values(cfg, 'the changes')
    t0 = time.time()
    if a.run:
        src, dst = RunFolder(a.run), RunFolder(out); dst.path.mkdir(parents=True)
        shutil.copytree(src.vqvae, dst.vqvae); shutil.copytree(src.codes_dir, dst.codes_dir); shutil.copy2(src.threads, dst.threads)
        save_config(cfg, dst.config)
        train_cftn(cfg)
    else: run_quickstart(out, prompts=(), cfg=cfg)
    print(f"{out}: trained in {time.time() - t0:.0f} s ({', '.join(a.changes) or 'no change'})")

if __name__ == '__main__': main()
