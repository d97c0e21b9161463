// The chat page inside a library's iframe: follows the widget's status over its socket;
// widget-state.js shows the pre-chat form or the offline message, draws the header and tells the
// embedding page (embed.js).

import { LiveSocket } from "./socket.js";
import { widgetHoldOffline, widgetOnlineShow } from "./widget-state.js";

const body = document.body;

// Starting the chat itself comes with patron chats; until then the form must not navigate away.
document.querySelector("form.prechat")?.addEventListener("submit", (event) => event.preventDefault());

// A page drawn offline for this patron alone has no status socket to follow (no wsPath): it
// stays offline, and says so to the library's page, whose status API speaks for everyone.
if (body.dataset.wsPath) {
  new LiveSocket(body.dataset.wsPath, { "widget.status": (frame) => widgetOnlineShow(Boolean(frame.online)) }, {
    onStateChange(state) {
      body.dataset.socket = state;
    },
  });
} else {
  widgetHoldOffline();
}
