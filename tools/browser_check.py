"""Open the prompt demo in JupyterLab with a real Chromium (Playwright), double-click Generate and check what a user
sees: no image (and so no broken-image icon) and no label cut off before the first click, and no red stderr box; after
it, one generation (not two), the samples and the decoding strip drawn at their natural size (rendered width == PNG
width), the strip's last frame in view without scrolling, the progress bar at its end, the status naming the seed; with
the guidance then set to 0, the grey note that the prompt is ignored; then save a screenshot of the notebook.

    python tools/browser_check.py RUN_DIR SCREENSHOT.png [--steps N] [--prompt TEXT]

RUN_DIR is a trained run (e.g. runs/quickstart) or any folder `MaskGITPipeline.from_pretrained` loads. Needs Debian's
Chromium (`apt-get install chromium`, at /usr/bin/chromium), `pip install playwright jupyterlab`, and naruto_maskgit
installed in this Python. Where one is missing it prints "skipped: ..." and exits 0; a failed check exits 1.
13_widget runs it with the slow tests (`nbdev_test --flags slow`).
"""
import argparse, importlib.util, json, os, shutil, socket, subprocess, sys, tempfile, time, urllib.request
from pathlib import Path

CHROMIUM = '/usr/bin/chromium'

def missing() -> str|None:
    "Why the check cannot run here, or None."
    if not Path(CHROMIUM).exists(): return f"no Chromium at {CHROMIUM} (apt-get install chromium)"
    for mod, pkg in [('playwright', 'playwright'), ('jupyterlab', 'jupyterlab'), ('ipywidgets', 'ipywidgets')]:
        if importlib.util.find_spec(mod) is None: return f"{mod} is not installed (pip install {pkg})"
    return None

def free_port() -> int:
    with socket.socket() as s: s.bind(('127.0.0.1', 0)); return s.getsockname()[1]

def demo_notebook(work:Path, run:Path, steps:int, prompt:str) -> Path:
    "A one-cell notebook that shows the panel with `steps` decoding steps ('new seed each click' left on)."
    src = ("from naruto_maskgit.widget import PromptDemo\nfrom naruto_maskgit.pipeline import MaskGITPipeline\n"
           f"demo = PromptDemo(MaskGITPipeline.from_pretrained({str(run)!r}, device='cpu'), prompt={prompt!r})\n"
           f"demo.steps.value = {steps}\ndemo")
    zero = "demo.guidance.value = 0"
    nb = {'cells': [{'cell_type': 'code', 'execution_count': None, 'id': 'demo', 'metadata': {}, 'outputs': [], 'source': src},
                    {'cell_type': 'code', 'execution_count': None, 'id': 'zero', 'metadata': {}, 'outputs': [], 'source': zero}],
          'metadata': {'kernelspec': {'name': 'python3', 'display_name': 'Python 3', 'language': 'python'}},
          'nbformat': 4, 'nbformat_minor': 5}
    (work/'demo.ipynb').write_text(json.dumps(nb))
    return work/'demo.ipynb'

def start_lab(work:Path, port:int, token:str) -> subprocess.Popen:
    "JupyterLab on `work`, with its settings and workspaces kept in `work` (no news pop-up, the user's own left alone)."
    settings = work/'settings'/'@jupyterlab'/'apputils-extension'
    settings.mkdir(parents=True)
    (settings/'notification.jupyterlab-settings').write_text(json.dumps({'fetchNews': 'false', 'checkForUpdates': False}))
    env = {**os.environ, 'JUPYTER_CONFIG_DIR': str(work/'config'), 'JUPYTER_RUNTIME_DIR': str(work/'runtime')}
    return subprocess.Popen([sys.executable, '-m', 'jupyter', 'lab', '--no-browser', f'--port={port}', '--ip=127.0.0.1',
                             f'--IdentityProvider.token={token}', f'--ServerApp.root_dir={work}', '--allow-root',
                             f'--LabApp.user_settings_dir={work/"settings"}', f'--LabApp.workspaces_dir={work/"workspaces"}'],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=work)

# what the page shows: every image widget with its natural and rendered size and whether it is displayed, and the progress bar
STATE_JS = """() => ({
  images: [...document.querySelectorAll('.jp-OutputArea img.widget-image')].map(i => ({
      natural: [i.naturalWidth, i.naturalHeight], shown: [i.clientWidth, i.clientHeight],
      visible: i.offsetParent !== null && getComputedStyle(i).display !== 'none', broken: i.complete && !!i.getAttribute('src') && i.naturalWidth === 0,
      box: [getComputedStyle(i.parentElement).overflowX, i.parentElement.clientWidth, i.parentElement.scrollWidth]})),
  progress: [...document.querySelectorAll('.jp-OutputArea .widget-hprogress .progress-bar')].map(b => b.style.width),
  status: [...document.querySelectorAll('.jp-OutputArea .widget-html-content')].map(h => h.innerText).filter(t => t.trim()),
  button: [...document.querySelectorAll('.jp-OutputArea button')].filter(b => b.innerText.includes('Generate')).map(b => b.disabled),
  cut: [...document.querySelectorAll('.jp-OutputArea .widget-label, .jp-OutputArea .widget-label-basic, .jp-OutputArea label')]
      .filter(l => l.offsetParent !== null && l.scrollWidth > l.clientWidth + 1).map(l => l.innerText),
  stderr: document.querySelectorAll('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]').length,
  right: [...document.querySelectorAll('.jp-OutputArea img.widget-image')].map(i => [i.getBoundingClientRect().right, window.innerWidth]),
})"""

# while generating, record the progress bar's widths and the strip's widths (how the panel fills in)
WATCH_JS = """() => { window.__seen = {progress: [], strip: []};
  window.__watch = setInterval(() => {
    const b = document.querySelector('.jp-OutputArea .widget-hprogress .progress-bar');
    const imgs = [...document.querySelectorAll('.jp-OutputArea img.widget-image')];
    const p = b ? b.style.width : null, s = imgs.length > 1 ? imgs[1].naturalWidth : null;
    if (p !== window.__seen.progress.at(-1)) window.__seen.progress.push(p);
    if (s !== window.__seen.strip.at(-1)) window.__seen.strip.push(s);
  }, 20); }"""

def check(run:Path, out:Path, steps:int, prompt:str) -> list:
    "Run the browser check; the list of problems found (empty: passed)."
    from playwright.sync_api import sync_playwright
    work, port, token, problems = Path(tempfile.mkdtemp()), free_port(), 'check', []
    demo_notebook(work, run, steps, prompt)
    lab = start_lab(work, port, token)
    try:
        for _ in range(120):
            try: urllib.request.urlopen(f'http://127.0.0.1:{port}/api?token={token}'); break
            except Exception: time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=['--no-sandbox'])
            page = browser.new_page(viewport={'width': 1400, 'height': 1000})
            try:
                page.goto(f'http://127.0.0.1:{port}/lab/tree/demo.ipynb?token={token}')
                page.wait_for_selector('.jp-Notebook .jp-Cell', timeout=90000)
                page.wait_for_selector('text=Python 3 (ipykernel) | Idle', timeout=90000)
                page.click('.jp-Cell .cm-content'); page.keyboard.press('Shift+Enter')
                page.wait_for_selector('.jp-OutputArea button:has-text("Generate")', timeout=120000)
                time.sleep(1)
                before = page.evaluate(STATE_JS)
                if any(i['visible'] for i in before['images']): problems.append(f"images shown before the first click: {before['images']}")
                if before['cut']: problems.append(f"labels cut off: {before['cut']}")
                if before['stderr']: problems.append(f"{before['stderr']} red stderr box(es) under the cell")
                page.evaluate(WATCH_JS)
                t0 = time.time()
                page.dblclick('.jp-OutputArea button:has-text("Generate")')          # a double click: one generation
                page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea .widget-html-content')]"
                                       ".some(h => /image\\(s\\), seed|error|stopped/.test(h.innerText))", timeout=300000)
                took = time.time() - t0
                first = page.evaluate(STATE_JS)['status']
                time.sleep(took + 2)                                                  # time for a second run to show
                seen = page.evaluate("() => { clearInterval(window.__watch); return window.__seen; }")
                done = seen['progress'].index('100%') if '100%' in seen['progress'] else None
                if done is None or seen['progress'][done + 1:]: problems.append(f"a double click ran more than one generation: progress {seen['progress']}")
                if page.evaluate(STATE_JS)['status'] != first: problems.append(f"the status changed after the run: {first} -> ...")
                after = page.evaluate(STATE_JS)
                shown = [i for i in after['images'] if i['visible']]
                if len(shown) != 2: problems.append(f"expected 2 images after the click, the page shows {len(shown)}: {after['images']}")
                for i in shown:
                    if i['natural'] != i['shown'] or i['natural'][0] == 0:
                        problems.append(f"image not at its natural size: natural {i['natural']}, rendered {i['shown']}")
                if any(i['broken'] for i in after['images']): problems.append("a broken image icon")
                if len(shown) == 2 and (shown[1]['box'][2] > shown[1]['box'][1] or after['right'][1][0] > after['right'][1][1]):
                    problems.append(f"the strip's last frame needs scrolling: box {shown[1]['box']}, right edge {after['right'][1]}")
                if after['cut']: problems.append(f"labels cut off: {after['cut']}")
                if after['stderr']: problems.append(f"{after['stderr']} red stderr box(es) under the cell")
                for i in shown:
                    overflow, width, scroll = i['box']
                    if overflow != 'auto' or scroll < i['natural'][0]:
                        problems.append(f"image not in a sideways-scrolling box: overflow-x {overflow}, box {width} px, scrolls {scroll} px")
                if after['progress'] != ['100%']: problems.append(f"progress bar not at its end: {after['progress']}")
                if not any('image(s), seed' in s for s in after['status']): problems.append(f"status: {after['status']}")
                if after['button'] != [False]: problems.append(f"Generate button not enabled again: {after['button']}")
                print(f"images (natural, rendered, box: overflow-x, width, scroll width): {[(i['natural'], i['shown'], i['box']) for i in shown]}\n"
                      f"progress bar widths seen while generating: {seen['progress']}\n"
                      f"strip widths seen while generating: {seen['strip']}\nstatus: {after['status']}")
                page.locator('.jp-Cell').nth(1).locator('.cm-content').click(); page.keyboard.press('Shift+Enter')   # guidance 0
                page.wait_for_selector('.jp-OutputArea :text("the prompt is ignored")', timeout=30000)
                colour = page.evaluate("() => { const n = [...document.querySelectorAll('.jp-OutputArea .widget-html-content div')]"
                                       ".find(d => d.innerText.includes('the prompt is ignored')); return n && getComputedStyle(n).color; }")
                if colour != 'rgb(85, 85, 85)': problems.append(f"the guidance-0 note is not a grey information line: colour {colour}")
                print(f"guidance 0 note colour: {colour}")
                page.locator('.jp-Cell').first.scroll_into_view_if_needed()
                panel = page.locator('.jp-NotebookPanel').first
                panel.screenshot(path=str(out))
            except Exception as e:
                page.screenshot(path=str(out), full_page=True); problems.append(f"{type(e).__name__}: {e}")
            browser.close()
    finally:
        lab.terminate()
        try: lab.wait(20)
        except subprocess.TimeoutExpired: lab.kill()
        shutil.rmtree(work, ignore_errors=True)
    return problems

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument('run', help='a run folder or a save_pretrained folder')
    ap.add_argument('screenshot', help='where to save the screenshot (PNG)')
    ap.add_argument('--steps', type=int, default=24, help='decoding steps to set in the panel')
    ap.add_argument('--prompt', default='red apple emoji, food fruit')
    a = ap.parse_args()
    why = missing()
    if why: print(f"skipped: {why}"); sys.exit(0)
    out = Path(a.screenshot).resolve(); out.parent.mkdir(parents=True, exist_ok=True)
    problems = check(Path(a.run).resolve(), out, a.steps, a.prompt)
    print(f"screenshot: {out}")
    if problems: print('browser check FAILED:\n- ' + '\n- '.join(problems)); sys.exit(1)
    print('browser check passed')
