// One live socket per tab: reconnects with backoff, answers the server's pings, and hands every
// {"event": ...} frame to the handler of that name.
//
// Backoff: the n-th retry in a row waits a random 50–100 % of min(30 s, 1 s × 2^n) (jittered, so
// the pages of a whole library do not come back in step). It starts again from 1 s only once a
// socket has proved usable: a first frame from the server, and still open 5 s later. A server
// that accepts and drops a socket at once (a Redis outage) keeps being asked less and less often.

const NO_RECONNECT = new Set([4401, 4403, 4409]);
const MAX_DELAY_MS = 30000;
const USABLE_AFTER_MS = 5000;

function retryDelay(attempt) {
  return Math.min(MAX_DELAY_MS, 1000 * 2 ** attempt) * (0.5 + Math.random() / 2);
}

export class LiveSocket {
  constructor(path, handlers, { onStateChange = () => {} } = {}) {
    this.path = path;
    this.handlers = handlers;
    this.onStateChange = onStateChange;
    this.attempt = 0;
    this.stopped = false;
    this.connect();
  }

  url() {
    const scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return `${scheme}//${location.host}${this.path}`;
  }

  connect() {
    const ws = new WebSocket(this.url());
    this.ws = ws;
    let usable = null;
    ws.addEventListener("open", () => this.onStateChange("open"));
    ws.addEventListener("message", (message) => {
      usable ??= setTimeout(() => {
        this.attempt = 0;
      }, USABLE_AFTER_MS);
      this.dispatch(message.data);
    });
    ws.addEventListener("close", (closed) => {
      clearTimeout(usable);
      this.onStateChange("closed", closed.code);
      if (this.stopped || NO_RECONNECT.has(closed.code)) return;
      const delay = retryDelay(this.attempt);
      this.attempt += 1;
      setTimeout(() => this.connect(), delay);
    });
  }

  dispatch(data) {
    let frame;
    try {
      frame = JSON.parse(data);
    } catch {
      return;
    }
    if (frame.event === "ping") {
      this.send("pong");
      if ("ping" in this.handlers) this.handlers.ping(frame); // after the answer, whatever they do
      return;
    }
    if (typeof frame.event === "string" && frame.event in this.handlers) {
      this.handlers[frame.event](frame);
    }
  }

  send(action, payload = {}) {
    if (this.ws.readyState !== WebSocket.OPEN) return false;
    this.ws.send(JSON.stringify({ action, ...payload }));
    return true;
  }

  stop() {
    this.stopped = true;
    this.ws.close();
  }
}
