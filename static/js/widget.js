// The chat page inside a library's iframe: follows the widget's status over its socket, shows the
// pre-chat form or the offline message, and tells the embedding page (embed.js) the new status.

import { LiveSocket } from "./socket.js";

const body = document.body;
const widgetId = Number(body.dataset.widgetId);
const origins = JSON.parse(document.getElementById("widget-origins").textContent);

// The allowed origin of the page that embeds this one, or null: Chromium and Safari name the
// parent's origin in ancestorOrigins, Firefox gives it only as the referrer. Posting to any other
// origin fails with a console error, so the page tells only its embedder, and nobody if it is not
// allowed.
function embedderOrigin() {
  if (window.parent === window) return null;
  let origin = location.ancestorOrigins?.[0];
  if (origin === undefined) {
    try {
      origin = new URL(document.referrer).origin;
    } catch {
      return null; // no referrer (a strict referrer policy): nobody to tell
    }
  }
  return origins.includes(origin) ? origin : null;
}

const embedder = embedderOrigin();
let shown = null;

function show(online) {
  if (online === shown) return; // the socket's first frame after a reconnect repeats the status
  shown = online;
  body.dataset.online = String(online);
  document.getElementById("when-online").hidden = !online;
  document.getElementById("when-offline").hidden = online;
  document.getElementById("widget-dot").className = `dot status-${online ? "online" : "offline"}`;
  document.getElementById("widget-status-text").textContent = online ? "Online" : "Offline";
  if (embedder) window.parent.postMessage({ libchat: "widget_status", widget: widgetId, online }, embedder);
}

// Starting the chat itself comes with patron chats; until then the form must not navigate away.
document.querySelector("form.prechat")?.addEventListener("submit", (event) => event.preventDefault());

new LiveSocket(body.dataset.wsPath, { widget_status: (frame) => show(Boolean(frame.online)) }, {
  onStateChange(state) {
    body.dataset.socket = state;
  },
});
