// Annotations over shared screens: in annotate mode a participant draws with a pen, highlighter or
// arrow on a canvas laid over a shared video (the sharer's own preview included), and everyone
// who sees that screen sees the stroke at the same spot of the picture. Points are fractions
// (0..1) of the video's picture, not of its element: a <video> letterboxes its picture
// (object-fit: contain), and each viewer's window gives it a different box.
//
// An annotation is a small object, the same over a data channel and the socket (checked by
// meetings/services/annotations.py there): a piece of a stroke
//   {screen, op: "stroke", stroke, tool, color, pin, done, points: [[x, y], ...]}
// or a clear {screen, op: "clear", all}. `screen` is the sharing participant's id. A stroke is
// sent as it is drawn, its new points at most ~30 times a second, and fades a few seconds after
// it is done unless it was drawn with Pin on. Everything ends with the share.

export const TOOLS = ["pen", "highlighter", "arrow"];
export const COLORS = { red: "#e53e3e", blue: "#2b6cb0", green: "#2f855a", yellow: "#d69e2e", black: "#1a202c" };
export const MAX_POINTS = 64; // per frame
const MAX_STROKE_POINTS = 4000; // per stroke, whatever a page sends
const MAX_STROKES = 300; // per screen: a runaway peer's further strokes are dropped
const FRAME_MS = 34; // at most ~30 frames a second
const MIN_STEP_PX = 3; // points closer than this to the last one kept are thinned out
const FADE_AFTER_MS = 4000;
const FADE_FOR_MS = 1000;
const UNFINISHED_MS = 10000; // a stroke whose end never came (its author left) fades after this
const STROKE_ID = /^[A-Za-z0-9_-]{1,16}$/;

const reducedMotion = window.matchMedia("(prefers-reduced-motion: reduce)");
const unit = (v) => typeof v === "number" && Number.isFinite(v) && v >= 0 && v <= 1;
const isId = (v) => Number.isInteger(v);

// The annotation in one of its two shapes with nothing else in it, or null: anything else a peer
// or the socket sends is dropped.
export function annotationClean(a) {
  if (!a || typeof a !== "object" || Array.isArray(a) || !isId(a.screen)) return null;
  if (a.op === "clear") return typeof a.all === "boolean" ? { screen: a.screen, op: "clear", all: a.all } : null;
  if (a.op !== "stroke") return null;
  const { stroke, tool, color, pin, done, points } = a;
  if (typeof stroke !== "string" || !STROKE_ID.test(stroke)) return null;
  if (!TOOLS.includes(tool) || !Object.hasOwn(COLORS, color)) return null;
  if (typeof pin !== "boolean" || typeof done !== "boolean") return null;
  if (!Array.isArray(points) || points.length < 1 || points.length > MAX_POINTS) return null;
  if (!points.every((p) => Array.isArray(p) && p.length === 2 && unit(p[0]) && unit(p[1]))) return null;
  return { screen: a.screen, op: "stroke", stroke, tool, color, pin, done, points: points.map(([x, y]) => [x, y]) };
}

// Where the video's picture lies inside its element, in the element's own pixels: the largest
// rectangle of the picture's proportions that fits, centred (object-fit: contain).
export function pictureRect(video) {
  const width = video.clientWidth;
  const height = video.clientHeight;
  const vw = video.videoWidth;
  const vh = video.videoHeight;
  if (!vw || !vh) return { x: 0, y: 0, width, height };
  const scale = Math.min(width / vw, height / vh);
  return { x: (width - vw * scale) / 2, y: (height - vh * scale) / 2, width: vw * scale, height: vh * scale };
}

const round = (v) => Math.round(Math.min(1, Math.max(0, v)) * 10000) / 10000;
let strokeCount = 0;
const newStrokeId = () => `${Date.now().toString(36).slice(-6)}${(strokeCount++).toString(36)}`;

// One shared screen's canvas: the strokes on it, drawn over the picture.
class ScreenOverlay {
  constructor(annotator, frame, video, screen) {
    this.annotator = annotator;
    this.video = video;
    this.screen = screen;
    this.strokes = new Map(); // `${from}:${stroke}` -> {from, tool, color, pin, done, points, lastAt}
    this.cleared = new Set(); // strokes cleared while still being drawn: their last pieces are dropped
    this.canvas = document.createElement("canvas");
    this.canvas.className = "annotation-layer";
    this.canvas.setAttribute("aria-hidden", "true");
    this.canvas.dataset.screen = screen;
    this.canvas.dataset.strokes = "[]";
    frame.append(this.canvas);
    this.resize = new ResizeObserver(() => this.draw());
    this.resize.observe(video);
    video.addEventListener("resize", () => this.draw()); // the picture's own size changed
    this.canvas.addEventListener("pointerdown", (event) => annotator.strokeStart(this, event));
    this.canvas.addEventListener("pointermove", (event) => annotator.strokeMove(this, event));
    this.canvas.addEventListener("pointerup", (event) => annotator.strokeEnd(this, event));
    this.canvas.addEventListener("pointercancel", (event) => annotator.strokeEnd(this, event));
  }

  // A point of the picture (0..1) from a pointer event, or null outside the picture.
  pointAt(event, { clamp = false } = {}) {
    const box = this.video.getBoundingClientRect();
    const picture = pictureRect(this.video);
    let x = (event.clientX - box.left - picture.x) / picture.width;
    let y = (event.clientY - box.top - picture.y) / picture.height;
    if (!Number.isFinite(x) || !Number.isFinite(y)) return null;
    if (!clamp && (x < 0 || x > 1 || y < 0 || y > 1)) return null;
    x = round(x);
    y = round(y);
    return [x, y];
  }

  apply(from, a) {
    const now = performance.now();
    if (a.op === "clear") {
      for (const [key, stroke] of this.strokes) {
        if (!a.all && stroke.from !== from) continue;
        if (!stroke.done) this.cleared.add(key);
        this.forget(key);
      }
    } else {
      const key = `${from}:${a.stroke}`;
      let stroke = this.strokes.get(key);
      if (this.cleared.has(key)) {
        if (a.done) this.cleared.delete(key);
        return;
      }
      if (!stroke) {
        if (this.strokes.size >= MAX_STROKES) return;
        stroke = { from, tool: a.tool, color: a.color, pin: a.pin, done: false, points: [], lastAt: now };
        this.strokes.set(key, stroke);
      }
      if (stroke.done) return;
      stroke.points.push(...a.points.slice(0, MAX_STROKE_POINTS - stroke.points.length));
      stroke.done = a.done;
      stroke.lastAt = now;
      // Its end is a timer of its own, not the fading animation, which a hidden page may not run.
      clearTimeout(stroke.timer);
      if (!stroke.pin) stroke.timer = setTimeout(() => this.forget(key, true), fadeAt(stroke) + FADE_FOR_MS - now);
    }
    this.changed();
  }

  forget(key, redraw = false) {
    clearTimeout(this.strokes.get(key)?.timer);
    this.strokes.delete(key);
    if (redraw) this.changed();
  }

  changed() {
    this.canvas.dataset.strokes = JSON.stringify(
      [...this.strokes.values()].map(({ from, tool, color, pin, done, points }) => ({ from, tool, color, pin, done, points })),
    );
    this.draw();
    this.annotator.fadeSoon();
  }

  // Redraw while a stroke is fading; true while some stroke is still to fade.
  animate(now) {
    const strokes = [...this.strokes.values()].filter((stroke) => !stroke.pin);
    if (strokes.some((stroke) => now >= fadeAt(stroke))) this.draw(now);
    return strokes.length > 0;
  }

  draw(now = performance.now()) {
    const { canvas, video } = this;
    const ratio = window.devicePixelRatio || 1;
    const width = Math.round(video.clientWidth * ratio);
    const height = Math.round(video.clientHeight * ratio);
    if (canvas.width !== width || canvas.height !== height) {
      canvas.width = width;
      canvas.height = height;
    }
    // Exactly over the video's box, whatever else its frame holds or however it is stretched.
    Object.assign(canvas.style, {
      left: `${video.offsetLeft}px`, top: `${video.offsetTop}px`,
      width: `${video.clientWidth}px`, height: `${video.clientHeight}px`,
    });
    const context = canvas.getContext("2d");
    context.clearRect(0, 0, width, height);
    const picture = pictureRect(video);
    const at = ([x, y]) => [(picture.x + x * picture.width) * ratio, (picture.y + y * picture.height) * ratio];
    for (const stroke of this.strokes.values()) {
      const fade = stroke.pin || reducedMotion.matches ? 1 : Math.min(1, 1 - (now - fadeAt(stroke)) / FADE_FOR_MS);
      context.globalAlpha = Math.max(0, fade) * (stroke.tool === "highlighter" ? 0.35 : 1);
      context.strokeStyle = context.fillStyle = COLORS[stroke.color];
      context.lineWidth = (stroke.tool === "highlighter" ? 16 : 3) * ratio;
      context.lineCap = context.lineJoin = "round";
      const points = stroke.tool === "arrow" ? [stroke.points[0], stroke.points.at(-1)] : stroke.points;
      const path = points.map(at);
      context.beginPath();
      context.moveTo(...path[0]);
      for (const point of path.slice(1)) context.lineTo(...point);
      if (path.length === 1) context.lineTo(path[0][0] + 0.1, path[0][1]); // a dot
      context.stroke();
      if (stroke.tool === "arrow" && path.length === 2) arrowHead(context, path[0], path[1], 12 * ratio);
    }
    context.globalAlpha = 1;
  }

  remove() {
    for (const key of [...this.strokes.keys()]) this.forget(key);
    this.resize.disconnect();
    this.canvas.remove();
  }
}

// When an unpinned stroke starts to fade: a few seconds after it is done.
const fadeAt = (stroke) => stroke.lastAt + (stroke.done ? FADE_AFTER_MS : UNFINISHED_MS);

function arrowHead(context, [x0, y0], [x1, y1], size) {
  const angle = Math.atan2(y1 - y0, x1 - x0);
  context.beginPath();
  context.moveTo(x1, y1);
  context.lineTo(x1 - size * Math.cos(angle - Math.PI / 6), y1 - size * Math.sin(angle - Math.PI / 6));
  context.lineTo(x1 - size * Math.cos(angle + Math.PI / 6), y1 - size * Math.sin(angle + Math.PI / 6));
  context.closePath();
  context.fill();
}

// The annotate controls of one meeting view and the overlays of its screens. `send(annotation)`
// passes one of mine to the others; `me()` is my participant (null before joining);
// `mayClearAll(screen, from)` says whether `from` may clear every stroke on `screen`.
export function annotator({ root, send, me, mayClearAll }) {
  const part = (name) => root.querySelector(`.annotate-${name}`);
  const overlays = new Map(); // screen (participant id) -> ScreenOverlay
  const toggle = part("toggle");
  const tools = part("tools");
  let active = false;
  let tool = "pen";
  let pin = false;
  let drawing = null; // {overlay, id, pointer, pending: [], last: [x, y] in px, timer}
  let fading = false;

  function setActive(on) {
    active = on && overlays.size > 0;
    root.dataset.annotating = String(active);
    toggle.setAttribute("aria-pressed", String(active));
    tools.hidden = !active;
    if (!active && drawing) finishStroke();
    // Where the view scrolls (the widget's narrow frame), the screen to draw on comes into view.
    if (active) overlays.values().next().value.video.scrollIntoView({ block: "nearest" });
  }

  function refresh() {
    toggle.hidden = overlays.size === 0;
    part("clear-all").hidden = ![...overlays.keys()].some((screen) => me() && mayClearAll(screen, me().id));
    if (!overlays.size) setActive(false);
  }

  function mine(a) {
    overlays.get(a.screen)?.apply(me().id, a);
    send(a);
  }

  function flush(done = false) {
    if (!drawing) return;
    clearTimeout(drawing.timer);
    drawing.timer = null;
    while (drawing.pending.length || done) {
      const points = drawing.pending.splice(0, MAX_POINTS);
      const last = !drawing.pending.length && done;
      if (!points.length) points.push(drawing.lastPoint);
      mine({ screen: drawing.overlay.screen, op: "stroke", stroke: drawing.id, tool, color: part("color").value,
        pin, done: last, points });
      drawing.lastPoint = points.at(-1);
      if (last) break;
    }
    drawing.sentAt = performance.now();
  }

  function finishStroke() {
    flush(true);
    drawing = null;
  }

  const annotations = {
    attach(frame, video, screen) {
      overlays.get(screen)?.remove();
      overlays.set(screen, new ScreenOverlay(annotations, frame, video, screen));
      refresh();
    },
    detach(screen) {
      if (drawing?.overlay.screen === screen) drawing = null;
      overlays.get(screen)?.remove();
      overlays.delete(screen);
      refresh();
    },
    receive(from, raw) {
      const a = annotationClean(raw);
      if (!a || !isId(from) || (a.op === "clear" && a.all && !mayClearAll(a.screen, from))) {
        root.dataset.annotationsIgnored = Number(root.dataset.annotationsIgnored || 0) + 1;
        return;
      }
      overlays.get(a.screen)?.apply(from, a);
    },
    refresh,
    strokeStart(overlay, event) {
      if (!active || !me() || event.button !== 0 || drawing) return;
      const point = overlay.pointAt(event);
      if (!point) return;
      event.preventDefault();
      overlay.canvas.setPointerCapture(event.pointerId);
      drawing = { overlay, id: newStrokeId(), pointer: event.pointerId, pending: [point], lastPoint: point,
        px: [event.clientX, event.clientY], sentAt: 0, timer: null };
      flush();
    },
    strokeMove(overlay, event) {
      if (!drawing || drawing.overlay !== overlay || event.pointerId !== drawing.pointer) return;
      const [px, py] = drawing.px;
      if (Math.hypot(event.clientX - px, event.clientY - py) < MIN_STEP_PX) return;
      const point = overlay.pointAt(event, { clamp: true });
      if (!point) return;
      drawing.px = [event.clientX, event.clientY];
      drawing.pending.push(point);
      const wait = FRAME_MS - (performance.now() - drawing.sentAt);
      if (wait <= 0) flush();
      else drawing.timer ??= setTimeout(() => flush(), wait);
    },
    strokeEnd(overlay, event) {
      if (!drawing || drawing.overlay !== overlay || event.pointerId !== drawing.pointer) return;
      const point = overlay.pointAt(event, { clamp: true });
      const [x, y] = drawing.lastPoint;
      if (point && (drawing.pending.length || point[0] !== x || point[1] !== y)) drawing.pending.push(point);
      finishStroke();
    },
    // Start the animation that fades unpinned strokes out, if it is not running. With reduced
    // motion nothing animates: each stroke's timer removes it at once.
    fadeSoon() {
      if (fading || reducedMotion.matches) return;
      fading = true;
      const tick = () => {
        fading = [...overlays.values()].map((overlay) => overlay.animate(performance.now())).some(Boolean);
        if (fading) requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    },
    end() {
      for (const screen of [...overlays.keys()]) annotations.detach(screen);
    },
  };

  toggle.addEventListener("click", () => setActive(!active));
  for (const button of tools.querySelectorAll("[data-tool]")) {
    button.addEventListener("click", () => {
      tool = button.dataset.tool;
      for (const other of tools.querySelectorAll("[data-tool]")) {
        other.setAttribute("aria-pressed", String(other === button));
      }
    });
  }
  part("pin").addEventListener("click", () => {
    pin = !pin;
    part("pin").setAttribute("aria-pressed", String(pin));
  });
  part("clear").addEventListener("click", () => {
    for (const screen of overlays.keys()) mine({ screen, op: "clear", all: false });
  });
  part("clear-all").addEventListener("click", () => {
    for (const screen of overlays.keys()) if (mayClearAll(screen, me().id)) mine({ screen, op: "clear", all: true });
  });
  // Alt+Shift+A toggles annotate mode in the view holding focus (or the page's only one); Escape
  // leaves it, before anything else on the page hears that Escape.
  document.addEventListener("keydown", (event) => {
    if (!root.isConnected) return;
    const views = document.querySelectorAll(".meeting");
    const mineToHandle = root.contains(document.activeElement) || (views.length === 1 && views[0] === root);
    const shortcut = event.altKey && event.shiftKey && !event.ctrlKey && !event.metaKey && event.code === "KeyA";
    if (shortcut && mineToHandle && overlays.size) {
      event.preventDefault();
      setActive(!active);
      toggle.focus();
    } else if (event.key === "Escape" && active && mineToHandle) {
      event.preventDefault();
      event.stopPropagation();
      setActive(false);
      toggle.focus();
    }
  }, true);
  refresh();
  return annotations;
}
