// The console of the Chats tab, over the tab's one dashboard socket. The rail lists Waiting (in
// the order of the patrons' own "number N in line", with a live waiting time and Claim Chat),
// My Chats (unread count, "typing…", a patron who left, the time of the last message) and the
// Internal rooms; the middle shows the selected chat, its patron panel on the right, or the
// Internal Chat section. "hello" (every reconnect) re-syncs everything from the server.
// Focus moves only on what the operator does (a click, a key, their own claim or Accept): never
// on a message, a transfer offer or a new chat arriving.
// A waiting chat opened from the Waiting list (a preview, before claiming) is told to the server,
// which names everyone else looking at it: "Bob is looking at this chat" (the collision guard).
// A transfer to this operator is an offer in the rail, with Accept and Decline.
// Unread counts survive a reload: sessionStorage keeps, per chat, the last message this tab
// showed the operator, and a reload counts the patron's messages after it again.

import { format, gettext, langMark, ngettext, timeText } from "./i18n.js";
import { tagsLoad } from "./chat-tags.js";
import { createEditor, unansweredSends } from "./editor.js";
import { requestJSON } from "./http.js";
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
let previewing = null; // the waiting chat shown in the middle, before anyone claims it
const lookers = new Map(); // waiting chat id -> operators looking at it, as the server says
const offers = new Map(); // offer id -> a chat offered to this operator
const SEEN_KEY = "libchat:chat-seen";
const STATUS_LABELS = { online: gettext("Online"), internal: gettext("Internal"), away: gettext("Away"), offline: gettext("Offline") };

function announce(text) {
  $("announcer").textContent = text;
}

const patronOf = (chat) => chat.name || chat.preview || gettext("Patron");

// ---- Waiting ---------------------------------------------------------------------------------

function waitedText(since) {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
  return format(gettext("waiting %(time)s"), { time: `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}` });
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
    if (previewing === chat.id) item.setAttribute("aria-current", "true");
    const who = document.createElement("strong");
    const open = document.createElement("button");
    open.type = "button";
    open.className = "waiting-open";
    open.textContent = chat.name || gettext("Patron");
    open.setAttribute("aria-controls", "waiting-preview");
    open.addEventListener("click", () => previewOpen(chat.id));
    who.append(open);
    const preview = document.createElement("span");
    preview.className = "preview";
    preview.textContent = chat.preview ? `“${chat.preview}”` : `(${chat.widget})`;
    if (chat.preview) langMark(preview, chat.language);
    const waited = document.createElement("span");
    waited.className = "waited";
    // The patron's time since they asked, not queued_at: a transfer or requeue moves the chat
    // in its line (queued_at keeps the order fair), but the patron has not started over.
    waited.dataset.since = chat.created_at;
    waited.textContent = waitedText(chat.created_at);
    waited.title = gettext("Since the patron started the chat");
    const button = document.createElement("button");
    button.type = "button";
    button.className = "small";
    button.textContent = gettext("Claim Chat");
    button.setAttribute("aria-label", format(gettext("Claim Chat with %(name)s"), { name: who.textContent }));
    button.addEventListener("click", () => claim(chat.id));
    item.append(who, " ", waited, " ", button, preview);
    list.append(item);
  }
  $("waiting-empty").hidden = waiting.size > 0 || !$("waiting-paused").hidden;
  if (!waiting.size) $("chat-alert").hidden = true;
  if (previewing !== null && !waiting.has(previewing)) previewGone(gettext("This chat is no longer waiting."));
  commandsRender();
}

// ---- A waiting chat opened before claiming, and who else is looking at it -------------------

function lookAt(chatId) {
  live.send("patron.look", { chat_id: chatId });
}

function previewOpen(chatId) {
  const chat = waiting.get(chatId);
  if (!chat) return;
  const preview = $("waiting-preview");
  previewing = chatId;
  for (const pane of panes.values()) pane.hidden = true;
  selected = null;
  for (const item of rows.values()) item.querySelector(".chat-row").removeAttribute("aria-current");
  consoleRoot.dataset.view = "chat";
  $("my-chats-empty").hidden = true;
  railOpen(false);
  $("waiting-preview-title").textContent = `${chat.name || gettext("Patron")} · ${chat.widget}`;
  const question = preview.querySelector(".preview-question");
  question.removeAttribute("lang");
  langMark(question, chat.question && chat.language).textContent = chat.question || "—";
  preview.querySelector(".preview-email").textContent = chat.email || "—";
  const waited = preview.querySelector(".preview-waited");
  waited.dataset.since = chat.created_at;
  waited.textContent = waitedText(chat.created_at);
  preview.querySelector(".preview-gone").textContent = "";
  const button = preview.querySelector(".preview-claim");
  button.hidden = false;
  button.setAttribute("aria-label", format(gettext("Claim Chat with %(name)s"), { name: chat.name || gettext("Patron") }));
  preview.hidden = false;
  lookersShow();
  renderWaiting();
  lookAt(chatId);
}

// The preview's chat left the Waiting list (claimed, ended): it says so and stays until the
// operator looks elsewhere, so nothing vanishes from under their cursor.
function previewGone(text) {
  const preview = $("waiting-preview");
  if (preview.querySelector(".preview-claim").hidden) return; // already said
  preview.querySelector(".preview-gone").textContent = text;
  preview.querySelector(".preview-claim").hidden = true;
  $("waiting-preview-lookers").textContent = "";
  lookAt(null);
}

// The operator looks elsewhere (a chat, an Internal room): they are no longer looking.
function previewClose() {
  if (previewing === null) return;
  const wasWaiting = waiting.has(previewing);
  previewing = null;
  $("waiting-preview").hidden = true;
  if (wasWaiting) lookAt(null);
  renderWaiting();
}

function lookersShow() {
  const line = $("waiting-preview-lookers");
  const others = (lookers.get(previewing) || []).filter((looker) => looker.id !== myId);
  const names = others.map((looker) => looker.name);
  const who =
    names.length > 1
      ? format(gettext("%(names)s and %(last)s"), { names: names.slice(0, -1).join(", "), last: names.at(-1) })
      : names[0];
  line.textContent = names.length
    ? format(ngettext("%(who)s is looking at this chat", "%(who)s are looking at this chat", names.length), { who })
    : "";
}

$("waiting-preview").querySelector(".preview-claim").addEventListener("click", () => {
  if (previewing !== null) claim(previewing);
});

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
  if (paused) $("waiting-paused-status").textContent = STATUS_LABELS[status] ?? status;
  renderWaiting();
}

// What the queues said lately, chat id -> {at, chat} (joined) or {at, chat: null} (left), in
// server time: a Waiting list read before one of these (its as_of is earlier) cannot know it,
// and frames from different server processes may arrive in any order.
const queueNews = new Map();
const QUEUE_NEWS_SECONDS = 120;

function queueNewsAdd(chatId, at, chat = null) {
  const when = typeof at === "number" ? at : Date.now() / 1000;
  const known = queueNews.get(chatId);
  if (!known || known.at <= when) queueNews.set(chatId, { at: when, chat });
  for (const [id, news] of queueNews) if (news.at < when - QUEUE_NEWS_SECONDS) queueNews.delete(id);
}

function waitingReplace(chats, asOf) {
  waiting.clear();
  for (const chat of chats) waiting.set(chat.id, chat);
  for (const [chatId, news] of queueNews) {
    if (typeof asOf === "number" && news.at <= asOf) continue;
    if (news.chat) waiting.set(chatId, news.chat);
    else waiting.delete(chatId);
  }
  renderWaiting();
}

function claimNext() {
  const next = signedInHere ? waitingInOrder()[0] : undefined;
  if (next) claim(next.id);
  else $("claim-notice").textContent = gettext("No patrons are waiting.");
}
$("claim-next").addEventListener("click", claimNext);

setInterval(() => {
  for (const waited of document.querySelectorAll("#waiting-list .waited, #waiting-preview .waited-live")) {
    if (waited.dataset.since) waited.textContent = waitedText(waited.dataset.since);
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
  if (pane.dataset.ended) text = pane.dataset.endedWhy || gettext("ended");
  else if (pane.dataset.patronAway) text = gettext("left");
  else if (typingTimers.has(chatId)) text = gettext("typing…");
  item.querySelector(".row-state").textContent = text;
  item.classList.toggle("ended", Boolean(pane.dataset.ended));
  item.classList.toggle("patron-left", !pane.dataset.ended && Boolean(pane.dataset.patronAway));
}

function rowTime(chatId, iso) {
  const time = rows.get(chatId)?.querySelector(".row-time");
  if (!time || !iso || (time.dateTime && time.dateTime > iso)) return;
  time.dateTime = iso;
  time.textContent = timeText(iso);
}

// The last message of each chat this tab showed the operator, kept for the tab's life (a reload
// included): after a reload, the patron's messages past it count as unread again.
function seenRead() {
  try {
    return JSON.parse(sessionStorage.getItem(SEEN_KEY)) || {};
  } catch {
    return {};
  }
}

function seenSet(chatId) {
  const lines = panes.get(chatId)?.querySelectorAll(".chat-messages li[data-id]") || [];
  const seen = seenRead();
  for (const line of lines) seen[chatId] = Math.max(seen[chatId] || 0, Number(line.dataset.id));
  try {
    sessionStorage.setItem(SEEN_KEY, JSON.stringify(seen));
  } catch {
    // Storage refused (a private window's quota): the counts simply start at zero on reload.
  }
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
    said.textContent = format(gettext(", %(unread)s unread"), { unread: count });
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
  seenSet(chatId);
  const list = pane.querySelector(".chat-messages");
  list.scrollTop = list.scrollHeight;
  if (focus) {
    const editor = pane.querySelector(".compose:not([hidden]) .editor");
    (editor || rows.get(chatId).querySelector(".chat-row")).focus();
  }
}

function showView(view) {
  previewClose();
  consoleRoot.dataset.view = view;
  $("my-chats-empty").hidden = selected !== null;
}

// Whether a chat may be shown in the middle without the operator asking: nothing is shown there
// but the Internal room lists, and the cursor is not among them (hiding it would move it).
function middleIsFree() {
  const section = $("internal-chat");
  return (
    selected === null &&
    previewing === null &&
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
  $("rail-count").textContent = String(rows.size + waiting.size + offers.size);
  // On a narrow screen the rail hides behind "Chats (n)": an offer waiting for Accept or Decline
  // shows on the button itself, so it is seen without opening the list.
  const offered = $("rail-offers");
  offered.hidden = offers.size === 0;
  offered.textContent = offers.size
    ? ` · ${format(ngettext("%(count)s transfer for you", "%(count)s transfers for you", offers.size), { count: offers.size })}`
    : "";
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
    seenSet(selected);
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
  add("claim-next", gettext("Chats > Claim next waiting chat (Alt+N)"));
  for (const [id, pane] of panes) add(`chat:${id}`, format(gettext("Chat with %(name)s"), { name: pane.dataset.patron }));
  for (const chat of waitingInOrder()) add(`claim:${chat.id}`, format(gettext("Claim Chat with %(name)s"), { name: chat.name || gettext("Patron") }));
}

document.addEventListener("libchat:command", (event) => {
  const [command, id] = event.detail.split(":");
  if (command === "claim-next") claimNext();
  else if (command === "chat") select(Number(id), { focus: true });
  else if (command === "claim") claim(Number(id));
});

// ---- Chat panes ------------------------------------------------------------------------------

function addMessage(pane, message) {
  const item = messageLineAdd(pane.querySelector(".chat-messages"), message, pane.dataset.patron, pane.dataset.language);
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
function patronMessageUnseen(chatId, pane, item, { ring = true } = {}) {
  if (inView(chatId)) {
    seenSet(chatId);
    return;
  }
  unread.set(chatId, (unread.get(chatId) || 0) + 1);
  unreadShow(chatId);
  if (!ring) return; // counted again after a reload: it rang when it came
  notify({
    tone: "patron",
    title: format(gettext("%(name)s wrote"), { name: pane.dataset.patron }),
    body: item.querySelector(".body").textContent,
    tag: `libchat-chat-${chatId}`,
  });
}

function paneCreate(chat) {
  const pane = $("operator-chat-template").content.firstElementChild.cloneNode(true);
  const patron = chat.name || gettext("Patron");
  pane.id = `chat-pane-${chat.id}`;
  pane.hidden = true;
  pane.dataset.chatId = chat.id;
  pane.dataset.patron = patron;
  pane.dataset.language = chat.language || "";
  pane.setAttribute("aria-label", format(gettext("Chat with %(name)s"), { name: patron }));
  pane.querySelector(".chat-title").textContent = `${patron} · ${chat.widget}`;
  pane.querySelector(".patron-panel").setAttribute("aria-label", format(gettext("About %(name)s"), { name: patron }));
  pane.querySelector(".answer-name").textContent = chat.name || "—";
  pane.querySelector(".answer-email").textContent = chat.email || "—";
  langMark(pane.querySelector(".answer-question"), chat.question && chat.language).textContent = chat.question || "—";
  pane.querySelector(".answer-widget").textContent = chat.widget;
  pane.querySelector(".follow-up").href = $("my-chats").dataset.followUpUrl.replace("/0/", `/${chat.id}/`);
  wireCompose(pane, chat.id, patron);
  wireTransfer(pane, chat.id);
  wireEnd(pane, chat.id);
  wireBlock(pane, chat.id);
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
    box.textContent = gettext("The patron's record could not be loaded; it is in Transcripts.");
  } finally {
    box.removeAttribute("aria-busy");
  }
}

// The pane's tags (when the admin offers any) stay after the chat ends, until the pane closes:
// the chat can still be tagged, and later on its transcript.
function paneTagsLoad(pane, chatId) {
  const form = pane.querySelector(".chat-tags");
  if (form) tagsLoad(form, $("operator-chat-template").content.querySelector(".chat-tags").dataset.url.replace("/0/", `/${chatId}/`));
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
  pane.querySelector(".block-patron").open = false;
  pane.querySelector(".block-reason").value = "";
  pane.querySelector(".block-status").textContent = "";
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
    paneTagsLoad(pane, chat.id);
  } else if (pane.dataset.ended) {
    paneRevive(pane, chat.id);
    recordLoad(pane, chat.id);
    paneTagsLoad(pane, chat.id);
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
    title.textContent = gettext("Staff notes:");
    const lines = document.createElement("ul");
    lines.setAttribute("aria-label", gettext("Staff notes"));
    for (const line of chat.note.split("\n")) {
      const item = document.createElement("li");
      item.textContent = line;
      lines.append(item);
    }
    note.replaceChildren(title, lines);
  }
  // After a reload, the patron's messages past the last one this tab showed are unread again.
  const seen = fresh ? seenRead()[chat.id] : undefined;
  for (const message of chat.messages || []) {
    const item = addMessage(pane, message);
    // Missed while disconnected, or since the operator last saw the chat: unread like any other.
    const missed = !fresh || (seen !== undefined && message.id > seen);
    if (item && missed && message.sender === "patron") {
      patronMessageUnseen(chat.id, pane, item, { ring: !fresh });
    }
  }
  transferStatus(chat.id, chat.offer_pending ? gettext("Waiting for an answer to your transfer…") : "", {
    pending: Boolean(chat.offer_pending),
  });
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
    cannedParams: () => ({ chat: chatId }),
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
  editor.setAttribute("aria-label", format(gettext("Reply to %(name)s"), { name: patron }));
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
  pane.querySelector(".transfer-cancel").addEventListener("click", () => {
    if (!live.send("patron.transfer_cancel", { chat_id: chatId })) {
      pane.querySelector(".transfer-status").textContent = gettext("Not connected: try again in a moment.");
    }
  });
  pane.querySelector(".transfer-go").addEventListener("click", () => {
    const [kind, id] = pane.querySelector(".transfer-target").value.split(":");
    if (!id) {
      error.textContent = gettext("Choose who to transfer the chat to.");
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
      pane.querySelector(".compose-error").textContent = gettext("Not connected: try again in a moment.");
    }
  });
}

// Block this patron: how long and why (required), then the server ends the chat. A refusal (no
// reason, say) is said in the form; the chat's end comes over the socket like any other.
function wireBlock(pane, chatId) {
  const error = pane.querySelector(".block-error");
  const reason = pane.querySelector(".block-reason");
  reason.addEventListener("input", () => {
    error.textContent = "";
  });
  pane.querySelector(".block-go").addEventListener("click", async () => {
    const root = $("my-chats");
    const body = new FormData();
    body.set("duration", pane.querySelector(".block-duration").value);
    body.set("reason", reason.value);
    error.textContent = "";
    try {
      const answer = await requestJSON(root.dataset.blockUrl.replace("/0/", `/${chatId}/`), {
        method: "POST",
        csrf: root.dataset.csrf,
        body,
      });
      pane.querySelector(".block-patron").open = false;
      pane.querySelector(".block-status").textContent = answer.message;
    } catch (refused) {
      error.textContent = refused.message;
      reason.focus();
    }
  });
}

function wireLeaving(pane, chatId) {
  pane.querySelector(".leaving-keep").addEventListener("click", () => {
    clearTimeout(leaving.get(chatId));
    leaving.delete(chatId);
    pane.querySelector(".leaving-text").textContent = gettext("Kept open until you close it.");
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

function markEnded(chatId, text, why = gettext("ended")) {
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
    format(gettext("It leaves My Chats in %(seconds)s s; the record stays in Transcripts."), {
      seconds: LEAVE_AFTER_SECONDS,
    });
  clearTimeout(leaving.get(chatId));
  leaving.set(chatId, setTimeout(() => paneClose(chatId), LEAVE_AFTER_SECONDS * 1000));
  rowState(chatId);
}

// ---- Transfers: offers to this operator (Accept, Decline), and the answer to the sender -------

// The line under the chat's head: the state of the operator's own transfer, with Cancel
// transfer while the receiver has not answered.
function transferStatus(chatId, text, { pending = false } = {}) {
  const pane = panes.get(chatId);
  if (!pane) return;
  pane.querySelector(".transfer-status").textContent = text;
  pane.querySelector(".transfer-cancel").hidden = !pending;
}

// The operator's own Transfer Chat went out as an offer: the form closes, the cursor (if it was
// in the form) back on its Transfer button.
function transferAsked(chatId, text) {
  transferStatus(chatId, text, { pending: true });
  const transfer = panes.get(chatId)?.querySelector(".transfer");
  if (!transfer?.open) return;
  const hadCursor = transfer.contains(document.activeElement);
  transfer.open = false;
  if (hadCursor) transfer.querySelector("summary").focus();
}

function offerLeft(offer) {
  const seconds = Math.max(0, Math.ceil((Date.parse(offer.expires_at) - Date.now()) / 1000));
  return format(gettext("%(seconds)s s left to answer"), { seconds });
}

// An offer shows in the rail, announced and rung, but the cursor stays where the operator is
// typing: Accept and Decline wait for them (Tab reaches them in the rail).
function offerAdd(offer, { arriving = false } = {}) {
  offers.set(offer.id, offer);
  const patron = offer.name || gettext("A patron");
  const item = document.createElement("li");
  item.dataset.offerId = offer.id;
  const offered = format(gettext("%(from)s offers you %(patron)s's chat"), { from: offer.from, patron });
  item.setAttribute("aria-label", offered);
  const what = document.createElement("p");
  const strong = document.createElement("strong");
  strong.textContent = offered;
  what.append(strong);
  const question = document.createElement("p");
  question.textContent = offer.preview ? `“${offer.preview}”` : `(${offer.widget})`;
  item.append(what, question);
  if (offer.note) {
    const note = document.createElement("p");
    note.className = "offer-note";
    note.textContent = format(gettext("Note: %(note)s"), { note: offer.note });
    item.append(note);
  }
  const left = document.createElement("p");
  left.className = "offer-left";
  left.textContent = offerLeft(offer);
  const error = document.createElement("p");
  error.className = "error offer-error";
  error.setAttribute("role", "alert");
  const buttons = document.createElement("p");
  const accept = document.createElement("button");
  accept.type = "button";
  accept.textContent = gettext("Accept");
  accept.setAttribute("aria-label", format(gettext("Accept %(patron)s's chat from %(from)s"), { patron, from: offer.from }));
  accept.addEventListener("click", () => {
    error.textContent = "";
    claiming.add(offer.chat_id); // the operator's own choice: the chat takes the cursor
    live.send("patron.offer_accept", { offer_id: offer.id });
  });
  const decline = document.createElement("button");
  decline.type = "button";
  decline.textContent = gettext("Decline");
  decline.setAttribute("aria-label", format(gettext("Decline %(patron)s's chat from %(from)s"), { patron, from: offer.from }));
  decline.addEventListener("click", () => {
    error.textContent = "";
    live.send("patron.offer_decline", { offer_id: offer.id });
  });
  buttons.append(accept, " ", decline);
  item.append(left, buttons, error);
  $("offer-list").append(item);
  $("offers-panel").hidden = false;
  railCount();
  if (arriving) {
    $("offer-notice").textContent = "";
    announce(format(gettext("%(offered)s. Accept or Decline it in Transfers for you."), { offered }));
    notify({ tone: "chat", title: offered, body: offer.note || offer.preview, tag: "libchat-offer" });
  }
}

function offerRemove(offerId) {
  offers.delete(offerId);
  $("offer-list").querySelector(`[data-offer-id="${offerId}"]`)?.remove();
  $("offers-panel").hidden = offers.size === 0;
  railCount();
}

function offersReplace(list) {
  for (const offerId of [...offers.keys()]) offerRemove(offerId);
  for (const offer of list || []) offerAdd(offer);
}

function offerError(offerId, message) {
  const offer = offers.get(offerId);
  if (offer) claiming.delete(offer.chat_id);
  const line = $("offer-list").querySelector(`[data-offer-id="${offerId}"] .offer-error`);
  if (line) line.textContent = message;
  else $("offer-notice").textContent = message;
}

setInterval(() => {
  for (const [offerId, offer] of offers) {
    const left = $("offer-list").querySelector(`[data-offer-id="${offerId}"] .offer-left`);
    if (left) left.textContent = offerLeft(offer);
  }
}, 1000);

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
  if (previewing !== null && waiting.has(previewing)) lookAt(previewing); // a new socket: say again
});
// Still looking: said again at each ping, so a looker whose server went away fades out.
live.on("ping", () => {
  if (previewing !== null && waiting.has(previewing)) lookAt(previewing);
});
live.on("chat.lookers", (frame) => {
  lookers.set(frame.chat_id, frame.lookers);
  if (previewing === frame.chat_id) lookersShow();
});
live.on("chat.sync", (frame) => {
  waitingReplace(frame.waiting, frame.as_of);
  offersReplace(frame.offers);
  for (const chat of frame.mine) openPane(chat);
  // A chat that ended or moved on while this tab was disconnected is no longer among "mine".
  const open = new Set(frame.mine.map((chat) => chat.id));
  for (const [chatId, pane] of panes) {
    if (!open.has(chatId) && !pane.dataset.ended) markEnded(chatId, gettext("This chat ended or moved on while you were disconnected."));
  }
  if (frame.mine.length && middleIsFree()) select(frame.mine[0].id);
  railCount();
});
// What this operator is offered changed: their status or sign-in, monitoring, membership, or a
// widget or department edited.
live.on("chat.waiting_list", (frame) => waitingReplace(frame.waiting, frame.as_of));
live.on("presence.changed", (frame) => {
  const me = frame.operators.find((presence) => presence.id === myId);
  if (me) showTaking(me.signed_in, me.signed_in_here, me.status);
});
live.on("chat.waiting", (frame) => {
  // The queues are the operator's, so a browser other than the one signed in hears them too.
  if (!signedInHere) return;
  queueNewsAdd(frame.chat.id, frame.at, frame.chat);
  waiting.set(frame.chat.id, frame.chat);
  renderWaiting();
  railCount();
  announce(format(gettext("New chat waiting: %(name)s"), { name: frame.chat.name || gettext("Patron") }));
  // A new or overdue chat rings as the operator chose in Settings.
  notify({
    tone: "chat",
    title: format(gettext("New chat: %(name)s"), { name: frame.chat.name || gettext("Patron") }),
    body: frame.chat.preview || frame.chat.widget,
    tag: "libchat-waiting",
  });
});
live.on("chat.unqueued", (frame) => {
  if (previewing === frame.chat_id && frame.claimed_by && frame.claimed_by_id !== myId) {
    previewGone(format(gettext("%(name)s claimed this chat."), { name: frame.claimed_by }));
  }
  queueNewsAdd(frame.chat_id, frame.at);
  waiting.delete(frame.chat_id);
  renderWaiting();
  railCount();
});
live.on("chat.opened", (frame) => {
  openPane(frame.chat);
  for (const [offerId, offer] of offers) if (offer.chat_id === frame.chat.id) offerRemove(offerId);
  // The reply box takes the focus only for a chat this operator just claimed: a chat transferred
  // in arrives while they may be typing to another patron, whose words must stay where they are;
  // it waits in My Chats until they choose it (or shows, cursor untouched, if nothing else is).
  if (claiming.delete(frame.chat.id)) {
    select(frame.chat.id, { focus: true });
    return;
  }
  seenSet(frame.chat.id); // what came with it was read by whoever held it; what follows is new
  $("claim-notice").textContent = format(gettext("%(name)s's chat was transferred to you."), {
    name: frame.chat.name || gettext("A patron"),
  });
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
  // The chat's first answer: the panel's times (answered, first response, who took part) are
  // fetched again, not left saying "Not answered" until the chat ends.
  if (item && frame.message.sender === "operator" && pane.querySelector('dd.answered[data-answered="false"]')) {
    recordLoad(pane, frame.chat_id);
  }
});
live.on("chat.sent", (frame) => sends.settle(frame.client_msg_id, true));
live.on("error", (frame) => {
  if (frame.offer_id !== undefined) {
    offerError(frame.offer_id, frame.message);
    return;
  }
  if (frame.chat_id === undefined) return; // not about a patron chat
  const line = panes.get(frame.chat_id)?.querySelector(".compose-error");
  if (line) line.textContent = frame.message;
  sends.settle(frame.client_msg_id, false);
});
live.on("chat.typing", (frame) => {
  const pane = panes.get(frame.chat_id);
  if (!pane) return;
  pane.querySelector(".typing").textContent = format(gettext("%(name)s is typing…"), { name: pane.dataset.patron });
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
  patronPresence(
    frame.chat_id,
    format(gettext("%(name)s closed the chat or lost the connection. The chat ends if they do not come back."), {
      name: patron,
    }),
  );
});
live.on("chat.patron_here", (frame) => patronPresence(frame.chat_id, ""));
live.on("chat.offer", (frame) => offerAdd(frame.offer, { arriving: true }));
live.on("chat.offer_closed", (frame) => {
  offerRemove(frame.offer_id);
  $("offer-notice").textContent = frame.message;
});
live.on("chat.offer_made", (frame) => transferAsked(frame.chat_id, frame.message));
live.on("chat.transfer_answered", (frame) => {
  transferStatus(frame.chat_id, frame.message);
  if (panes.has(frame.chat_id)) recordLoad(panes.get(frame.chat_id), frame.chat_id); // its record says so
  const patron = panes.get(frame.chat_id)?.dataset.patron;
  if (patron) announce(`${patron}: ${frame.message}`);
});
live.on("chat.ended", (frame) => {
  transferStatus(frame.chat_id, "");
  markEnded(frame.chat_id, frame.message, frame.moved_on ? gettext("moved on") : gettext("ended"));
});
live.on("chat.targets", (frame) => {
  for (const select of document.querySelectorAll(".transfer-target")) {
    const chosen = select.value;
    const options = [
      new Option(gettext("Choose…"), ""),
      ...frame.operators.map((o) => new Option(o.name, `operator:${o.id}`)),
      ...frame.departments.map((d) => new Option(format(gettext("%(name)s (department queue)"), { name: d.name }), `department:${d.id}`)),
    ];
    select.replaceChildren(...options);
    select.value = options.some((option) => option.value === chosen) ? chosen : "";
  }
});
live.on("chat.alert", (frame) => {
  if (!signedInHere) return;
  const who = frame.chat.name || gettext("A patron");
  $("chat-alert").textContent = format(gettext("%(name)s has waited over 2 minutes: please claim the chat."), { name: who });
  notify({
    tone: "chat",
    title: gettext("A patron is still waiting"),
    body: $("chat-alert").textContent,
    tag: "libchat-waiting",
  });
  $("chat-alert").hidden = false;
  document.querySelector(`#waiting-list [data-chat-id="${frame.chat.id}"]`)?.classList.add("overdue");
});

live.send("patron.sync");
