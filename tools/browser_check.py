"""Open the prompt demo in JupyterLab with a real Chromium (Playwright), fill in a negative prompt, pick the Halton
sampler, press Generate and save a screenshot. A manual check (not part of the tests): it needs Debian's Chromium
(`apt-get install chromium`), `pip install playwright jupyterlab`, and a trained run.

    python tools/browser_check.py runs/quickstart /tmp/widget.png
"""
import json, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path
from playwright.sync_api import sync_playwright

run, out = Path(sys.argv[1]).resolve(), Path(sys.argv[2]).resolve()
work = Path(tempfile.mkdtemp())
src = (f"from naruto_maskgit.widget import PromptDemo\nfrom naruto_maskgit.pipeline import MaskGITPipeline\n"
       f"demo = PromptDemo(MaskGITPipeline.from_pretrained({str(run)!r}), prompt='red apple emoji, food fruit')\ndemo")
nb = {'cells': [{'cell_type': 'code', 'execution_count': None, 'metadata': {}, 'outputs': [], 'source': src}],
      'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}}, 'nbformat': 4, 'nbformat_minor': 5}
(work/'demo.ipynb').write_text(json.dumps(nb))
port, token = 8899, 'check'
lab = subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--port={port}', f'--IdentityProvider.token={token}',
                        f'--ServerApp.root_dir={work}', '--allow-root'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    for _ in range(60):
        try: urllib.request.urlopen(f'http://localhost:{port}/api?token={token}'); break
        except Exception: time.sleep(1)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path='/usr/bin/chromium', args=['--no-sandbox'])
        page = browser.new_page(viewport={'width': 1400, 'height': 1000})
        page.goto(f'http://localhost:{port}/lab/tree/demo.ipynb?token={token}')
        page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=60000)
        page.wait_for_selector('text=Python 3 (ipykernel) | Idle', timeout=60000)
        time.sleep(2)
        page.click('.jp-Cell .cm-content'); page.keyboard.press('Shift+Enter')
        try: page.wait_for_selector('button:has-text("Generate")', timeout=90000)
        except Exception: page.screenshot(path=str(out), full_page=True); raise
        page.fill('input[placeholder="what to steer away from (optional)"]', 'green')
        page.select_option('.widget-dropdown select', 'halton')
        page.click('button:has-text("Generate")')
        page.wait_for_function("() => [...document.querySelectorAll('.widget-image')].filter(i => i.naturalWidth > 0).length >= 2", timeout=120000)
        time.sleep(1)
        status = page.inner_text('.widget-html-content:has-text("image(s)")')
        sizes = page.evaluate("() => [...document.querySelectorAll('.widget-image')].map(i => [i.naturalWidth, i.naturalHeight, i.clientWidth, i.clientHeight])")
        page.screenshot(path=str(out), full_page=True)
        print(f"screenshot: {out}\nimages (natural w, h, shown w, h): {sizes}\nstatus: {status!r}")
        browser.close()
finally:
    lab.terminate()
