// UI layer, second session: the panel a physicist reads (issue #15), in the installed VSIX in code-server.
// A 5-D conditional pair (test-fixtures/ws/dijet: five jet features whose shapes shift with the dijet mass
// mjj, simulation → data, 400 rows each) is trained through the panel; then the marginals with their ratio
// panels, the condition slider, switching experiments, a window reload after a stop and in the middle of
// a training, and the dark, light and high-contrast themes. Every step asserts what the panel plotted
// (the marginal cards carry their histogram counts as data-counts-<cloud>, the curve cards their point
// counts as data-points), not only a picture. Called by scripts/ui.mjs; screenshots go to its folder, and
// with FLOWMORPH_README_SCREENSHOTS=1 the clear ones also to media/screenshots/ui-*.png for the README.
import fs from 'node:fs';
import path from 'node:path';
import { NAV_TIMEOUT_MS, ROOT, copyDir, launchBrowser, runFromPalette, startCodeServer, waitUntil, webviewFrame, workbenchUrl } from './vscode-lib.mjs';

const FEATURES = ['mj1', 'dmjj', 'tau21_j1', 'tau21_j2', 'drjj'];
const SMALL = { stacks: 2, blocks: 1, hidden: 16, bins: 8 };
/** The themes by their setting id and the label the Color Theme picker shows (VS Code 1.100). */
const THEMES = [
  { name: 'dark', setting: 'Default Dark Modern', label: 'Dark Modern', body: 'vscode-dark' },
  { name: 'light', setting: 'Default Light Modern', label: 'Light Modern', body: 'vscode-light' },
  { name: 'high-contrast', setting: 'Default High Contrast', label: 'Dark High Contrast', body: 'vscode-high-contrast' },
  { name: 'high-contrast-light', setting: 'Default High Contrast Light', label: 'Light High Contrast', body: 'vscode-high-contrast-light' },
];

/** The dijet experiment: small flows and a steps budget, so the whole pair trains in about a minute. */
function dijetExperiment(morphSteps) {
  return {
    version: 1,
    name: 'dijet: simulation → data (5-D, condition mjj)',
    source: { path: 'dijet/dijet-sim.csv', conditionColumns: ['mjj'] },
    target: { path: 'dijet/dijet-data.csv', conditionColumns: ['mjj'] },
    base: { preset: 'fast', flow: SMALL, train: { steps: 60 } },
    morph: { mode: 'two-bases-shared', top: SMALL, penalty: {}, train: { steps: morphSteps } },
  };
}

/**
 * Runs the panel steps in a code-server of its own (extensions already installed in `csDir`).
 * `step(name, fn, page)` and `shot(page, name, target)` are scripts/ui.mjs's.
 */
export async function panelSession({ csDir, tmp, step, shot, readme }) {
  const ws = copyDir(path.join(ROOT, 'test-fixtures', 'ws'), path.join(tmp, 'ws-panel'));
  const dijetFile = path.join(ws, 'dijet.flowmorph.json');
  const writeDijet = (steps) => fs.writeFileSync(dijetFile, JSON.stringify(dijetExperiment(steps), null, 2));
  writeDijet(80);
  // The demo (four circles → two moons) stays as the other experiment, untrained.
  const server = await startCodeServer({ dir: csDir, env: { FLOWMORPH_BACKEND: process.env.FLOWMORPH_BACKEND || 'wasm' }, settings: { 'workbench.colorTheme': THEMES[0].setting } });
  const browser = await launchBrowser({ viewport: { width: 1400, height: 1000 } });
  const { page } = browser;
  const runsDir = path.join(ws, 'flowmorph-runs');
  const records = () =>
    (fs.existsSync(runsDir) ? fs.readdirSync(runsDir) : []).flatMap((d) => {
      try {
        return [JSON.parse(fs.readFileSync(path.join(runsDir, d, 'flowmorph-status.json'), 'utf8'))];
      } catch {
        return [];
      }
    });
  const morphRuns = () => records().filter((r) => r.kind === 'morph').sort((a, b) => (a.startedAt < b.startedAt ? -1 : 1));
  const saveReadme = async (name, target) => {
    const file = await shot(page, `panel-${name}`, target);
    if (readme) {
      fs.mkdirSync(path.join(ROOT, 'media', 'screenshots'), { recursive: true });
      fs.copyFileSync(file, path.join(ROOT, 'media', 'screenshots', `ui-${name}.png`));
    }
  };
  const hideToasts = (hidden) => page.locator('.notifications-toasts').evaluate((el, h) => (el.style.visibility = h ? 'hidden' : ''), hidden).catch(() => {});
  /** A screenshot without the notifications over it, optionally scrolled to `scrollTo` in the panel. */
  const cleanShot = async (name, scrollTo) => {
    await hideToasts(true);
    if (scrollTo) await panel.locator(scrollTo).scrollIntoViewIfNeeded();
    await saveReadme(name, page);
    await hideToasts(false);
  };

  let panel;
  /** The Flowmorph panel's document (found again after a reload: the webview is a new frame then). */
  const findPanel = async (timeoutMs = 90000) =>
    (panel = await webviewFrame(page, async (f) => (await f.locator('#app .app-name').count()) > 0 && (await f.locator('#app[aria-busy]').count()) === 0, { timeoutMs }));
  const title = () => panel.locator('.experiment-name').textContent();
  /** Per marginal card: its title and the data it plotted. */
  const marginals = () =>
    panel.evaluate(() =>
      Array.from(document.querySelectorAll('#marginals .card'), (c) => ({
        title: c.querySelector('.card-title')?.textContent ?? '',
        target: c.getAttribute('data-counts-target'),
        source: c.getAttribute('data-counts-source'),
        morphed: c.getAttribute('data-counts-morphed'),
        transfer: c.getAttribute('data-counts-baseTransfer'),
        ratioPoints: Number(c.getAttribute('data-ratio-points') ?? 0),
      })),
    );
  const curvePoints = () => panel.evaluate(() => Object.fromEntries(Array.from(document.querySelectorAll('.curve-grid .card[data-chart]'), (c) => [c.id, Number(c.getAttribute('data-points') ?? 0)])));
  const statusText = () => panel.locator('#status-text').textContent();
  const explorerItem = (name) => page.getByRole('treeitem', { name: new RegExp(`^${name.replace(/\./g, '\\.')}`) }).first();
  /** Opens an experiment file in the editor (that makes it the current experiment), then the panel. */
  async function openExperiment(file) {
    await runFromPalette(page, 'View: Show Explorer');
    await explorerItem(file).click();
    await page.locator('.tabs-container .tab.active', { hasText: file }).first().waitFor({ timeout: 30000 });
    // The editor title's Open Flowmorph button (shown on *.flowmorph.json files), as a user switches.
    await page.locator('.editor-group-container.active .editor-actions a[aria-label^="Open Flowmorph"]').first().click({ timeout: 30000 });
    await findPanel();
    await waitUntil(async () => (await title()) === file, { timeoutMs: 30000, what: `the panel titled ${file}` });
  }
  /** Every marginal card of the dijet pair drawn with the clouds in `clouds` (and ratio points). */
  async function dijetMarginalsDrawn(clouds) {
    let last;
    await waitUntil(
      async () => {
        last = await marginals();
        return last.length === FEATURES.length && last.every((m, i) => m.title === FEATURES[i] && clouds.every((c) => m[c]) && m.ratioPoints > 0);
      },
      { timeoutMs: 60000, everyMs: 500, what: `five marginals (${FEATURES}) with ${clouds} and ratio points` },
    ).catch((e) => {
      throw new Error(`${e.message}; the panel shows ${JSON.stringify(last?.map((m) => ({ ...m, target: !!m.target, source: !!m.source, morphed: !!m.morphed, transfer: !!m.transfer })))}`);
    });
    return last;
  }
  const idle = () => waitUntil(async () => /^Idle/.test((await statusText()) ?? ''), { timeoutMs: 400000, everyMs: 500, what: 'the panel idle' });
  /** The step of the morph training now (-1 while none trains: an idle panel shows the last run's step). */
  const morphStep = async () => Number(/^Training morph.*morph · step (\d+)/.exec((await statusText()) ?? '')?.[1] ?? -1);

  try {
    await page.goto(workbenchUrl(server, ws), { timeout: NAV_TIMEOUT_MS });
    await explorerItem('dijet.flowmorph.json').waitFor({ timeout: 90000 });

    await step('panel: a 5-D conditional pair (dijet, condition mjj) trains; marginals with ratio panels, named by column', async () => {
      await openExperiment('dijet.flowmorph.json');
      await panel.locator('#train-morph').click();
      await waitUntil(async () => /Training/.test((await statusText()) ?? ''), { timeoutMs: 30000, what: 'training started' });
      await idle();
      const run = morphRuns().at(-1);
      if (run?.status !== 'done') throw new Error(`the morph run: ${run?.status} ${run?.error ?? ''}`);
      await dijetMarginalsDrawn(['target', 'source', 'morphed', 'transfer']);
      // The slider for mjj, and the before/after table with one row per feature and the overall row.
      await panel.locator('#condition-0').waitFor({ state: 'visible', timeout: 10000 });
      const rows = await panel.locator('#before-after tbody tr th').allTextContents();
      if (rows.slice(0, 5).join() !== FEATURES.join()) throw new Error(`before/after rows ${rows}`);
      // The evaluation says how far to trust it: 400 rows leave far fewer than 1 000 held out, and the OT
      // cost is explained where it is shown.
      await panel.locator('#metrics-noisy', { hasText: /only \d+ held-out rows \(fewer than 1000\)/ }).waitFor({ timeout: 30000 });
      await panel.locator('#ot-explained', { hasText: /least any map can move/ }).waitFor({ timeout: 10000 });
      const pts = await curvePoints();
      if (!(pts['curve-morph'] > 0 && pts['curve-nll'] > 0)) throw new Error(`curves not drawn: ${JSON.stringify(pts)}`);
      await cleanShot('dijet-marginals', '#marginals-title');
    }, page);

    await step('panel: moving the mjj slider re-plots the marginals at that condition (target rows of the bin, new morph)', async () => {
      const before = await dijetMarginalsDrawn(['target', 'morphed']);
      const slider = panel.locator('#condition-0');
      const [min, max] = [Number(await slider.getAttribute('min')), Number(await slider.getAttribute('max'))];
      const value = min + 0.85 * (max - min);
      await slider.evaluate((el, v) => {
        el.value = String(v);
        el.dispatchEvent(new Event('input', { bubbles: true }));
        el.dispatchEvent(new Event('change', { bubbles: true }));
      }, value);
      // The host answers with the target rows of the bin mjj ± 10 % of its range and the source morphed there.
      let after;
      await waitUntil(
        async () => {
          after = await marginals();
          return after.length === 5 && after.every((m, i) => m.target && m.morphed && m.target !== before[i].target && m.morphed !== before[i].morphed);
        },
        { timeoutMs: 120000, everyMs: 500, what: 'every marginal re-plotted (target and morph histograms changed)' },
      );
      const n = (s) => s.split(' ').reduce((a, b) => a + Number(b), 0);
      // Fewer target rows: only those of the chosen bin (400 rows over the whole range).
      if (!(n(after[0].target) < n(before[0].target))) throw new Error(`target rows plotted: ${n(before[0].target)} before, ${n(after[0].target)} in the bin`);
      await panel.locator('.host-status .status-message', { hasText: /mjj = / }).waitFor({ timeout: 30000 });
      await cleanShot('dijet-slider', '#marginals-title');
    }, page);

    await step('panel: the density heat map is a base flow\'s log-density from the worker, at the slider\'s mjj', async () => {
      // Computed in the worker on a 64 × 64 grid in data units (not the histogram of samples it falls back to).
      const density = panel.locator('#density');
      await density.locator('.density-caption', { hasText: /^flow density q\(x\) at mjj = / }).waitFor({ timeout: 60000 });
      const drawn = await density.evaluate((c) => c.closest('.card')?.querySelector('.note')?.hidden !== false);
      if (!drawn) throw new Error('the density card shows a note instead of the heat map');
      await hideToasts(true);
      // Centred: scrolled to the top, the panel's sticky header would cover the card's title.
      await density.evaluate((el) => el.scrollIntoView({ block: 'center' }));
      await saveReadme('heatmap', density);
      await hideToasts(false);
    }, page);

    await step('panel: switching to another experiment shows none of the first one (title, axes, curves, slider)', async () => {
      await openExperiment('demo.flowmorph.json');
      let text = '';
      await waitUntil(
        async () => {
          text = await panel.evaluate(() => document.getElementById('app').innerText);
          const pts = await curvePoints();
          return !FEATURES.some((f) => text.includes(f)) && !text.includes('mjj') && Object.values(pts).every((p) => p === 0);
        },
        { timeoutMs: 30000, everyMs: 500, what: 'a panel without the dijet experiment\'s columns and curves' },
      ).catch(async (e) => {
        throw new Error(`${e.message}: curves ${JSON.stringify(await curvePoints())}, dijet names in the text: ${[...FEATURES, 'mjj'].filter((f) => text.includes(f))}`);
      });
      if (!(await panel.locator('#condition-0').count() === 0 || await panel.locator('.condition-controls[hidden]').count() === 1)) throw new Error('the mjj slider is still shown');
      const ms = await marginals();
      if (ms.some((m) => m.morphed)) throw new Error('a morph is plotted for the untrained demo');
      await saveReadme('switch-experiment', page);
    }, page);

    await step('panel: after a stopped run, a window reload restores its plots and curves', async () => {
      // Back to the dijet pair (after the switch above), with a budget long enough to stop it halfway.
      await openExperiment('dijet.flowmorph.json');
      writeDijet(100000);
      await waitUntil(async () => !(await panel.locator('#train-morph').evaluate((b) => b.disabled)), { timeoutMs: 30000, what: 'Train morph enabled' });
      const n0 = morphRuns().length;
      await panel.locator('#train-morph').click();
      await waitUntil(async () => (await morphStep()) >= 20, { timeoutMs: 240000, everyMs: 500, what: 'morph step 20' });
      await panel.locator('#stop').click();
      await idle();
      const run = morphRuns().at(-1);
      if (morphRuns().length !== n0 + 1 || run.status !== 'cancelled') throw new Error(`the stopped run: ${run?.status}`);
      await page.reload({ timeout: NAV_TIMEOUT_MS });
      await findPanel();
      await waitUntil(async () => (await title()) === 'dijet.flowmorph.json', { timeoutMs: 30000, what: 'the dijet experiment in the panel' });
      await dijetMarginalsDrawn(['target', 'source', 'morphed']);
      await waitUntil(async () => (await curvePoints())['curve-morph'] > 0, { timeoutMs: 30000, what: 'the morph curve restored' });
      await panel.locator(`#runs li.run.cancelled[data-run]`).first().waitFor({ timeout: 30000 });
      await saveReadme('reload-after-stop', page);
    }, page);

    await step('panel: a reload in the middle of a training marks the run interrupted and restores its curves', async () => {
      const n0 = morphRuns().length;
      await panel.locator('#train-morph').click();
      await waitUntil(async () => (await morphStep()) >= 20, { timeoutMs: 240000, everyMs: 500, what: 'morph step 20' });
      const running = morphRuns().at(-1);
      if (morphRuns().length !== n0 + 1 || running.status !== 'running') throw new Error(`expected a running morph, found ${running?.status}`);
      await page.reload({ timeout: NAV_TIMEOUT_MS });
      await findPanel();
      await page.locator('.notifications-toasts .notification-list-item', { hasText: /was interrupted/ }).first().waitFor({ timeout: 90000 });
      await waitUntil(() => morphRuns().find((r) => r.id === running.id)?.status === 'interrupted', { timeoutMs: 30000, what: 'the run marked interrupted on disk' });
      await panel.locator(`#runs li.run.interrupted[data-run="${running.id}"] .codicon-debug-pause`).waitFor({ timeout: 30000 });
      await waitUntil(async () => (await curvePoints())['curve-morph'] > 0, { timeoutMs: 30000, what: 'the interrupted run\'s morph curve restored' });
      await dijetMarginalsDrawn(['target', 'source']);
      if (/^Training/.test((await statusText()) ?? '')) throw new Error('the panel still says it is training');
      await saveReadme('reload-interrupted', page);
    }, page);

    const seen = new Map();
    for (const t of THEMES) {
      await step(`panel: ${t.name} theme (${t.label}): webview and charts follow it`, async () => {
        // As a user does: Preferences: Color Theme, the theme's name, Enter.
        // (the palette entry opens a second quick pick, the themes, so not runFromPalette, which waits for it
        // to close; retried like it, since the palette may open before the workbench takes the keys)
        const input = page.locator('.quick-input-widget input.input');
        const row = (text) => page.locator('.quick-input-widget .monaco-list-row', { hasText: text }).first();
        await waitUntil(
          async () => {
            try {
              await page.keyboard.press('Escape');
              await page.keyboard.press('F1');
              await input.waitFor({ state: 'visible', timeout: 5000 });
              await input.fill('>Preferences: Color Theme');
              await row('Preferences: Color Theme').click({ timeout: 5000 });
              await row(/^Light Modern/).waitFor({ timeout: 5000 }); // the theme list
              await input.fill(t.label);
              await row(new RegExp(`^${t.label}`)).click({ timeout: 5000 });
              await page.locator('.quick-input-widget').waitFor({ state: 'hidden', timeout: 5000 });
              return true;
            } catch {
              return false;
            }
          },
          { timeoutMs: 60000, everyMs: 500, what: `${t.label} chosen in Preferences: Color Theme` },
        );
        await waitUntil(async () => (await panel.evaluate(() => document.body.className)).split(/\s+/).includes(t.body), { timeoutMs: 30000, what: `body.${t.body} in the webview` });
        // The charts were recoloured from this theme's variables.
        let colours;
        await waitUntil(
          async () => {
            colours = await panel.evaluate(() => {
              const css = getComputedStyle(document.documentElement);
              const app = document.getElementById('app');
              return { fg: app.dataset.chartForeground, bg: app.dataset.chartBackground, line: app.dataset.chartLineWidth, cssFg: css.getPropertyValue('--vscode-editor-foreground').trim(), cssBg: css.getPropertyValue('--vscode-editor-background').trim() };
            });
            // High-contrast themes draw thicker lines (webview/theme.ts: strokes).
            return colours.fg === colours.cssFg && colours.bg === colours.cssBg && colours.line === (t.body.includes('high-contrast') ? '2.5' : '1.6');
          },
          { timeoutMs: 15000, what: `chart colours and line width from the ${t.name} theme` },
        ).catch((e) => {
          throw new Error(`${e.message}: ${JSON.stringify(colours)}`);
        });
        for (const [other, c] of seen) if (c.bg === colours.bg && c.fg === colours.fg) throw new Error(`same chart colours as the ${other} theme: ${JSON.stringify(c)}`);
        seen.set(t.name, colours);
        // Card titles and the tables' cells are not clipped: each one's text fits its box.
        const clipped = await panel.evaluate(() =>
          Array.from(document.querySelectorAll('.card-title, .metrics-table th, .metrics-table td')).filter((e) => e.offsetParent && e.scrollWidth > e.clientWidth + 1).map((e) => e.textContent),
        );
        if (clipped.length) throw new Error(`clipped card titles or table cells: ${clipped}`);
        // The designer's section headers are readable: WCAG contrast of their text on their background ≥ 4.5.
        const headers = await panel.evaluate(() => {
          const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
          const lum = ([r, g, b]) => {
            const f = (v) => ((v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4);
            return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
          };
          /** The first opaque background from `el` up through shadow hosts to the body. */
          const bg = (el) => {
            for (let e = el; e; e = e.parentElement || e.getRootNode().host) {
              const c = rgb(getComputedStyle(e).backgroundColor);
              if (c.length === 3 || c[3] > 0.5) return c.slice(0, 3);
            }
            return [255, 255, 255];
          };
          return Array.from(document.querySelectorAll('.designer vscode-collapsible'), (c) => {
            const title = c.shadowRoot.querySelector('.title');
            const [a, b] = [lum(rgb(getComputedStyle(title).color)), lum(bg(title))];
            return { text: title.textContent.trim(), contrast: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
          });
        });
        const low = headers.filter((x) => !(x.contrast >= 4.5));
        if (headers.length < 2 || low.length) throw new Error(`designer headers below contrast 4.5: ${JSON.stringify(low)} of ${headers.length}`);
        // Keyboard focus is visible on the runs list: an outline around the focused run.
        const run = panel.locator('#runs li.run[data-run]').first();
        await run.focus();
        await page.keyboard.press('Shift+Tab');
        await page.keyboard.press('Tab');
        const focus = await panel.evaluate(() => {
          const el = document.activeElement;
          const st = getComputedStyle(el);
          return { run: el.matches('li.run'), visible: el.matches(':focus-visible'), outline: `${st.outlineStyle} ${st.outlineWidth} ${st.outlineColor}` };
        });
        if (!focus.run || !focus.visible || /^none|\b0px\b/.test(focus.outline)) throw new Error(`keyboard focus on the runs list not drawn: ${JSON.stringify(focus)}`);
        await cleanShot(`theme-${t.name}`);
      }, page);
    }
  } finally {
    await browser.close();
    await server.stop();
  }
}
