// Internal chat in the dashboard: room lists with unread badges, the chat pane (history and the
// editor of editor.js) and notifications. Messages come over the shared dashboard socket; on every
// (re)connect we send the last id held per room and get what we missed, shown once, in id order.

import { createEditor, editorDraftLoad, unansweredSends } from "./editor.js";
import { fileLink } from "./files.js";
import { requestJSON } from "./http.js";
import { live } from "./live.js";
import { notificationsAsk, notify } from "./notify.js";
import { titleCountSet } from "./title.js";

const section = document.getElementById("internal-chat");
const $ = (id) => document.getElementById(id);
const myId = Number(document.body.dataset.operatorId);
const urlFor = (template, id) => template.replace("/0/", `/${id}/`);

const rooms = new Map(); // room id -> {loaded, lastId, firstId, hasMore, ids: Set}
const sends = unansweredSends(); // resent after a reconnect until the server answers
const announced = new Set();
let current = null; // the open room id

function room(id) {
  if (!rooms.has(id)) {
    rooms.set(id, { loaded: false, lastId: 0, firstId: null, hasMore: false, ids: new Set() });
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
  badge.querySelector(".visually-hidden").textContent = `, ${count > 99 ? "more than 99" : count} unread`;
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
  when.textContent = new Date(message.created_at).toLocaleString();
  header.append(who, " ", when);
  const body = document.createElement("div");
  body.className = "body";
  body.innerHTML = message.body; // sanitised by the server (nh3 allowlist)
  item.append(header, body);
  item.append(...message.attachments.map(fileLink));
  return item;
}

function insertMessage(message) {
  // Keep id order whatever order frames arrive in; never show a message twice.
  const state = room(message.room_id);
  if (state.ids.has(message.id)) return false;
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
  return current === roomId && document.visibilityState === "visible" && atBottom();
}

function markRead() {
  if (current === null) return;
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

function textOf(html) {
  const doc = new DOMParser().parseFromString(html, "text/html");
  return doc.body.textContent || "";
}

function announce(message, roomName) {
  if (announced.has(message.id)) return;
  announced.add(message.id);
  const files = message.attachments.length ? ` (${message.attachments.length} file)` : "";
  $("internal-announcer").textContent =
    `${message.sender_name} in ${roomName}: ${textOf(message.body)}${files}`;
}

// ---- Incoming --------------------------------------------------------------------------------

function receive(roomInfo, message) {
  const entry = entryFor(roomInfo);
  const isNew = insertMessage(message);
  if (!isNew || message.sender_id === myId) {
    if (current === message.room_id && message.sender_id === myId) scrollToEnd();
    return;
  }
  const roomName = entry ? entry.dataset.roomName : "Internal chat";
  announce(message, roomName);
  const wasAtBottom = current === message.room_id && atBottom();
  if (wasAtBottom) scrollToEnd();
  if (inView(message.room_id)) {
    setUnread(entry, unreadOf(entry) + 1);
    markRead();
  } else {
    setUnread(entry, unreadOf(entry) + 1);
    notify({
      tone: "message",
      title: `${message.sender_name} in ${roomName}`,
      body: textOf(message.body),
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
      announce(message, link ? link.dataset.roomName : "Internal chat");
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

async function loadHistory(roomId, beforeId) {
  const url = new URL(urlFor(section.dataset.historyUrl, roomId), location.href);
  if (beforeId) url.searchParams.set("before", beforeId);
  const page = await getJSON(url);
  const state = room(roomId);
  state.loaded = true;
  state.hasMore = page.has_more;
  for (const message of page.messages) insertMessage(message);
  if (current === roomId) $("load-more").hidden = !state.hasMore;
}

async function openRoom(entry) {
  notificationsAsk();
  let roomId = Number(entry.dataset.roomId);
  if (!roomId && !entry.dataset.directOperator) {
    throw new Error("This room is not ready yet; try again in a moment.");
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
  $("chat-title").textContent = entry.dataset.roomName;
  document.dispatchEvent(new CustomEvent("libchat:room-opened", { detail: { ...entry.dataset } }));
  $("chat-error").textContent = "";
  $("chat-messages").replaceChildren();
  $("chat-pane").hidden = false;
  // The pane shows one room: start its list afresh from the latest page.
  const state = room(roomId);
  state.ids.clear();
  state.firstId = null;
  state.loaded = false;
  await loadHistory(roomId);
  scrollToEnd();
  markRead();
  editor.focus();
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
  await loadHistory(current, room(current).firstId);
  history.scrollTop = history.scrollHeight - fromBottom;
});

$("chat-history").addEventListener("scroll", () => {
  if (atBottom()) markRead();
});
document.addEventListener("visibilitychange", () => {
  if (current !== null && inView(current)) markRead();
});

// ---- Editor ----------------------------------------------------------------------------------

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
});

showTotal();
