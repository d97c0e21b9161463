// Internal chat in the dashboard: room lists with unread badges, the chat pane (history and the
// editor of editor.js) and notifications. Messages come over the shared dashboard socket; on every
// (re)connect we send the last id held per room and get what we missed, shown once, in id order.

import { dateTimeText, format, gettext, ngettext } from "./i18n.js";
import { createEditor, editorDraftLoad, unansweredSends } from "./editor.js";
import { fileLink } from "./files.js";
import { requestJSON } from "./http.js";
import { live } from "./live.js";
import { mentionTypeahead } from "./mention-typeahead.js";
import { notificationsAsk, notify } from "./notify.js";
import { titleCountSet } from "./title.js";

const section = document.getElementById("internal-chat");
const $ = (id) => document.getElementById(id);
const myId = Number(document.body.dataset.operatorId);
const urlFor = (template, id) => template.replace("/0/", `/${id}/`);

// room id -> {loaded, lastId, firstId, hasMore, hasNewer, ids: Set}; hasNewer: the pane shows a
// window of the history (a search result's, a mention's) with newer messages below it.
const rooms = new Map();
const sends = unansweredSends(); // resent after a reconnect until the server answers
const announced = new Set();
let current = null; // the open room id

function room(id) {
  if (!rooms.has(id)) {
    rooms.set(id, {
      loaded: false, lastId: 0, firstId: null, hasMore: false, hasNewer: false, ids: new Set(),
    });
  }
  return rooms.get(id);
}

// ---- Lists and badges ------------------------------------------------------------------------

function entryFor(roomInfo) {
  // The page may list a room before it knows its id (a direct room opened by the other
  // operator, All Staff on a new site): match it by what it is, then remember the id.
  const byId = section.querySelector(`.room-link[data-room-id="${roomInfo.id}"]`);
  if (byId) return byId;
  let selector;
  if (roomInfo.kind === "direct") {
    const other = roomInfo.operator_ids.find((id) => id !== myId);
    selector = `.room-link[data-direct-operator="${other}"]`;
  } else if (roomInfo.kind === "department") {
    selector = `.room-link[data-department-id="${roomInfo.department_id}"]`;
  } else {
    selector = '.room-link[data-room-kind="all_staff"]';
  }
  const entry = section.querySelector(selector);
  if (entry) entry.dataset.roomId = roomInfo.id;
  return entry;
}

function setUnread(entry, count) {
  if (!entry) return;
  const badge = entry.querySelector(".badge");
  badge.dataset.unread = String(count);
  // The server counts up to 100 (internalchat.selectors.UNREAD_COUNTED): beyond 99 is "99+".
  badge.querySelector("[aria-hidden]").textContent = count > 99 ? "99+" : count;
  badge.querySelector(".visually-hidden").textContent = count > 99 ? gettext(", more than 99 unread") : format(gettext(", %(unread)s unread"), { unread: count });
  badge.hidden = count === 0;
  showTotal();
}

function unreadOf(entry) {
  return entry ? Number(entry.querySelector(".badge").dataset.unread) : 0;
}

function showTotal() {
  let total = 0;
  for (const badge of section.querySelectorAll(".room-link .badge")) {
    total += Number(badge.dataset.unread);
  }
  titleCountSet("internal", total);
}

// ---- Rendering -------------------------------------------------------------------------------

// A mention travels in a body as a token, @{o:ID} or @{d:ID}; the message says whom each names,
// with the name of the moment (message.mentions). Tokens become names in the text only, as text.
const TOKEN = /@\{([od]):(\d+)\}/g;

function mentionsMe(message) {
  return (message.mentioned_ids || []).includes(myId) && message.sender_id !== myId;
}

function mentionName(message, kind, id) {
  return `@${(message.mentions || {})[`${kind}:${id}`] ?? gettext("someone")}`;
}

function mentionsShown(container, message) {
  const walker = document.createTreeWalker(container, NodeFilter.SHOW_TEXT);
  const texts = [];
  while (walker.nextNode()) texts.push(walker.currentNode);
  for (const text of texts) {
    const parts = text.data.split(/(@\{[od]:\d+\})/);
    if (parts.length === 1) continue;
    text.replaceWith(
      ...parts.map((part) => {
        const token = /^@\{([od]):(\d+)\}$/.exec(part);
        if (!token) return part;
        const mention = document.createElement("span");
        mention.className = "mention";
        const [, kind, id] = token;
        if ((kind === "o" && Number(id) === myId) || (kind === "d" && mentionsMe(message))) {
          mention.classList.add("me");
        }
        mention.textContent = mentionName(message, kind, id);
        return mention;
      }),
    );
  }
}

function renderMessage(message) {
  const item = document.createElement("li");
  item.className = "message";
  item.dataset.messageId = message.id;
  if (message.sender_id === myId) item.classList.add("mine");
  const header = document.createElement("p");
  header.className = "meta";
  const who = document.createElement("strong");
  who.textContent = message.sender_name;
  const when = document.createElement("time");
  when.dateTime = message.created_at;
  when.textContent = dateTimeText(message.created_at);
  header.append(who, " ", when);
  const body = document.createElement("div");
  body.className = "body";
  body.innerHTML = message.body; // sanitised by the server (nh3 allowlist)
  mentionsShown(body, message);
  item.append(header, body);
  item.append(...message.attachments.map(fileLink));
  return item;
}

function lastShownId() {
  const last = $("chat-messages").lastElementChild;
  return last ? Number(last.dataset.messageId) : 0;
}

function insertMessage(message, fromHistory = false) {
  // Keep id order whatever order frames arrive in; never show a message twice. Below a window
  // of the history a newer message that arrives waits for "Load newer messages...".
  const state = room(message.room_id);
  if (state.ids.has(message.id)) return false;
  const below = current === message.room_id && state.hasNewer && message.id > lastShownId();
  if (below && !fromHistory) {
    state.lastId = Math.max(state.lastId, message.id);
    return true;
  }
  state.ids.add(message.id);
  state.lastId = Math.max(state.lastId, message.id);
  state.firstId = state.firstId === null ? message.id : Math.min(state.firstId, message.id);
  if (current !== message.room_id) return true;
  const list = $("chat-messages");
  const node = renderMessage(message);
  const after = [...list.children].find((li) => Number(li.dataset.messageId) > message.id);
  list.insertBefore(node, after || null);
  return true;
}

// ---- Reading ---------------------------------------------------------------------------------

function atBottom() {
  const history = $("chat-history");
  return history.scrollHeight - history.scrollTop - history.clientHeight < 40;
}

function inView(roomId) {
  return (
    current === roomId && document.visibilityState === "visible" && atBottom() &&
    !room(roomId).hasNewer
  );
}

function markRead() {
  if (current === null || room(current).hasNewer) return;
  const state = room(current);
  const entry = section.querySelector(`.room-link[data-room-id="${current}"]`);
  if (unreadOf(entry) === 0 || !state.lastId) return;
  live.send("room.read", { room_id: current, last_id: state.lastId });
  setUnread(entry, 0);
}

function scrollToEnd() {
  const history = $("chat-history");
  history.scrollTop = history.scrollHeight;
}

// ---- Notifications ---------------------------------------------------------------------------

function textOf(message) {
  const doc = new DOMParser().parseFromString(message.body, "text/html");
  return (doc.body.textContent || "").replace(TOKEN, (_, kind, id) => mentionName(message, kind, id));
}

// Who wrote, and where: "Alice in Reference"; in a one-to-one room the room is the writer, so
// only "Alice" (not "Alice in Alice").
function whoAndWhere(message, entry) {
  if (entry?.dataset.directOperator) return message.sender_name;
  const room = entry ? entry.dataset.roomName : gettext("Internal chat");
  return format(gettext("%(name)s in %(room)s"), { name: message.sender_name, room });
}

function announce(message, entry) {
  if (announced.has(message.id)) return;
  announced.add(message.id);
  const count = message.attachments.length;
  const files = count ? ` ${format(ngettext("(%(count)s file)", "(%(count)s files)", count), { count })}` : "";
  $("internal-announcer").textContent = `${whoAndWhere(message, entry)}: ${textOf(message)}${files}`;
}

// ---- Incoming --------------------------------------------------------------------------------

function receive(roomInfo, message) {
  const entry = entryFor(roomInfo);
  // Whether the reader was at the bottom before this message made the history taller: a line
  // taller than the margin (a card, a file, a time above it) would otherwise leave the room
  // unread, with a ring, in front of the reader.
  const wasAtBottom = current === message.room_id && atBottom();
  const isNew = insertMessage(message);
  if (!isNew || message.sender_id === myId) {
    if (current === message.room_id && message.sender_id === myId) scrollToEnd();
    return;
  }
  announce(message, entry);
  if (wasAtBottom) scrollToEnd();
  if (inView(message.room_id)) {
    setUnread(entry, unreadOf(entry) + 1);
    markRead();
  } else {
    setUnread(entry, unreadOf(entry) + 1);
    if (mentionsMe(message)) return; // mention.new rings, whether or not the room is listed
    notify({
      tone: "message",
      title: whoAndWhere(message, entry),
      body: textOf(message),
    });
  }
}

live.on("room.message", (frame) => receive(frame.room, frame.message));

live.on("room.sent", (frame) => sends.settle(frame.client_msg_id, true));

live.on("room.read", (frame) => {
  const entry = section.querySelector(`.room-link[data-room-id="${frame.room_id}"]`);
  if (frame.last_read_id >= room(frame.room_id).lastId) setUnread(entry, 0);
});

live.on("room.catch_up", (frame) => {
  for (const entry of frame.unread) {
    const link = entryFor(entry.room);
    if (link) setUnread(link, entry.unread);
  }
  for (const message of frame.messages) {
    if (insertMessage(message) && message.sender_id !== myId) {
      const link = section.querySelector(`.room-link[data-room-id="${message.room_id}"]`);
      announce(message, link);
    }
  }
  if (current !== null && inView(current)) markRead();
  if (!frame.complete) catchUp(); // more than one reply's worth was missed
});

function catchUp() {
  const lastIds = {};
  for (const [id, state] of rooms) if (state.loaded) lastIds[id] = state.lastId;
  live.send("room.catch_up", { rooms: lastIds });
}

live.on("hello", () => {
  // After every (re)connect: what did we miss, and resend what was never acknowledged.
  catchUp();
  for (const frame of sends.frames()) live.send("room.send", frame);
});

live.on("error", (frame) => {
  if (frame.chat_id !== undefined) return; // a patron chat's refusal shows in its own pane
  sends.settle(frame.client_msg_id, false); // not resent
  if (current !== null) $("chat-error").textContent = frame.message;
});

// ---- Opening rooms and history ---------------------------------------------------------------

function getJSON(url, options = {}) {
  return requestJSON(url, { csrf: section.dataset.csrf, ...options });
}

// The latest page, or the page before/after/around a message (`where`: {before|after|around}).
async function loadHistory(roomId, where = {}) {
  const url = new URL(urlFor(section.dataset.historyUrl, roomId), location.href);
  for (const [key, id] of Object.entries(where)) url.searchParams.set(key, id);
  const page = await getJSON(url);
  const state = room(roomId);
  state.loaded = true;
  if (!("after" in where)) state.hasMore = page.has_more;
  if (!("before" in where)) state.hasNewer = page.has_newer;
  for (const message of page.messages) insertMessage(message, true);
  if (current === roomId) {
    $("load-more").hidden = !state.hasMore;
    $("load-newer").hidden = !state.hasNewer;
  }
}

const mentionables = new Map(); // room id -> Promise of whom the editor may offer

function mentionableFor(roomId) {
  if (!mentionables.has(roomId)) {
    const url = urlFor(section.dataset.mentionableUrl, roomId);
    mentionables.set(roomId, getJSON(url).catch(() => ({ operators: [], departments: [] })));
  }
  return mentionables.get(roomId);
}

// Opens a room in the pane: its latest page, or (`around`) the messages around one message,
// that message highlighted. `entry` is its link in the lists (absent for a department the
// operator belongs to but does not monitor: then `roomInfo` and `name` say which).
async function openRoom(entry, { roomInfo = null, name = "", around = null } = {}) {
  notificationsAsk();
  // Where the cursor was: if the operator moves it while the room loads (opens Canned, say),
  // the room does not take it back when it is ready.
  const focusAtOpen = document.activeElement;
  const cursorStayed = () => [focusAtOpen, document.body, null].includes(document.activeElement);
  let roomId = entry ? Number(entry.dataset.roomId) : roomInfo.id;
  if (!roomId && !entry.dataset.directOperator) {
    throw new Error(gettext("This room is not ready yet; try again in a moment."));
  }
  if (!roomId) {
    const opened = await getJSON(urlFor(section.dataset.directUrl, entry.dataset.directOperator), {
      method: "POST",
    });
    roomId = opened.room.id;
    entry.dataset.roomId = roomId;
  }
  current = roomId;
  editorDraftLoad(editor); // each room keeps what was typed in it
  for (const link of section.querySelectorAll(".room-link")) {
    link.toggleAttribute("aria-current", link === entry);
  }
  $("chat-title").textContent = entry ? entry.dataset.roomName : name;
  const detail = entry ? { ...entry.dataset } : { roomId: String(roomId), roomName: name };
  document.dispatchEvent(new CustomEvent("libchat:room-opened", { detail }));
  $("chat-error").textContent = "";
  $("chat-messages").replaceChildren();
  $("chat-pane").hidden = false;
  typeahead.setCandidates({ operators: [], departments: [] });
  mentionableFor(roomId).then((who) => {
    if (current === roomId) typeahead.setCandidates(who);
  });
  // The pane shows one room: start its list afresh from the latest page or the window.
  const state = room(roomId);
  state.ids.clear();
  state.firstId = null;
  state.loaded = false;
  state.hasNewer = false;
  if (around) {
    await loadHistory(roomId, { around });
    const found = $("chat-messages").querySelector(`[data-message-id="${around}"]`);
    if (found) {
      found.classList.add("found");
      found.setAttribute("tabindex", "-1");
      found.scrollIntoView({ block: "center" });
      if (cursorStayed()) found.focus({ preventScroll: true });
      return;
    }
  } else {
    await loadHistory(roomId);
  }
  scrollToEnd();
  markRead();
  if (cursorStayed()) editor.focus();
}

function openAt(roomInfo, name, messageId) {
  const entry = entryFor(roomInfo);
  return openRoom(entry, { roomInfo, name, around: messageId });
}

section.addEventListener("click", (event) => {
  const entry = event.target.closest(".room-link");
  if (entry) {
    openRoom(entry).catch((error) => { $("chat-error").textContent = error.message; });
    return;
  }
  const members = event.target.closest(".members-button");
  if (members) {
    const list = $(members.getAttribute("aria-controls"));
    list.hidden = !list.hidden;
    members.setAttribute("aria-expanded", String(!list.hidden));
  }
});

$("load-more").addEventListener("click", async () => {
  const history = $("chat-history");
  const fromBottom = history.scrollHeight - history.scrollTop;
  await loadHistory(current, { before: room(current).firstId });
  history.scrollTop = history.scrollHeight - fromBottom;
});

$("load-newer").addEventListener("click", async () => {
  await loadHistory(current, { after: lastShownId() });
  if (!room(current).hasNewer && inView(current)) markRead();
});

$("chat-history").addEventListener("scroll", () => {
  if (atBottom()) markRead();
});
document.addEventListener("visibilitychange", () => {
  if (current !== null && inView(current)) markRead();
});

// ---- Search ----------------------------------------------------------------------------------

function resultItem(result) {
  const item = document.createElement("li");
  const open = document.createElement("button");
  open.type = "button";
  open.className = "found-link";
  const who = document.createElement("strong");
  who.textContent = result.sender_name;
  const when = document.createElement("time");
  when.dateTime = result.created_at;
  when.textContent = dateTimeText(result.created_at);
  open.append(who, ` ${format(gettext("in %(room)s"), { room: result.room_name })} · `, when);
  const snippet = document.createElement("p");
  snippet.className = "snippet";
  // Escaped by the server, the matching words in <mark> (internalchat/search.py).
  snippet.innerHTML = result.snippet;
  open.append(snippet);
  open.addEventListener("click", () => {
    openAt(result.room, result.room_name, result.message_id).catch((error) => {
      $("chat-error").textContent = error.message;
    });
  });
  item.append(open);
  return item;
}

$("internal-search").addEventListener("submit", async (event) => {
  event.preventDefault();
  const url = new URL(section.dataset.searchUrl, location.href);
  url.searchParams.set("q", $("internal-search-query").value);
  const list = $("internal-search-list");
  const status = $("internal-search-status");
  $("internal-search-results").hidden = false;
  status.textContent = gettext("Searching…");
  list.replaceChildren();
  try {
    const { results } = await getJSON(url);
    list.replaceChildren(...results.map(resultItem));
    status.textContent = results.length
      ? format(ngettext("%(count)s message found, newest first.", "%(count)s messages found, newest first.", results.length), { count: results.length })
      : gettext("No messages found.");
  } catch (error) {
    status.textContent = error.message;
  }
});

$("internal-search-close").addEventListener("click", () => {
  $("internal-search-results").hidden = true;
  $("internal-search-list").replaceChildren();
  $("internal-search-query").focus();
});

// ---- Mentions --------------------------------------------------------------------------------

function mentionsBadge(change) {
  const badge = $("mentions-badge");
  const count = Math.max(0, Number(badge.dataset.unread) + change);
  badge.dataset.unread = String(count);
  badge.querySelector("[aria-hidden]").textContent = count;
  badge.querySelector(".visually-hidden").textContent = `, ${count} unread`;
  badge.hidden = count === 0;
}

function mentionRead(link) {
  if (!link.classList.contains("unread")) return;
  link.classList.remove("unread");
  link.querySelector(".visually-hidden")?.remove();
  mentionsBadge(-1);
}

function mentionItem(frame) {
  const item = document.createElement("li");
  const link = document.createElement("button");
  link.type = "button";
  link.className = "mention-link unread";
  Object.assign(link.dataset, {
    mentionId: frame.mention_id,
    messageId: frame.message.id,
    roomId: frame.room.id,
    roomName: frame.room_name,
  });
  const who = document.createElement("strong");
  who.textContent = frame.message.sender_name;
  const unread = document.createElement("span");
  unread.className = "visually-hidden";
  unread.textContent = gettext("(unread)");
  const text = document.createElement("span");
  text.className = "mention-text";
  text.textContent = textOf(frame.message).slice(0, 80);
  link.append(who, ` ${format(gettext("in %(room)s"), { room: frame.room_name })} `, unread, text);
  item.append(link);
  return item;
}

live.on("mention.new", (frame) => {
  // The sender's server named the room in the sender's language; All Staff is named here.
  if (frame.room.kind === "all_staff") frame.room_name = gettext("All Staff");
  const list = $("mentions-list");
  if (list.querySelector(`[data-mention-id="${frame.mention_id}"]`)) return;
  list.prepend(mentionItem(frame));
  list.querySelector(".empty").hidden = true;
  mentionsBadge(1);
  if (inView(frame.room.id)) {
    // Read where it appeared.
    live.send("mention.read", { mention_ids: [frame.mention_id] });
    return;
  }
  notify({
    tone: "mention",
    title: format(gettext("%(name)s mentioned you in %(room)s"), { name: frame.message.sender_name, room: frame.room_name }),
    body: textOf(frame.message),
    tag: `mention-${frame.mention_id}`,
  });
});

live.on("mention.read", (frame) => {
  for (const id of frame.mention_ids) {
    const link = $("mentions-list").querySelector(`[data-mention-id="${id}"]`);
    if (link) mentionRead(link);
  }
});

$("mentions-list").addEventListener("click", (event) => {
  const link = event.target.closest(".mention-link");
  if (!link) return;
  const id = Number(link.dataset.mentionId);
  if (link.classList.contains("unread")) {
    live.send("mention.read", { mention_ids: [id] });
    mentionRead(link);
  }
  const roomInfo = section.querySelector(`.room-link[data-room-id="${link.dataset.roomId}"]`);
  const target = { id: Number(link.dataset.roomId) };
  const opening = roomInfo
    ? openRoom(roomInfo, { around: Number(link.dataset.messageId) })
    : openRoom(null, { roomInfo: target, name: link.dataset.roomName,
      around: Number(link.dataset.messageId) });
  opening.catch((error) => { $("chat-error").textContent = error.message; });
});

// ---- Editor ----------------------------------------------------------------------------------

const typeahead = mentionTypeahead(
  section.querySelector('[data-part="editor"]'),
  $("mention-suggestions"),
);

const editor = createEditor(section.querySelector("[data-editor]"), {
  send(body) {
    if (current === null) return false;
    const frame = { room_id: current, body, client_msg_id: crypto.randomUUID() };
    const answer = sends.expect(frame);
    live.send("room.send", frame);
    return answer;
  },
  fileUrl: () => (current === null ? null : urlFor(section.dataset.fileUrl, current)),
  showError(message) {
    $("chat-error").textContent = message;
  },
  draftKey: () => (current === null ? null : `room:${current}`),
  onInput: () => typeahead.update(),
  onKeydown: (event) => typeahead.keydown(event),
});

showTotal();
