"README.md from nbs/index.ipynb (nbdev_readme needs Quarto, which these machines lack): the markdown cells, image paths made relative to the repo root."
import json, re
from pathlib import Path
nb = json.load(open('nbs/index.ipynb'))
out = []
for c in nb['cells']:
    src = ''.join(c['source'])
    if c['cell_type'] == 'markdown': out.append(src)
    elif c['cell_type'] == 'code' and src.strip() and not src.lstrip().startswith('#|'): out.append('```python\n' + src + '\n```')
text = '\n\n'.join(out) + '\n'
text = re.sub(r'\]\((images/[^)]+)\)', r'](nbs/\1)', text)
text = '<!-- generated from nbs/index.ipynb: edit the notebook, not this file -->\n\n' + text
Path('README.md').write_text(text)
print('README.md:', len(text), 'chars')
