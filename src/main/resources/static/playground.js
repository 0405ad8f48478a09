// Genserve playground: plain JavaScript, no dependencies, served by the service from its jar.
// Every action is one ordinary API call (GET /models, POST /generate, /inpaint, /style-transfer,
// /upscale). URLs are relative, so the page also works behind a proxy that serves it under a prefix.
'use strict';

(() => {
  const $ = (selector, root = document) => root.querySelector(selector);
  const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

  // ---------------------------------------------------------------- HTTP and problems

  /** An answer that is not 2xx; message is the problem's detail (RFC 9457) when there is one. */
  class Problem extends Error {
    constructor(status, title, detail, retryAfter) {
      super(detail || title || `HTTP ${status}`);
      this.status = status;
      this.title = title;
      this.retryAfter = retryAfter;
    }
  }

  async function call(path, init) {
    let response;
    try {
      response = await fetch(path, init);
    } catch (e) {
      throw new Error(`The service could not be reached (${e.message}).`);
    }
    if (!response.ok) {
      throw await problemOf(response);
    }
    return response;
  }

  async function problemOf(response) {
    let title = response.statusText;
    let detail = '';
    if ((response.headers.get('Content-Type') || '').includes('json')) {
      try {
        const problem = await response.json();
        title = problem.title || title;
        detail = problem.detail || '';
      } catch (ignored) {
        // not JSON after all: the status says enough
      }
    }
    return new Problem(response.status, title, detail, response.headers.get('Retry-After'));
  }

  /** Shows an error in a panel's alert line: the problem's title and status, then its detail. */
  function showError(panel, error) {
    const line = $('.error', panel);
    line.replaceChildren();
    if (error instanceof Problem) {
      const head = document.createElement('strong');
      head.textContent = `${error.title || 'Error'} (${error.status})`;
      const detail = document.createElement('span');
      detail.className = 'detail';
      detail.textContent = error.message;
      line.append(head, ' ', detail);
      if (error.retryAfter) {
        line.append(` Try again in ${error.retryAfter} s.`);
      }
    } else {
      const detail = document.createElement('span');
      detail.className = 'detail';
      detail.textContent = error.message || String(error);
      line.append(detail);
    }
    line.hidden = false;
  }

  function clearError(panel) {
    const line = $('.error', panel);
    line.hidden = true;
    line.replaceChildren();
  }

  /** Runs one request of a panel: busy state on its submit button, errors in its alert line. */
  async function busy(panel, button, label, work) {
    const idle = button.textContent;
    button.disabled = true;
    button.textContent = label;
    panel.setAttribute('aria-busy', 'true');
    clearError(panel);
    try {
      await work();
    } catch (e) {
      showError(panel, e);
    } finally {
      button.textContent = idle;
      panel.removeAttribute('aria-busy');
      refreshButtons();
    }
  }

  function seconds(since) {
    return `${((performance.now() - since) / 1000).toFixed(2)} s`;
  }

  // ---------------------------------------------------------------- tabs (WAI-ARIA tabs pattern)

  const tabs = $$('[role=tab]');

  function select(tab, focus) {
    for (const t of tabs) {
      const selected = t === tab;
      t.setAttribute('aria-selected', String(selected));
      t.tabIndex = selected ? 0 : -1;
      document.getElementById(t.getAttribute('aria-controls')).hidden = !selected;
    }
    if (focus) {
      tab.focus();
    }
    history.replaceState(null, '', `#${tab.id.replace('tab-', '')}`);
    if (tab.id === 'tab-inpaint') {
      layoutStage(); // the stage had no size while its panel was hidden
    }
  }

  function activePanel() {
    return document.getElementById($('[role=tab][aria-selected=true]').getAttribute('aria-controls'));
  }

  for (const tab of tabs) {
    tab.addEventListener('click', () => select(tab, false));
    tab.addEventListener('keydown', (e) => {
      const visible = tabs.filter((t) => !t.hidden);
      const i = visible.indexOf(tab);
      const next = {
        ArrowRight: visible[(i + 1) % visible.length],
        ArrowLeft: visible[(i - 1 + visible.length) % visible.length],
        Home: visible[0],
        End: visible[visible.length - 1],
      }[e.key];
      if (next) {
        e.preventDefault();
        select(next, true);
      }
    });
  }

  // ---------------------------------------------------------------- models

  let catalog = { models: [], styles: [], defaultGenerator: null };

  const byName = (name) => catalog.models.find((m) => m.name === name);
  const ofTask = (task) => catalog.models.filter((m) => m.task === task);

  async function loadModels() {
    const status = $('#status');
    try {
      const response = await call('models', { headers: { Accept: 'application/json' } });
      catalog = await response.json();
    } catch (e) {
      status.textContent = `Could not list the models: ${e.message}`;
      status.classList.add('bad');
      return;
    }
    status.classList.remove('bad');
    const ready = catalog.models.filter((m) => m.state === 'ready');
    const other = catalog.models.filter((m) => m.state !== 'ready');
    status.textContent = `${ready.length} of ${catalog.models.length} models ready`
      + other.map((m) => ` · ${m.name}: ${m.state}${m.reason ? ` (${m.reason})` : ''}`).join('');
    status.title = catalog.models.map((m) => `${m.name}: ${m.task || '?'}, ${m.state}`).join('\n');

    fillModels($('#generate-model'), ofTask('generate'), catalog.defaultGenerator);
    fillModels($('#inpaint-model'), ofTask('inpaint'));
    fillModels($('#style-model'), catalog.styles.map(byName).filter(Boolean));
    const upscalers = ofTask('upscale').filter((m) => m.state === 'ready');
    fillModels($('#upscale-model'), upscalers);
    const upscaleTab = $('#tab-upscale');
    upscaleTab.hidden = upscalers.length === 0;
    if (upscaleTab.hidden && upscaleTab.getAttribute('aria-selected') === 'true') {
      select($('#tab-generate'), false);
    }
    generatorChanged();
    refreshButtons();
  }

  /** Options for the models of one task; models that are not ready are listed but disabled. */
  function fillModels(selectElement, models, preferred) {
    const previous = selectElement.value;
    selectElement.replaceChildren();
    for (const m of models) {
      const option = new Option(m.state === 'ready' ? m.name : `${m.name} (${m.state})`, m.name);
      option.disabled = m.state !== 'ready';
      if (m.description) {
        option.title = m.description;
      }
      selectElement.add(option);
    }
    if (models.length === 0) {
      const option = new Option('none available', '');
      option.disabled = true;
      selectElement.add(option);
    }
    const ready = models.filter((m) => m.state === 'ready').map((m) => m.name);
    selectElement.value = [previous, preferred, ready[0]].find((n) => n && ready.includes(n)) || '';
  }

  $('#refresh').addEventListener('click', loadModels);

  // ---------------------------------------------------------------- generate

  const generatePanel = $('#panel-generate');
  const generateModel = $('#generate-model');
  const classPicker = $('#generate-label');
  const truncate = $('#generate-truncate');
  const truncation = $('#generate-truncation');
  const generateUrls = [];

  function generatorChanged() {
    const model = byName(generateModel.value);
    const classes = (model && model.classes) || [];
    const previous = classPicker.value;
    classPicker.replaceChildren(new Option('Any (drawn from the seed)', ''));
    for (const c of classes) {
      classPicker.add(new Option(c, c));
    }
    classPicker.value = classes.includes(previous) ? previous : '';
    $('#generate-label-field').hidden = classes.length === 0;
    const inputs = (model && model.manifest && model.manifest.inputs) || [];
    $('#generate-truncation-field').hidden = !inputs.some((i) => i.role === 'latent' && i.truncation);
  }

  generateModel.addEventListener('change', generatorChanged);
  truncate.addEventListener('change', () => {
    truncation.disabled = !truncate.checked;
  });
  truncation.addEventListener('input', () => {
    $('#generate-truncation-value').textContent = Number(truncation.value).toFixed(2);
  });
  $('#generate-dice').addEventListener('click', () => {
    $('#generate-seed').value = String(Math.floor(Math.random() * 2 ** 31));
  });

  $('#generate-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const form = e.currentTarget;
    if (!form.reportValidity()) {
      return;
    }
    const body = {
      model: generateModel.value,
      seed: Number($('#generate-seed').value),
      count: Number($('#generate-count').value),
    };
    if (classPicker.value && !$('#generate-label-field').hidden) {
      body.label = classPicker.value;
    }
    if (truncate.checked && !$('#generate-truncation-field').hidden) {
      body.truncation = Number(truncation.value);
    }
    busy(generatePanel, $('#generate-submit'), 'Generating…', async () => {
      const started = performance.now();
      const response = await call('generate', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Accept: 'application/json' },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      showGenerated(answer, seconds(started));
    });
  });

  function showGenerated(answer, took) {
    generateUrls.splice(0).forEach((url) => URL.revokeObjectURL(url));
    const grid = $('#generate-grid');
    grid.replaceChildren();
    for (const image of answer.images) {
      const url = URL.createObjectURL(base64Blob(image.data, image.mediaType));
      generateUrls.push(url);
      const name = [answer.model, image.label, `seed${image.seed}`]
        .filter((part) => part !== null && part !== undefined)
        .join('-')
        .replace(/[^A-Za-z0-9._-]+/g, '_');
      const item = document.createElement('li');
      item.dataset.seed = String(image.seed);
      const link = document.createElement('a');
      link.href = url;
      link.download = `${name}.${image.mediaType === 'image/jpeg' ? 'jpg' : 'png'}`;
      link.title = `Download ${link.download}`;
      const img = document.createElement('img');
      img.src = url;
      img.width = image.width;
      img.height = image.height;
      img.alt = `${image.label ? `${image.label}, ` : ''}seed ${image.seed}`;
      if (image.width < 128) {
        img.classList.add('pixels'); // keep small images sharp when shown larger
      }
      link.append(img);
      const caption = document.createElement('span');
      caption.className = 'caption';
      caption.innerHTML = '<b></b><span></span>';
      caption.firstChild.textContent = `seed ${image.seed}`;
      caption.lastChild.textContent = image.label || '';
      item.append(link, caption);
      grid.append(item);
    }
    const first = answer.images[0];
    $('#generate-meta').textContent = `${answer.images.length} from ${answer.model}, `
      + `${first.width}×${first.height}, in ${took}`;
    $('#generate-empty').hidden = true;
  }

  function base64Blob(data, type) {
    const bytes = atob(data);
    const array = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i++) {
      array[i] = bytes.charCodeAt(i);
    }
    return new Blob([array], { type });
  }

  // ---------------------------------------------------------------- the photo (shared by the image tabs)

  // One photo for inpainting, style transfer and upscaling, kept as the browser decoded it (EXIF
  // orientation applied) and sent as a lossless PNG of exactly those pixels: the mask is painted
  // on them, so image and mask always have the same size, and the result compares pixel for pixel.
  const photo = { canvas: null, name: '', png: null, url: null };

  async function usePhoto(blob, name) {
    let bitmap;
    try {
      bitmap = await createImageBitmap(blob);
    } catch (e) {
      throw new Error(`${name || 'That file'} is not an image this browser can read.`);
    }
    const canvas = document.createElement('canvas');
    canvas.width = bitmap.width;
    canvas.height = bitmap.height;
    canvas.getContext('2d').drawImage(bitmap, 0, 0);
    bitmap.close();
    if (photo.url) {
      URL.revokeObjectURL(photo.url);
    }
    photo.canvas = canvas;
    photo.name = name || 'image';
    photo.png = await new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
    photo.url = URL.createObjectURL(photo.png);
    photoChanged();
  }

  function photoChanged() {
    const text = `${photo.name} · ${photo.canvas.width}×${photo.canvas.height}`;
    $$('[data-photo-name]').forEach((span) => {
      span.textContent = text;
    });
    $$('[data-empty]').forEach((p) => {
      p.hidden = true;
    });
    for (const id of ['#style-preview', '#upscale-preview']) {
      const img = $(id);
      img.src = photo.url;
      img.hidden = false;
    }
    $$('.result').forEach((box) => {
      box.hidden = true;
    });
    resetMask();
    refreshButtons();
  }

  function pickerFailed(error) {
    showError(activePanel(), error);
  }

  for (const drop of $$('[data-picker]')) {
    const input = $('input[type=file]', drop);
    input.addEventListener('change', () => {
      if (input.files.length) {
        clearError(activePanel());
        usePhoto(input.files[0], input.files[0].name).catch(pickerFailed);
      }
      input.value = ''; // choosing the same file again still loads it
    });
    drop.addEventListener('dragover', (e) => {
      e.preventDefault();
      drop.classList.add('over');
    });
    drop.addEventListener('dragleave', () => drop.classList.remove('over'));
    drop.addEventListener('drop', (e) => {
      e.preventDefault();
      e.stopPropagation(); // the panel around it takes drops too
      drop.classList.remove('over');
      const file = [...e.dataTransfer.files].find((f) => f.type.startsWith('image/')) || e.dataTransfer.files[0];
      if (file) {
        clearError(activePanel());
        usePhoto(file, file.name).catch(pickerFailed);
      }
    });
  }
  // A whole panel accepts a dropped photo, not only the small drop zone.
  for (const panel of ['#panel-inpaint', '#panel-style', '#panel-upscale'].map((id) => $(id))) {
    panel.addEventListener('dragover', (e) => e.preventDefault());
    panel.addEventListener('drop', (e) => {
      e.preventDefault();
      const file = e.dataTransfer.files[0];
      if (file) {
        usePhoto(file, file.name).catch(pickerFailed);
      }
    });
  }
  document.addEventListener('paste', (e) => {
    const panel = activePanel();
    if (panel.id === 'panel-generate') {
      return;
    }
    const file = [...e.clipboardData.files].find((f) => f.type.startsWith('image/'));
    if (file) {
      usePhoto(file, file.name || 'pasted image').catch(pickerFailed);
    }
  });

  // ---------------------------------------------------------------- inpaint: the mask

  // The mask canvas has the photo's own size; painted pixels (alpha >= 128) are the hole. It is
  // shown scaled over the photo, so pointer positions are mapped from CSS pixels to photo pixels.
  const inpaintPanel = $('#panel-inpaint');
  const painter = $('#inpaint-painter');
  const stage = $('#inpaint-stage');
  const maskCanvas = $('#inpaint-mask');
  const mask = maskCanvas.getContext('2d', { willReadFrequently: true });
  const brush = $('#inpaint-brush');
  const cursor = $('#inpaint-cursor');
  const HOLE = 'rgb(255, 45, 85)';
  const UNDO_BYTES = 256 * 1024 * 1024;
  let undo = [];
  let holes = 0;
  let stroke = null;
  let keyboardAt = null;

  function resetMask() {
    const { width, height } = photo.canvas;
    const view = $('#inpaint-photo');
    view.width = width;
    view.height = height;
    view.getContext('2d').drawImage(photo.canvas, 0, 0);
    maskCanvas.width = width;
    maskCanvas.height = height;
    undo = [];
    keyboardAt = null;
    painter.hidden = false;
    layoutStage();
    maskChanged();
  }

  /** The stage keeps the photo's aspect ratio and fits the window's height. */
  function layoutStage() {
    if (photo.canvas) {
      stage.style.setProperty('--aspect', String(photo.canvas.width / photo.canvas.height));
    }
  }

  /** Photo pixels per CSS pixel of the stage as shown now. */
  function scale() {
    return maskCanvas.width / maskCanvas.getBoundingClientRect().width;
  }

  function brushWidth() {
    return Number(brush.value) * scale();
  }

  function at(e) {
    const rect = maskCanvas.getBoundingClientRect();
    return { x: (e.clientX - rect.left) * scale(), y: (e.clientY - rect.top) * scale() };
  }

  function remember() {
    undo.push(mask.getImageData(0, 0, maskCanvas.width, maskCanvas.height));
    const keep = Math.max(3, Math.floor(UNDO_BYTES / (maskCanvas.width * maskCanvas.height * 4)));
    if (undo.length > keep) {
      undo.shift();
    }
  }

  function paint(from, to) {
    mask.strokeStyle = HOLE;
    mask.fillStyle = HOLE;
    mask.lineWidth = brushWidth();
    mask.lineCap = 'round';
    mask.lineJoin = 'round';
    if (from.x === to.x && from.y === to.y) {
      mask.beginPath();
      mask.arc(to.x, to.y, mask.lineWidth / 2, 0, 2 * Math.PI);
      mask.fill();
    } else {
      mask.beginPath();
      mask.moveTo(from.x, from.y);
      mask.lineTo(to.x, to.y);
      mask.stroke();
    }
  }

  function showCursor(point) {
    const s = scale();
    const size = Number(brush.value);
    cursor.style.width = `${size}px`;
    cursor.style.height = `${size}px`;
    cursor.style.left = `${point.x / s - size / 2}px`;
    cursor.style.top = `${point.y / s - size / 2}px`;
    cursor.hidden = false;
  }

  maskCanvas.addEventListener('pointerdown', (e) => {
    if (e.button !== 0 || !photo.canvas) {
      return;
    }
    e.preventDefault();
    maskCanvas.setPointerCapture(e.pointerId);
    remember();
    stroke = at(e);
    paint(stroke, stroke);
  });
  maskCanvas.addEventListener('pointermove', (e) => {
    const point = at(e);
    showCursor(point);
    if (stroke) {
      paint(stroke, point);
      stroke = point;
    }
  });
  const endStroke = () => {
    if (stroke) {
      stroke = null;
      maskChanged();
    }
  };
  maskCanvas.addEventListener('pointerup', endStroke);
  maskCanvas.addEventListener('pointercancel', endStroke);
  maskCanvas.addEventListener('pointerleave', () => {
    if (!stroke) {
      cursor.hidden = true;
    }
  });

  // Keyboard painting: a brush position moved with the arrows.
  maskCanvas.addEventListener('focus', () => {
    if (!photo.canvas) {
      return;
    }
    keyboardAt = keyboardAt || { x: maskCanvas.width / 2, y: maskCanvas.height / 2 };
    showCursor(keyboardAt);
  });
  maskCanvas.addEventListener('blur', () => {
    cursor.hidden = true;
  });
  maskCanvas.addEventListener('keydown', (e) => {
    if (!photo.canvas || !keyboardAt) {
      return;
    }
    const step = Math.max(1, brushWidth() / 2);
    const move = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] }[e.key];
    if (move) {
      e.preventDefault();
      const next = {
        x: Math.min(maskCanvas.width, Math.max(0, keyboardAt.x + move[0])),
        y: Math.min(maskCanvas.height, Math.max(0, keyboardAt.y + move[1])),
      };
      if (e.shiftKey) {
        remember();
        paint(keyboardAt, next);
        maskChanged();
      }
      keyboardAt = next;
      showCursor(next);
    } else if (e.key === ' ' || e.key === 'Enter') {
      e.preventDefault();
      remember();
      paint(keyboardAt, keyboardAt);
      maskChanged();
    }
  });

  document.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && e.key === 'z' && activePanel() === inpaintPanel && undo.length) {
      e.preventDefault();
      undoStroke();
    }
  });

  function undoStroke() {
    if (undo.length) {
      mask.putImageData(undo.pop(), 0, 0);
      maskChanged();
    }
  }

  $('#inpaint-undo').addEventListener('click', undoStroke);
  $('#inpaint-clear').addEventListener('click', () => {
    remember();
    mask.clearRect(0, 0, maskCanvas.width, maskCanvas.height);
    maskChanged();
  });
  $('#inpaint-invert').addEventListener('click', () => {
    remember();
    const data = mask.getImageData(0, 0, maskCanvas.width, maskCanvas.height);
    const px = data.data;
    for (let i = 0; i < px.length; i += 4) {
      const hole = px[i + 3] >= 128;
      px[i] = 255;
      px[i + 1] = 45;
      px[i + 2] = 85;
      px[i + 3] = hole ? 0 : 255;
    }
    mask.putImageData(data, 0, 0);
    maskChanged();
  });
  brush.addEventListener('input', () => {
    $('#inpaint-brush-value').textContent = `${brush.value} px`;
    if (keyboardAt && document.activeElement === maskCanvas) {
      showCursor(keyboardAt);
    }
  });

  /** Pixels of the photo that are in the hole. */
  function holePixels() {
    if (!photo.canvas) {
      return 0;
    }
    const px = mask.getImageData(0, 0, maskCanvas.width, maskCanvas.height).data;
    let n = 0;
    for (let i = 3; i < px.length; i += 4) {
      if (px[i] >= 128) {
        n++;
      }
    }
    return n;
  }

  function maskChanged() {
    holes = holePixels();
    const box = $('#inpaint-result-box');
    if (!box.hidden) {
      box.hidden = true; // a mask tool was used: back to painting
      painter.hidden = false;
    }
    const total = photo.canvas ? photo.canvas.width * photo.canvas.height : 0;
    maskCanvas.dataset.holes = String(holes);
    $('#inpaint-mask-info').textContent = holes === 0
      ? 'Paint over what should disappear.'
      : `${((100 * holes) / total).toFixed(1)}% of the photo is masked.`;
    $('#inpaint-undo').disabled = undo.length === 0;
    refreshButtons();
  }

  /** The mask as the service reads it: white hole, black elsewhere, the photo's size. */
  function maskPng() {
    const { width, height } = maskCanvas;
    const source = mask.getImageData(0, 0, width, height).data;
    const out = new ImageData(width, height);
    for (let i = 0; i < source.length; i += 4) {
      const v = source[i + 3] >= 128 ? 255 : 0;
      out.data[i] = v;
      out.data[i + 1] = v;
      out.data[i + 2] = v;
      out.data[i + 3] = 255;
    }
    const canvas = document.createElement('canvas');
    canvas.width = width;
    canvas.height = height;
    canvas.getContext('2d').putImageData(out, 0, 0);
    return new Promise((resolve) => canvas.toBlob(resolve, 'image/png'));
  }

  imageForm(inpaintPanel, 'inpaint', 'inpaint', 'Filling…',
    async () => ({ mask: await maskPng(), model: $('#inpaint-model').value }),
    () => (holes === 0 ? 'Paint the hole on the photo first.' : null));

  // ---------------------------------------------------------------- style transfer and upscale

  const strength = $('#style-strength');
  strength.addEventListener('input', () => {
    $('#style-strength-value').textContent = Number(strength.value).toFixed(2);
  });

  imageForm($('#panel-style'), 'style', 'style-transfer', 'Painting…',
    async () => ({ style: $('#style-model').value, strength: strength.value }));

  imageForm($('#panel-upscale'), 'upscale', 'upscale', 'Upscaling…',
    async () => ({ model: $('#upscale-model').value, outscale: $('#upscale-outscale').value }));

  /**
   * The submit of an image tab: the photo (and a mask) plus the tab's fields as multipart, to an
   * endpoint that answers one image. Empty fields are left out, so the service's defaults apply.
   */
  function imageForm(panel, prefix, path, busyLabel, fields, missing = () => null) {
    $(`#${prefix}-form`).addEventListener('submit', (e) => {
      e.preventDefault();
      if (!e.currentTarget.reportValidity()) {
        return;
      }
      const problem = photo.canvas ? missing() : 'Choose an image first.';
      if (problem) {
        showError(panel, new Error(problem));
        return;
      }
      busy(panel, $(`#${prefix}-submit`), busyLabel, async () => {
        const form = new FormData();
        form.append('image', photo.png, 'image.png');
        for (const [name, value] of Object.entries(await fields())) {
          if (value instanceof Blob) {
            form.append(name, value, `${name}.png`);
          } else if (value !== '') {
            form.append(name, value);
          }
        }
        await imageCall(panel, path, form, prefix);
      });
    });
  }

  /** POSTs a multipart form that answers one image, and shows it beside the photo. */
  async function imageCall(panel, path, form, prefix) {
    const started = performance.now();
    const response = await call(path, { method: 'POST', headers: { Accept: 'image/png' }, body: form });
    const model = response.headers.get('Genserve-Model') || '';
    const blob = await response.blob();
    showResult(panel, prefix, blob, `${model} · ${seconds(started)}`);
  }

  const resultUrls = {};

  function showResult(panel, prefix, blob, meta) {
    if (resultUrls[prefix]) {
      URL.revokeObjectURL(resultUrls[prefix]);
    }
    const url = URL.createObjectURL(blob);
    resultUrls[prefix] = url;
    const box = $(`#${prefix}-result-box`);
    box.replaceChildren();

    const compare = document.createElement('div');
    compare.className = 'compare';
    compare.style.setProperty('--aspect', String(photo.canvas.width / photo.canvas.height));
    const before = document.createElement('img');
    before.className = 'before';
    before.src = photo.url;
    before.alt = 'Before';
    const after = document.createElement('img');
    after.className = 'after';
    after.id = `${prefix}-result`;
    after.alt = 'After';
    after.src = url;
    const slider = document.createElement('input');
    slider.type = 'range';
    slider.min = '0';
    slider.max = '100';
    slider.value = '50';
    slider.setAttribute('aria-label', 'Compare before and after');
    slider.addEventListener('input', () => compare.style.setProperty('--split', `${slider.value}%`));
    const left = document.createElement('span');
    left.className = 'tag left';
    left.textContent = 'Before';
    const right = document.createElement('span');
    right.className = 'tag right';
    right.textContent = 'After';
    compare.append(before, after, slider, left, right);

    const info = document.createElement('p');
    info.className = 'meta';
    const actions = document.createElement('div');
    actions.className = 'actions';
    const download = document.createElement('a');
    download.className = 'button';
    download.href = url;
    download.download = `${photo.name.replace(/\.[^.]*$/, '')}-${prefix}.png`;
    download.textContent = 'Download';
    const again = document.createElement('button');
    again.type = 'button';
    again.className = 'ghost';
    again.textContent = 'Use as input';
    again.title = 'Continue from this result (inpaint it, style it, upscale it)';
    again.addEventListener('click', () => usePhoto(blob, `${prefix} result`).catch(pickerFailed));
    actions.append(download, again);
    box.append(compare, info, actions);
    box.hidden = false;
    after.addEventListener('load', () => {
      info.textContent = `${meta} · ${photo.canvas.width}×${photo.canvas.height} → `
        + `${after.naturalWidth}×${after.naturalHeight}`;
    }, { once: true });
    if (prefix === 'inpaint') {
      painter.hidden = true; // the comparison replaces the painting; painting again brings it back
      const edit = document.createElement('button');
      edit.type = 'button';
      edit.className = 'ghost';
      edit.textContent = 'Edit the mask';
      edit.addEventListener('click', () => {
        box.hidden = true;
        painter.hidden = false;
      });
      actions.append(edit);
    } else {
      $(`#${prefix}-preview`).hidden = true;
    }
  }

  // ---------------------------------------------------------------- buttons follow the state

  function refreshButtons() {
    const has = Boolean(photo.canvas);
    const idle = (panel) => !panel.hasAttribute('aria-busy');
    $('#generate-submit').disabled = !generateModel.value || !idle(generatePanel);
    $('#inpaint-submit').disabled = !has || !$('#inpaint-model').value || holes === 0 || !idle(inpaintPanel);
    $('#inpaint-invert').disabled = !has;
    $('#inpaint-clear').disabled = !has;
    $('#style-submit').disabled = !has || !$('#style-model').value || !idle($('#panel-style'));
    $('#upscale-submit').disabled = !has || !$('#upscale-model').value || !idle($('#panel-upscale'));
  }

  // ---------------------------------------------------------------- start

  const wanted = document.getElementById(`tab-${location.hash.slice(1)}`);
  loadModels().then(() => {
    if (wanted && !wanted.hidden) {
      select(wanted, false);
    }
    document.body.dataset.ready = 'true'; // the models are listed and the pickers filled
  });
})();
