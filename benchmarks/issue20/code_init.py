"""A generator that starts from what the tokenizer knows, patched in, for issue 20's training levers.

A new CFTN starts with random code embeddings and an output head that calls every code equally likely. Two cheap
starts give it what the run already knows (the patch replaces `train_cftn.build_cftn` after the model is built):
  prior    the head's bias is the log-frequency of each code in the run's training grids (smoothed by half a count),
           so the first step already predicts the code marginals (half the cells are background) instead of spending
           steps learning them (the output-bias start of classifiers with skewed classes)
  geometry the embedding of code k (input) and the head's row for code k (output, tied at the start only) are the
           tokenizer's codebook vector k through one fixed random orthogonal map to the model's width, scaled to the
           init's std 0.02: codes that draw alike start close, so what is learned about one carries to its neighbours

    python benchmarks/issue20/code_init.py --run /tmp/e20/qs --out /tmp/e20/prior --starts prior
    python benchmarks/issue20/code_init.py --run /tmp/e20/qs --out /tmp/e20/geom --starts prior,geometry

Only the generator is trained again (the run's tokenizer and codes are copied, as `retrain.py --run` does); score the
result with `patched_sampling.py --run OUT '{"seed": 0}' ...` or `naruto_evaluate --run OUT --split val`.
"""
import argparse, importlib, sys
from pathlib import Path
import torch
from safetensors.torch import load_file
from naruto_maskgit.run import RunFolder
train_module = importlib.import_module('naruto_maskgit.train_cftn')   # the module (the package's attribute `train_cftn` is its function)

STARTS = set()
shipped_build = train_module.build_cftn

def build_with_start(cfg, grid_size, text_dim=384):
    "The shipped `build_cftn`, then the starts in STARTS from the run's codes and tokenizer."
    model = shipped_build(cfg, grid_size, text_dim)
    run, K = RunFolder(cfg.task_name), cfg.cftn.codebook_size
    with torch.no_grad():
        if 'prior' in STARTS:
            codes = load_file(run.codes('train'))['codes'].long().flatten()
            counts = torch.bincount(codes, minlength=K).float() + 0.5
            model.head.bias.copy_((counts / counts.sum()).log())
        if 'geometry' in STARTS:
            book = load_file(run.vqvae/'model.safetensors')['quantizer.codebook'].float()      # (K, D)
            book = (book - book.mean(0)) / book.std()
            g = torch.Generator().manual_seed(cfg.seed)
            q, _ = torch.linalg.qr(torch.randn(model.head.in_features, book.shape[1], generator=g))   # (W, D), orthonormal columns
            start = book @ q.T                                                                  # (K, W)
            start = start * (0.02 / start.std())
            model.code_emb.weight[:K].copy_(start); model.head.weight.copy_(start)
    print(f"cftn start: {', '.join(sorted(STARTS)) or 'shipped'}", flush=True)
    return model


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('--run', required=True); ap.add_argument('--out', required=True)
    ap.add_argument('--starts', required=True, help="comma-separated: prior, geometry"); ap.add_argument('changes', nargs='*')
    a = ap.parse_args()
    STARTS.update(a.starts.split(','))
    if STARTS - {'prior', 'geometry'}: raise SystemExit(f"--starts {a.starts}: unknown {sorted(STARTS - {'prior', 'geometry'})}")
    train_module.build_cftn = build_with_start
    sys.path.insert(0, str(Path(__file__).parent))
    import retrain
    retrain.main(['--run', a.run, '--out', a.out, *a.changes])

if __name__ == '__main__': main()
