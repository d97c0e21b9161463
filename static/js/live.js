// The tab's one dashboard socket, shared by every module on the page:
//   import { live } from "./live.js";
//   live.on("presence.changed", (frame) => ...);   live.send("room.send", {...});
// Handlers registered for "hello" also run after every reconnect, so modules re-sync there.

import { LiveSocket } from "./socket.js";

const handlers = new Map();

function on(event, handler) {
  if (!handlers.has(event)) handlers.set(event, []);
  handlers.get(event).push(handler);
}

const dispatch = new Proxy({}, {
  get: (_target, event) => (frame) => {
    for (const handler of handlers.get(event) || []) handler(frame);
  },
  has: (_target, event) => handlers.has(event),
});

const socket = new LiveSocket(document.body.dataset.wsPath, dispatch, {
  onStateChange(state) {
    document.body.dataset.socket = state;
  },
});

export const live = {
  on,
  send: (action, payload) => socket.send(action, payload),
};
