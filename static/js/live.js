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

// A page that posted a form (Sign In, a status, Sign out) is on its way out: what the post
// changed is the next page's to show. It stops acting on frames, so it never shows that change
// itself a moment before it goes, when a click on it would be lost with it.
let leaving = false;
window.addEventListener("submit", (event) => {
  if (event.defaultPrevented || event.target.target) return; // handled here, or another window
  leaving = true;
  document.body.dataset.socket = "leaving";
});
window.addEventListener("pageshow", (event) => {
  if (event.persisted) leaving = false; // back from the back-forward cache: live again
});

const dispatch = new Proxy({}, {
  get: (_target, event) => (frame) => {
    if (leaving) return;
    for (const handler of handlers.get(event) || []) handler(frame);
  },
  has: (_target, event) => handlers.has(event),
});

const socket = new LiveSocket(document.body.dataset.wsPath, dispatch, {
  onStateChange(state) {
    if (!leaving) document.body.dataset.socket = state;
  },
});

export const live = {
  on,
  send: (action, payload) => socket.send(action, payload),
};
