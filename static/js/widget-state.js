// What the widget's frame says follows two things: whether the widget is online (widget.js hears
// it on the widget's status socket) and the state of the patron's chat, if one is open (patron.js
// hears it on the chat's socket). During a chat the header shows the chat's state, not the
// widget's, so a patron talking to a librarian never reads "Offline". A patron still waiting when
// the widget goes offline (the last Online librarian went Away or signed out) is told so in words
// and offered the widget's offline form or message, and keeps their place in line: when a
// librarian comes back Online the chat is still there to claim, and the offer goes away.

import { tellEmbedder } from "./embedder.js";
import { gettext } from "./i18n.js";

const body = document.body;
const $ = (id) => document.getElementById(id);
const NO_LIBRARIAN = gettext("No librarian is available right now.");

// [dot, words] of the header for each state shown.
const HEADERS = {
  online: ["online", gettext("Online")],
  away: ["away", gettext("Away")],
  offline: ["offline", gettext("Offline")],
  waiting: ["away", gettext("Waiting for a librarian")],
  stranded: ["offline", gettext("No librarian available")],
  active: ["online", gettext("Chatting with a librarian")],
};

let online = body.dataset.online === "true";
let away = body.dataset.away === "true";
let chat = null; // "waiting", "active", "ended", or null before a chat starts
let toldOnline = null;
let held = false; // the server said this patron may not chat: offline whatever the widget says

// `away`: everyone who could answer is Away (the widget may still take chats into the queue).
export function widgetOnlineShow(value, { away: isAway = false } = {}) {
  online = value && !held;
  away = isAway && !held;
  draw();
}

// The server refused this patron a chat or a ticket (403), or ended their chat saying the widget
// is offline for them: from now on this page shows the offline side, whatever the widget's
// status socket, which speaks for every patron of the widget, says.
export function widgetHoldOffline() {
  held = true;
  body.dataset.held = "true"; // widget.js then shows no "Chat opens again …" either
  widgetOnlineShow(false);
}

export function chatStateShow(state) {
  chat = state;
  draw();
}

function shown() {
  if (chat === "active") return "active";
  if (chat === "waiting") return online ? "waiting" : "stranded";
  if (away) return "away";
  return online ? "online" : "offline";
}

function draw() {
  const state = shown();
  const [dot, words] = HEADERS[state];
  body.dataset.online = String(online);
  body.dataset.away = String(away);
  if (chat) body.dataset.chatState = chat;
  else delete body.dataset.chatState;
  $("when-online").hidden = !online;
  $("when-offline").hidden = online;
  const awayMessage = $("away-message");
  if (awayMessage) awayMessage.hidden = !away;
  if (held && $("opens-again")) $("opens-again").hidden = true;
  $("widget-dot").className = `dot status-${dot}`;
  $("widget-status-text").textContent = words;
  // A live region, filled only when it changes, so the sentence is read out once.
  const stranded = state === "stranded";
  const line = $("patron-no-librarian");
  if (line && (line.textContent === NO_LIBRARIAN) !== stranded) {
    line.textContent = stranded ? NO_LIBRARIAN : "";
  }
  if (stranded) body.dataset.stranded = "true";
  else delete body.dataset.stranded;
  // The library's page shows the widget's button the same way: online while a librarian is in
  // the patron's chat.
  const tell = online || chat === "active";
  if (tell !== toldOnline) {
    toldOnline = tell;
    tellEmbedder("widget_status", { online: tell });
  }
}
