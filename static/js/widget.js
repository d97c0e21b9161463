// The chat page inside a library's iframe: follows the widget's status over its socket, shows the
// pre-chat form or the offline message, the away message when everyone is Away and, outside the
// opening hours, when chat opens again; widget-state.js draws the header and tells the embedding
// page (embed.js).

import { format, gettext, pageLanguage } from "./i18n.js";
import { LiveSocket } from "./socket.js";
import { widgetHoldOffline, widgetOnlineShow } from "./widget-state.js";

const body = document.body;
const $ = (id) => document.getElementById(id);
const DAY_MS = 24 * 3600 * 1000;
let shown = null;

// "Chat opens again Monday at 9:00 AM": in the page's language, on the library's clock (the
// widget's time zone, not the patron's), with the date too when it is a week or more away.
function opensAgainText(opensAt) {
  const when = new Date(opensAt);
  const zone = body.dataset.timeZone || undefined;
  // The library's calendar day of an instant, as YYYY-MM-DD (the en-CA form), to compare days.
  const dayOf = (date) => new Intl.DateTimeFormat("en-CA", { timeZone: zone }).format(date);
  const time = new Intl.DateTimeFormat(pageLanguage, { timeZone: zone, hour: "numeric", minute: "2-digit" }).format(when);
  if (dayOf(when) === dayOf(new Date())) return format(gettext("Chat opens again today at %(time)s"), { time });
  // A weekday alone names a day of the coming week; further away, the date goes with it.
  const far = when - Date.now() > 6 * DAY_MS;
  const day = new Intl.DateTimeFormat(pageLanguage, {
    timeZone: zone,
    weekday: "long",
    ...(far ? { month: "long", day: "numeric" } : {}),
  }).format(when);
  return format(gettext("Chat opens again %(day)s at %(time)s"), { day, time });
}

function opensAgainShow(opensAt) {
  const line = $("opens-again");
  line.textContent = opensAt ? opensAgainText(opensAt) : "";
  line.hidden = !opensAt || body.dataset.held === "true";
}

function show({ online, away = false, opens_at: opensAt = "" }) {
  const key = `${online}|${away}|${opensAt}`;
  if (key === shown) return; // the socket's first frame after a reconnect repeats the status
  shown = key;
  opensAgainShow(opensAt);
  // The form or the offline side, the away message, the header, and the embedding page.
  widgetOnlineShow(online, { away });
}

// Starting the chat itself comes with patron chats; until then the form must not navigate away.
document.querySelector("form.prechat")?.addEventListener("submit", (event) => event.preventDefault());

opensAgainShow(body.dataset.opensAt); // the page as served already says it, before the socket

// A page drawn offline for this patron alone has no status socket to follow (no wsPath): it
// stays offline, and says so to the library's page, whose status API speaks for everyone.
if (body.dataset.wsPath) {
  new LiveSocket(body.dataset.wsPath, { "widget.status": (frame) => show({ ...frame, online: Boolean(frame.online) }) }, {
    onStateChange(state) {
      body.dataset.socket = state;
    },
  });
} else {
  widgetHoldOffline();
}
