"Execute a notebook in place with execnb, storing its outputs (figures for the docs); cells flagged #| slow run only with --slow. Usage: python tools/run_nb.py nbs/NN_name.ipynb [--slow]"
import sys, os, time
from pathlib import Path
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
path = Path(sys.argv[1]).resolve(); slow = '--slow' in sys.argv
nb = read_nb(path)
for c in nb.cells:
    if c.cell_type == "code": c.outputs, c.execution_count = [], None   # stale outputs of cells that now print nothing must go
os.chdir(path.parent)
shell = CaptureShell(path=path)
def skip(cell):
    if cell.cell_type != 'code': return True
    first = cell.source.lstrip().splitlines()[0] if cell.source.strip() else ''
    if first.startswith('#| slow') and not slow: cell.outputs = []; return True
    return False
t = time.time()
shell.run_all(nb, exc_stop=True, preproc=skip)
write_nb(nb, path)
print(f"{path.name}: ran in {time.time()-t:.1f} s")
