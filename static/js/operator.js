// The console of the Chats tab, over the tab's one dashboard socket. The rail lists Waiting (in
// the order of the patrons' own "number N in line", with a live waiting time and Claim Chat),
// My Chats (unread count, "typing…", a patron who left, the time of the last message) and the
// Internal rooms; the middle shows the selected chat, its patron panel on the right, or the
// Internal Chat section. "hello" (every reconnect) re-syncs everything from the server.
// Focus moves only on what the operator does (a click, a key, their own claim): never on a
// message, a transfer or a new chat arriving.

import { createEditor, unansweredSends } from "./editor.js";
import { live } from "./live.js";
import { messageLineAdd } from "./message-line.js";
import { notificationsAsk, notify } from "./notify.js";
import { titleCountSet } from "./title.js";

const $ = (id) => document.getElementById(id);
const myId = Number(document.body.dataset.operatorId);
const consoleRoot = $("console");
const waiting = new Map(); // chat id -> summary
const panes = new Map(); // chat id -> article
const rows = new Map(); // chat id -> its row in My Chats
const unread = new Map(); // chat id -> patron messages not seen yet
const leaving = new Map(); // chat id -> timer that takes an ended chat off the rail
const claiming = new Set(); // chats this page asked to claim: only these take the focus
const typingTimers = new Map();
const sends = unansweredSends(); // replies the server has not stored or refused yet
// An ended or transferred chat stays this long, with "Keep open" and "Close now", then leaves
// My Chats by itself (the record stays in Transcripts).
const LEAVE_AFTER_SECONDS = 10;
let selected = null; // the chat shown in the middle

function announce(text) {
  $("announcer").textContent = text;
}

const patronOf = (chat) => chat.name || chat.preview || "Patron";
const clock = (iso) =>
  new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });

// ---- Waiting ---------------------------------------------------------------------------------

function waitedText(since) {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
  return `waiting ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

// The server's order of a line (chats.selectors.queue_positions): queued first, then by id. A
// requeued chat goes back to the front with an earlier queue time, so it is listed first here
// as its patron reads "You are number 1 in line".
function waitingInOrder() {
  return [...waiting.values()].sort(
    (a, b) => Date.parse(a.queued_at) - Date.parse(b.queued_at) || a.id - b.id,
  );
}

function claim(chatId) {
  notificationsAsk(); // a click of ours, so the browser's prompt never interrupts another
  $("claim-notice").textContent = "";
  claiming.add(chatId);
  live.send("patron.claim", { chat_id: chatId });
}

function renderWaiting() {
  const list = $("waiting-list");
  list.replaceChildren();
  for (const chat of waitingInOrder()) {
    const item = document.createElement("li");
    item.dataset.chatId = chat.id;
    const who = document.createElement("strong");
    who.textContent = chat.name || "Patron";
    const preview = document.createElement("span");
    preview.className = "preview";
    preview.textContent = chat.preview ? `“${chat.preview}”` : `(${chat.widget})`;
    const waited = document.createElement("span");
    waited.className = "waited";
    // The patron's time since they asked, not queued_at: a transfer or requeue moves the chat
    // in its line (queued_at keeps the order fair), but the patron has not started over.
    waited.dataset.since = chat.created_at;
    waited.textContent = waitedText(chat.created_at);
    waited.title = "Since the patron started the chat";
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = "Claim Chat";
    button.setAttribute("aria-label", `Claim Chat with ${who.textContent}`);
    button.addEventListener("click", () => claim(chat.id));
    item.append(who, " ", waited, " ", button, preview);
    list.append(item);
  }
  $("waiting-empty").hidden = waiting.size > 0 || !$("waiting-paused").hidden;
  if (!waiting.size) $("chat-alert").hidden = true;
  commandsRender();
}

// Who is offered patron chats is the server's rule (signed in, Online, reachable): it sends the
// Waiting list and rings only then. This page shows why the list is not there: not signed in to
// LibChat in this browser (an invitation to Sign In instead of the list), or a status other than
// Online (the list stays, empty, with a line saying so). Nothing here takes the focus.
let signedInHere = !$("waiting-panel").hidden;

function showTaking(signedIn, here, status) {
  signedInHere = signedIn && here;
  $("sign-in-invitation").hidden = signedInHere;
  $("waiting-panel").hidden = !signedInHere;
  $("claim-next").hidden = !signedInHere;
  const paused = signedInHere && status !== "online";
  $("waiting-paused").hidden = !paused;
  if (paused) $("waiting-paused-status").textContent = status[0].toUpperCase() + status.slice(1);
  renderWaiting();
}

function waitingReplace(chats) {
  waiting.clear();
  for (const chat of chats) waiting.set(chat.id, chat);
  renderWaiting();
}

function claimNext() {
  const next = signedInHere ? waitingInOrder()[0] : undefined;
  if (next) claim(next.id);
  else $("claim-notice").textContent = "No patrons are waiting.";
}
$("claim-next").addEventListener("click", claimNext);

setInterval(() => {
  for (const waited of document.querySelectorAll("#waiting-list .waited")) {
    waited.textContent = waitedText(waited.dataset.since);
  }
}, 1000);

// ---- My Chats: rows, selection, unread -------------------------------------------------------

function rowFor(chat) {
  let item = rows.get(chat.id);
  if (item) return item;
  item = document.createElement("li");
  item.dataset.chatId = chat.id;
  const button = document.createElement("button");
  button.type = "button";
  button.className = "chat-row";
  button.setAttribute("aria-controls", `chat-pane-${chat.id}`);
  const name = document.createElement("span");
  name.className = "row-name";
  name.textContent = patronOf(chat);
  const badge = document.createElement("span");
  badge.className = "badge row-unread";
  badge.hidden = true;
  const state = document.createElement("span");
  state.className = "row-state";
  const time = document.createElement("time");
  time.className = "row-time";
  button.append(name, badge, state, time);
  button.addEventListener("click", () => select(chat.id, { focus: true }));
  item.append(button);
  rows.set(chat.id, item);
  $("my-chat-list").append(item);
  railCount();
  return item;
}

function rowState(chatId) {
  // What the row says after the name: the end, a patron who left, or "typing…".
  const item = rows.get(chatId);
  const pane = panes.get(chatId);
  if (!item || !pane) return;
  let text = "";
  if (pane.dataset.ended) text = pane.dataset.endedWhy || "ended";
  else if (pane.dataset.patronAway) text = "left";
  else if (typingTimers.has(chatId)) text = "typing…";
  item.querySelector(".row-state").textContent = text;
  item.classList.toggle("ended", Boolean(pane.dataset.ended));
  item.classList.toggle("patron-left", !pane.dataset.ended && Boolean(pane.dataset.patronAway));
}

function rowTime(chatId, iso) {
  const time = rows.get(chatId)?.querySelector(".row-time");
  if (!time || !iso || (time.dateTime && time.dateTime > iso)) return;
  time.dateTime = iso;
  time.textContent = clock(iso);
}

function unreadShow(chatId) {
  const count = unread.get(chatId) || 0;
  const badge = rows.get(chatId)?.querySelector(".row-unread");
  if (badge) {
    badge.hidden = count === 0;
    badge.dataset.unread = String(count);
    badge.innerHTML = "";
    const shown = document.createElement("span");
    shown.setAttribute("aria-hidden", "true");
    shown.textContent = count > 99 ? "99+" : String(count);
    const said = document.createElement("span");
    said.className = "visually-hidden";
    said.textContent = `, ${count} unread`;
    badge.append(shown, said);
  }
  let total = 0;
  for (const value of unread.values()) total += value;
  titleCountSet("patron", total);
}

function inView(chatId) {
  return (
    consoleRoot.dataset.view === "chat" &&
    selected === chatId &&
    document.visibilityState === "visible" &&
    !(narrow.matches && consoleRoot.dataset.railOpen === "true")
  );
}

// Shows the chat in the middle; `focus` (the operator chose it) puts the cursor in its reply box.
function select(chatId, { focus = false } = {}) {
  const pane = panes.get(chatId);
  if (!pane) return;
  selected = chatId;
  for (const [id, other] of panes) other.hidden = id !== chatId;
  for (const [id, item] of rows) {
    item.querySelector(".chat-row").toggleAttribute("aria-current", id === chatId);
  }
  showView("chat");
  railOpen(false);
  unread.set(chatId, 0);
  unreadShow(chatId);
  const list = pane.querySelector(".chat-messages");
  list.scrollTop = list.scrollHeight;
  if (focus) {
    const editor = pane.querySelector(".compose:not([hidden]) .editor");
    (editor || rows.get(chatId).querySelector(".chat-row")).focus();
  }
}

function showView(view) {
  consoleRoot.dataset.view = view;
  $("my-chats-empty").hidden = selected !== null;
}

// Whether a chat may be shown in the middle without the operator asking: nothing is shown there
// but the Internal room lists, and the cursor is not among them (hiding it would move it).
function middleIsFree() {
  const section = $("internal-chat");
  return (
    selected === null &&
    !section?.querySelector(".room-link[aria-current]") &&
    !section?.contains(document.activeElement)
  );
}

// Nothing selected: the Internal Chat section where the tab has one, else the invitation.
function selectNone() {
  selected = null;
  for (const pane of panes.values()) pane.hidden = true;
  for (const item of rows.values()) item.querySelector(".chat-row").removeAttribute("aria-current");
  showView($("internal-chat") ? "internal" : "chat");
}

function railCount() {
  $("my-chats-none").hidden = rows.size > 0;
  $("rail-count").textContent = String(rows.size + waiting.size);
}

// Alt+ArrowUp / Alt+ArrowDown: the previous or next of My Chats, cursor in its reply box.
function step(delta) {
  const ids = [...$("my-chat-list").children].map((item) => Number(item.dataset.chatId));
  if (!ids.length) return;
  const at = ids.indexOf(selected);
  const next = at === -1 ? (delta > 0 ? 0 : ids.length - 1) : (at + delta + ids.length) % ids.length;
  select(ids[next], { focus: true });
}

document.addEventListener("keydown", (event) => {
  if (!event.altKey || event.ctrlKey || event.metaKey) return;
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    step(event.key === "ArrowDown" ? 1 : -1);
  } else if (event.code === "KeyN") {
    event.preventDefault();
    claimNext();
  }
});

document.addEventListener("visibilitychange", () => {
  if (selected !== null && inView(selected)) {
    unread.set(selected, 0);
    unreadShow(selected);
  }
});

// ---- Narrow screens: the rail is a list the operator opens -----------------------------------

const narrow = window.matchMedia("(max-width: 700px)");

function railOpen(open) {
  consoleRoot.dataset.railOpen = String(open);
  $("rail-toggle").setAttribute("aria-expanded", String(open));
}

$("rail-toggle").addEventListener("click", () => {
  const open = consoleRoot.dataset.railOpen !== "true";
  railOpen(open);
  if (open) $("rail").querySelector("button, a")?.focus();
});
railOpen(false);

// ---- The command bar: Claim next waiting chat, and each chat by its patron's name ------------

function commandsRender() {
  const list = $("command-list");
  for (const old of list.querySelectorAll("[data-chat-command]")) old.remove();
  const add = (command, text) => {
    const item = document.createElement("li");
    item.setAttribute("role", "option");
    item.dataset.command = command;
    item.dataset.chatCommand = "";
    item.textContent = text;
    list.append(item);
  };
  add("claim-next", "Chats > Claim next waiting chat (Alt+N)");
  for (const [id, pane] of panes) add(`chat:${id}`, `Chat with ${pane.dataset.patron}`);
  for (const chat of waitingInOrder()) add(`claim:${chat.id}`, `Claim Chat with ${chat.name || "Patron"}`);
}

document.addEventListener("libchat:command", (event) => {
  const [command, id] = event.detail.split(":");
  if (command === "claim-next") claimNext();
  else if (command === "chat") select(Number(id), { focus: true });
  else if (command === "claim") claim(Number(id));
});

// ---- Chat panes ------------------------------------------------------------------------------

function addMessage(pane, message) {
  const item = messageLineAdd(pane.querySelector(".chat-messages"), message, pane.dataset.patron);
  if (!item) return null;
  const chatId = Number(pane.dataset.chatId);
  rowTime(chatId, message.created_at);
  if (message.sender === "patron") {
    pane.querySelector(".typing").textContent = "";
    clearTimeout(typingTimers.get(chatId));
    typingTimers.delete(chatId);
    rowState(chatId);
    announce(`${pane.dataset.patron}: ${item.querySelector(".body").textContent}`);
  }
  return item;
}

// A patron's message the operator is not looking at: its row counts it, the title counts it,
// and it rings as they chose in Settings.
function patronMessageUnseen(chatId, pane, item) {
  if (inView(chatId)) return;
  unread.set(chatId, (unread.get(chatId) || 0) + 1);
  unreadShow(chatId);
  notify({
    tone: "patron",
    title: `${pane.dataset.patron} wrote`,
    body: item.querySelector(".body").textContent,
    tag: `libchat-chat-${chatId}`,
  });
}

function paneCreate(chat) {
  const pane = $("operator-chat-template").content.firstElementChild.cloneNode(true);
  const patron = chat.name || "Patron";
  pane.id = `chat-pane-${chat.id}`;
  pane.hidden = true;
  pane.dataset.chatId = chat.id;
  pane.dataset.patron = patron;
  pane.setAttribute("aria-label", `Chat with ${patron}`);
  pane.querySelector(".chat-title").textContent = `${patron} · ${chat.widget}`;
  pane.querySelector(".patron-panel").setAttribute("aria-label", `About ${patron}`);
  pane.querySelector(".answer-name").textContent = chat.name || "—";
  pane.querySelector(".answer-email").textContent = chat.email || "—";
  pane.querySelector(".answer-question").textContent = chat.question || "—";
  pane.querySelector(".answer-widget").textContent = chat.widget;
  wireCompose(pane, chat.id, patron);
  wireTransfer(pane, chat.id);
  wireEnd(pane, chat.id);
  wireLeaving(pane, chat.id);
  $("my-chats").append(pane);
  return pane;
}

// The rest of the patron panel (the page the chat came from, the browser, who held it with
// their notes, the times so far, the patron's earlier chats and tickets) is the server's
// fragment, fetched when the pane opens, comes back, or ends, so its history is current.
async function recordLoad(pane, chatId) {
  const box = pane.querySelector(".patron-record-slot");
  box.setAttribute("aria-busy", "true");
  try {
    const url = $("my-chats").dataset.recordUrl.replace("/0/", `/${chatId}/`);
    const response = await fetch(url, { credentials: "same-origin" });
    box.innerHTML = await response.text(); // our own template's HTML, escaped by Django
  } catch {
    box.textContent = "The patron's record could not be loaded; it is in Transcripts.";
  } finally {
    box.removeAttribute("aria-busy");
  }
}

function paneRevive(pane, chatId) {
  // The chat came back to this operator (re-claimed from a queue they sent it to, or
  // transferred back): the same pane is live again, reply box and all.
  clearTimeout(leaving.get(chatId));
  leaving.delete(chatId);
  delete pane.dataset.ended;
  delete pane.dataset.endedWhy;
  pane.querySelector(".typing").textContent = "";
  pane.querySelector(".leaving").hidden = true;
  pane.querySelector(".compose").hidden = false;
  pane.querySelector(".chat-tools").hidden = false;
  pane.querySelector(".transfer").open = false;
  pane.querySelector(".transfer-target").value = "";
  pane.querySelector(".transfer-note").value = "";
  pane.querySelector(".end-note").value = "";
  rowState(chatId);
}

function openPane(chat) {
  waiting.delete(chat.id);
  renderWaiting();
  let pane = panes.get(chat.id);
  const fresh = !pane;
  if (fresh) {
    pane = paneCreate(chat);
    panes.set(chat.id, pane);
    recordLoad(pane, chat.id);
  } else if (pane.dataset.ended) {
    paneRevive(pane, chat.id);
    recordLoad(pane, chat.id);
  }
  rowFor(chat);
  if (chat.note) {
    // Every sync brings the notes again: redrawn, one line per note (each transfer or end adds one).
    let note = pane.querySelector(".note");
    if (!note) {
      note = document.createElement("div");
      note.className = "note";
      pane.querySelector(".patron-panel dl").after(note);
    }
    const title = document.createElement("p");
    title.textContent = "Staff notes:";
    const lines = document.createElement("ul");
    lines.setAttribute("aria-label", "Staff notes");
    for (const line of chat.note.split("\n")) {
      const item = document.createElement("li");
      item.textContent = line;
      lines.append(item);
    }
    note.replaceChildren(title, lines);
  }
  for (const message of chat.messages || []) {
    const item = addMessage(pane, message);
    // Missed while disconnected: unread like any other.
    if (item && !fresh && message.sender === "patron") patronMessageUnseen(chat.id, pane, item);
  }
  railCount();
  commandsRender();
  return pane;
}

// The reply box is internal chat's editor; a file goes to the chat as a message of its own.
function wireCompose(pane, chatId, patron) {
  let lastTyping = 0;
  const error = pane.querySelector(".compose-error");
  const editor = createEditor(pane.querySelector("[data-editor]"), {
    idSuffix: chatId,
    send(body) {
      const frame = { chat_id: chatId, body, client_msg_id: crypto.randomUUID() };
      error.textContent = "";
      // Sent now, or by "hello" once the socket is back. The server answers chat.sent, or an
      // error naming this reply: then the text comes back.
      const answer = sends.expect(frame);
      live.send("patron.send", frame);
      return answer;
    },
    draftKey: () => `chat:${chatId}`,
    fileUrl: () => $("my-chats").dataset.fileUrl.replace("/0/", `/${chatId}/`),
    showError(message) {
      error.textContent = message;
    },
    onInput() {
      if (Date.now() - lastTyping < 2000) return;
      lastTyping = Date.now();
      live.send("patron.typing", { chat_id: chatId });
    },
  });
  editor.setAttribute("aria-label", `Reply to ${patron}`);
}

// Transfer: nothing is preselected; Transfer Chat says so until a target is chosen.
function wireTransfer(pane, chatId) {
  const error = pane.querySelector(".transfer-error");
  pane.querySelector(".transfer").addEventListener("toggle", (event) => {
    if (event.target.open) live.send("patron.targets");
  });
  pane.querySelector(".transfer-target").addEventListener("change", () => {
    error.textContent = "";
  });
  pane.querySelector(".transfer-go").addEventListener("click", () => {
    const [kind, id] = pane.querySelector(".transfer-target").value.split(":");
    if (!id) {
      error.textContent = "Choose who to transfer the chat to.";
      pane.querySelector(".transfer-target").focus();
      return;
    }
    error.textContent = "";
    live.send("patron.transfer", {
      chat_id: chatId,
      [kind === "operator" ? "operator_id" : "department_id"]: Number(id),
      note: pane.querySelector(".transfer-note").value,
    });
  });
}

// End Chat asks first, in the pane ("End this chat?"), with the internal note.
function wireEnd(pane, chatId) {
  const asking = pane.querySelector(".end-confirm");
  const question = pane.querySelector(".end-question");
  question.id = `end-question-${chatId}`;
  asking.setAttribute("aria-labelledby", question.id);
  const ask = (open) => {
    asking.hidden = !open;
    pane.querySelector(".end-chat").hidden = open;
    (open ? pane.querySelector(".end-keep") : pane.querySelector(".end-chat")).focus();
  };
  pane.querySelector(".end-chat").addEventListener("click", () => ask(true));
  pane.querySelector(".end-keep").addEventListener("click", () => ask(false));
  asking.addEventListener("keydown", (event) => {
    if (event.key === "Escape") ask(false);
  });
  pane.querySelector(".end-yes").addEventListener("click", () => {
    if (!live.send("patron.end", { chat_id: chatId, note: pane.querySelector(".end-note").value })) {
      pane.querySelector(".compose-error").textContent = "Not connected: try again in a moment.";
    }
  });
}

function wireLeaving(pane, chatId) {
  pane.querySelector(".leaving-keep").addEventListener("click", () => {
    clearTimeout(leaving.get(chatId));
    leaving.delete(chatId);
    pane.querySelector(".leaving-text").textContent = "Kept open until you close it.";
    pane.querySelector(".leaving-keep").hidden = true;
    pane.querySelector(".leaving-close").focus();
  });
  pane.querySelector(".leaving-close").addEventListener("click", () => paneClose(chatId, { chosen: true }));
}

// Takes an ended chat off the rail. By the timer, never from under the operator's cursor: a
// pane they are working in (a note being copied, say) waits until they are done.
function paneClose(chatId, { chosen = false } = {}) {
  const pane = panes.get(chatId);
  if (!pane) return;
  if (!chosen && pane.contains(document.activeElement)) {
    leaving.set(chatId, setTimeout(() => paneClose(chatId), 5000));
    return;
  }
  clearTimeout(leaving.get(chatId));
  leaving.delete(chatId);
  const row = rows.get(chatId);
  const next = chosen ? row?.nextElementSibling || row?.previousElementSibling : null;
  pane.remove();
  row?.remove();
  panes.delete(chatId);
  rows.delete(chatId);
  unread.delete(chatId);
  unreadShow(chatId);
  railCount();
  commandsRender();
  if (selected === chatId) {
    // Closed by the operator: the next chat, cursor in it. By the timer: nothing selected.
    if (next) select(Number(next.dataset.chatId), { focus: true });
    else selectNone();
  }
}

function markEnded(chatId, text, why = "ended") {
  const pane = panes.get(chatId);
  if (!pane) return;
  pane.dataset.ended = "true";
  pane.dataset.endedWhy = why;
  recordLoad(pane, chatId);
  patronPresence(chatId, "");
  pane.querySelector(".typing").textContent = text;
  pane.querySelector(".compose").hidden = true;
  pane.querySelector(".chat-tools").hidden = true;
  pane.querySelector(".end-confirm").hidden = true;
  pane.querySelector(".end-chat").hidden = false;
  pane.querySelector(".leaving").hidden = false;
  pane.querySelector(".leaving-keep").hidden = false;
  pane.querySelector(".leaving-text").textContent =
    `It leaves My Chats in ${LEAVE_AFTER_SECONDS} s; the record stays in Transcripts.`;
  clearTimeout(leaving.get(chatId));
  leaving.set(chatId, setTimeout(() => paneClose(chatId), LEAVE_AFTER_SECONDS * 1000));
  rowState(chatId);
}

// ---- Internal rooms in the rail ---------------------------------------------------------------

// Each room of the Internal Chat section, with its unread badge, as a row of the rail: choosing
// one shows the section in the middle and opens the room there.
function internalRailBuild() {
  const section = $("internal-chat");
  const list = $("internal-rooms");
  if (!section || !list) return;
  const mirrors = [];
  for (const link of section.querySelectorAll(".room-link")) {
    const item = document.createElement("li");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "internal-row";
    const name = document.createElement("span");
    name.className = "row-name";
    name.textContent = link.dataset.roomName;
    const badge = link.querySelector(".badge").cloneNode(true);
    button.append(name, badge);
    button.addEventListener("click", () => {
      for (const row of rows.values()) row.querySelector(".chat-row").removeAttribute("aria-current");
      showView("internal");
      railOpen(false);
      link.click();
    });
    item.append(button);
    list.append(item);
    mirrors.push([link.querySelector(".badge"), badge]);
  }
  // internalchat.js keeps the section's badges; the rail's copies follow them.
  const observer = new MutationObserver(() => {
    for (const [from, to] of mirrors) {
      to.replaceChildren(...[...from.childNodes].map((node) => node.cloneNode(true)));
      to.dataset.unread = from.dataset.unread;
      to.hidden = from.hidden;
    }
  });
  observer.observe(section.querySelector(".internal-lists"), {
    subtree: true,
    childList: true,
    characterData: true,
    attributes: true,
    attributeFilter: ["hidden", "data-unread"],
  });
  // A click inside the section itself (its own room lists) is the operator choosing Internal.
  section.addEventListener("click", () => {
    if (consoleRoot.dataset.view !== "internal") showView("internal");
  });
}
internalRailBuild();
selectNone();

// ---- Live events -----------------------------------------------------------------------------

live.on("hello", (frame) => {
  showTaking(frame.me.signed_in, frame.me.signed_in_here, frame.me.status);
  // After every (re)connect: redraw from the server, and send again each reply it never
  // answered (it keeps a client_msg_id's reply once, however often it arrives).
  live.send("patron.sync");
  for (const frame of sends.frames()) live.send("patron.send", frame);
});
live.on("chat.sync", (frame) => {
  waitingReplace(frame.waiting);
  for (const chat of frame.mine) openPane(chat);
  // A chat that ended or moved on while this tab was disconnected is no longer among "mine".
  const open = new Set(frame.mine.map((chat) => chat.id));
  for (const [chatId, pane] of panes) {
    if (!open.has(chatId) && !pane.dataset.ended) markEnded(chatId, "This chat ended or moved on while you were disconnected.");
  }
  if (frame.mine.length && middleIsFree()) select(frame.mine[0].id);
  railCount();
});
// What this operator is offered changed: their status or sign-in, monitoring, membership, or a
// widget or department edited.
live.on("chat.waiting_list", (frame) => waitingReplace(frame.waiting));
live.on("presence.changed", (frame) => {
  const me = frame.operators.find((presence) => presence.id === myId);
  if (me) showTaking(me.signed_in, me.signed_in_here, me.status);
});
live.on("chat.waiting", (frame) => {
  // The queues are the operator's, so a browser other than the one signed in hears them too.
  if (!signedInHere) return;
  waiting.set(frame.chat.id, frame.chat);
  renderWaiting();
  railCount();
  announce(`New chat waiting: ${frame.chat.name || "Patron"}`);
  // A new or overdue chat rings as the operator chose in Settings.
  notify({
    tone: "chat",
    title: `New chat: ${frame.chat.name || "Patron"}`,
    body: frame.chat.preview || frame.chat.widget,
    tag: "libchat-waiting",
  });
});
live.on("chat.unqueued", (frame) => {
  waiting.delete(frame.chat_id);
  renderWaiting();
  railCount();
});
live.on("chat.opened", (frame) => {
  openPane(frame.chat);
  // The reply box takes the focus only for a chat this operator just claimed: a chat transferred
  // in arrives while they may be typing to another patron, whose words must stay where they are;
  // it waits in My Chats until they choose it (or shows, cursor untouched, if nothing else is).
  if (claiming.delete(frame.chat.id)) {
    select(frame.chat.id, { focus: true });
    return;
  }
  $("claim-notice").textContent = `${frame.chat.name || "A patron"}'s chat was transferred to you.`;
  if (middleIsFree()) select(frame.chat.id);
  notify({ tone: "chat", title: $("claim-notice").textContent, tag: "libchat-waiting" });
});
live.on("chat.claim_failed", (frame) => {
  claiming.delete(frame.chat_id);
  waiting.delete(frame.chat_id);
  renderWaiting();
  $("claim-notice").textContent = frame.message;
});
live.on("chat.message", (frame) => {
  const pane = panes.get(frame.chat_id);
  if (!pane) {
    live.send("patron.sync");
    return;
  }
  const item = addMessage(pane, frame.message);
  if (item && frame.message.sender === "patron") patronMessageUnseen(frame.chat_id, pane, item);
});
live.on("chat.sent", (frame) => sends.settle(frame.client_msg_id, true));
live.on("error", (frame) => {
  if (frame.chat_id === undefined) return; // not about a patron chat
  const line = panes.get(frame.chat_id)?.querySelector(".compose-error");
  if (line) line.textContent = frame.message;
  sends.settle(frame.client_msg_id, false);
});
live.on("chat.typing", (frame) => {
  const pane = panes.get(frame.chat_id);
  if (!pane) return;
  pane.querySelector(".typing").textContent = `${pane.dataset.patron} is typing…`;
  clearTimeout(typingTimers.get(frame.chat_id));
  typingTimers.set(
    frame.chat_id,
    setTimeout(() => {
      typingTimers.delete(frame.chat_id);
      if (!pane.dataset.ended) pane.querySelector(".typing").textContent = "";
      rowState(frame.chat_id);
    }, 4000),
  );
  rowState(frame.chat_id);
});
// The patron's page closed or lost its connection (it may come back: a reload, a phone waking).
function patronPresence(chatId, text) {
  const pane = panes.get(chatId);
  const line = pane?.querySelector(".patron-presence");
  if (!line) return;
  line.textContent = text;
  line.hidden = !text;
  if (text) pane.dataset.patronAway = "true";
  else delete pane.dataset.patronAway;
  rowState(chatId);
}
live.on("chat.patron_away", (frame) => {
  const patron = panes.get(frame.chat_id)?.dataset.patron;
  patronPresence(frame.chat_id, `${patron} closed the chat or lost the connection. The chat ends if they do not come back.`);
});
live.on("chat.patron_here", (frame) => patronPresence(frame.chat_id, ""));
live.on("chat.ended", (frame) => {
  markEnded(frame.chat_id, frame.message, /transferred|queue/.test(frame.message) ? "moved on" : "ended");
});
live.on("chat.targets", (frame) => {
  for (const select of document.querySelectorAll(".transfer-target")) {
    const chosen = select.value;
    const options = [
      new Option("Choose…", ""),
      ...frame.operators.map((o) => new Option(o.name, `operator:${o.id}`)),
      ...frame.departments.map((d) => new Option(`${d.name} (department queue)`, `department:${d.id}`)),
    ];
    select.replaceChildren(...options);
    select.value = options.some((option) => option.value === chosen) ? chosen : "";
  }
});
live.on("chat.alert", (frame) => {
  if (!signedInHere) return;
  const who = frame.chat.name || "A patron";
  $("chat-alert").textContent = `${who} has waited over 2 minutes: please claim the chat.`;
  notify({
    tone: "chat",
    title: "A patron is still waiting",
    body: $("chat-alert").textContent,
    tag: "libchat-waiting",
  });
  $("chat-alert").hidden = false;
  document.querySelector(`#waiting-list [data-chat-id="${frame.chat.id}"]`)?.classList.add("overdue");
});

live.send("patron.sync");
