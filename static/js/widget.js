// The chat page inside a library's iframe: follows the widget's status over its socket, shows the
// pre-chat form or the offline message; widget-state.js draws the header and tells the embedding
// page (embed.js).

import { LiveSocket } from "./socket.js";
import { widgetOnlineShow } from "./widget-state.js";

const body = document.body;
let shown = null;

function show(online) {
  if (online === shown) return; // the socket's first frame after a reconnect repeats the status
  shown = online;
  document.getElementById("when-online").hidden = !online;
  document.getElementById("when-offline").hidden = online;
  widgetOnlineShow(online); // the header, and the embedding page (embed.js)
}

// Starting the chat itself comes with patron chats; until then the form must not navigate away.
document.querySelector("form.prechat")?.addEventListener("submit", (event) => event.preventDefault());

new LiveSocket(body.dataset.wsPath, { "widget.status": (frame) => show(Boolean(frame.online)) }, {
  onStateChange(state) {
    body.dataset.socket = state;
  },
});
