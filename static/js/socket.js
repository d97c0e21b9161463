// One live socket per tab: reconnects with backoff, answers the server's pings, and hands every
// {"event": ...} frame to the handler of that name.

const NO_RECONNECT = new Set([4401, 4403, 4409]);

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
    this.ws = new WebSocket(this.url());
    this.ws.addEventListener("open", () => {
      this.attempt = 0;
      this.onStateChange("open");
    });
    this.ws.addEventListener("message", (message) => this.dispatch(message.data));
    this.ws.addEventListener("close", (closed) => {
      this.onStateChange("closed", closed.code);
      if (this.stopped || NO_RECONNECT.has(closed.code)) return;
      const delay = Math.min(30000, 1000 * 2 ** this.attempt) * (0.5 + Math.random() / 2);
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
