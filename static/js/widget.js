// The chat page inside a library's iframe: follows the widget's status over its socket, shows the
// pre-chat form or the offline message, and tells the embedding page (embed.js) the new status.

import { LiveSocket } from "./socket.js";

const body = document.body;
const widgetId = Number(body.dataset.widgetId);
const origins = JSON.parse(document.getElementById("widget-origins").textContent);

function show(online) {
  body.dataset.online = String(online);
  document.getElementById("when-online").hidden = !online;
  document.getElementById("when-offline").hidden = online;
  document.getElementById("widget-dot").className = `dot status-${online ? "online" : "offline"}`;
  document.getElementById("widget-status-text").textContent = online ? "Online" : "Offline";
  if (window.parent === window) return;
  // Only the widget's allowed origins may hear it; a message to another origin is dropped.
  for (const origin of origins) {
    window.parent.postMessage({ libchat: "widget_status", widget: widgetId, online }, origin);
  }
}

// Starting the chat itself comes with patron chats; until then the form must not navigate away.
document.querySelector("form.prechat")?.addEventListener("submit", (event) => event.preventDefault());

new LiveSocket(body.dataset.wsPath, { widget_status: (frame) => show(Boolean(frame.online)) }, {
  onStateChange(state) {
    body.dataset.socket = state;
  },
});
