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

// `away`: everyone who could answer is Away (the widget may still take chats into the queue).
export function widgetOnlineShow(value, { away: isAway = false } = {}) {
  online = value;
  away = isAway;
  draw();
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
