// Internal chat in the dashboard: room lists with unread badges, the chat pane (history, editor,
// emoji, files, FAQs) and notifications. Messages come over the shared dashboard socket; on every
// (re)connect we send the last id held per room and get what we missed, shown once, in id order.

import { live } from "./live.js";

const section = document.getElementById("internal-chat");
const $ = (id) => document.getElementById(id);
const myId = Number(document.body.dataset.operatorId);
const baseTitle = document.title;
const urlFor = (template, id) => template.replace("/0/", `/${id}/`);

const rooms = new Map(); // room id -> {loaded, lastId, firstId, hasMore, ids: Set}
const pending = new Map(); // client_msg_id -> frame not yet acknowledged
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
  badge.querySelector("[aria-hidden]").textContent = count;
  badge.querySelector(".visually-hidden").textContent = `, ${count} unread`;
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
  document.title = total > 0 ? `(${total}) LibChat` : baseTitle;
}

// ---- Rendering -------------------------------------------------------------------------------

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
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
  when.textContent = new Date(message.created_at).toLocaleString();
  header.append(who, " ", when);
  const body = document.createElement("div");
  body.className = "body";
  body.innerHTML = message.body; // sanitised by the server (nh3 allowlist)
  item.append(header, body);
  for (const file of message.attachments) {
    const link = document.createElement("a");
    link.className = "attachment";
    link.href = file.url;
    link.setAttribute("download", file.name);
    if (file.is_image) {
      const thumb = document.createElement("img");
      thumb.className = "thumb";
      thumb.src = file.url;
      thumb.alt = file.name;
      link.append(thumb);
    }
    link.append(`${file.name} (${formatSize(file.size)})`);
    item.append(link);
  }
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

function beep() {
  const Context = window.AudioContext || window.webkitAudioContext;
  if (!Context) return;
  const context = new Context();
  const tone = context.createOscillator();
  const gain = context.createGain();
  tone.frequency.value = 880;
  gain.gain.value = 0.05;
  tone.connect(gain).connect(context.destination);
  tone.start();
  tone.stop(context.currentTime + 0.15);
}

function notify(message, roomName) {
  if (section.dataset.notifySound === "true") beep();
  if (section.dataset.notifyDesktop === "true" && "Notification" in window
      && Notification.permission === "granted") {
    new Notification(`${message.sender_name} in ${roomName}`, { body: textOf(message.body) });
  }
}

function askNotificationPermission() {
  if (section.dataset.notifyDesktop === "true" && "Notification" in window
      && Notification.permission === "default") {
    Notification.requestPermission();
  }
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
    notify(message, roomName);
  }
}

live.on("room.message", (frame) => receive(frame.room, frame.message));

live.on("room.sent", (frame) => {
  pending.delete(frame.client_msg_id);
});

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
  for (const frame of pending.values()) live.send("room.send", frame);
});

live.on("error", (frame) => {
  if (current !== null) $("chat-error").textContent = frame.message;
});

// ---- Opening rooms and history ---------------------------------------------------------------

async function getJSON(url, options = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    ...options,
    headers: { "X-CSRFToken": section.dataset.csrf, ...(options.headers || {}) },
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || `The server said ${response.status}.`);
  return data;
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
  askNotificationPermission();
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
  $("editor").focus();
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

const editor = $("editor");
let savedRange = null;

function bodyHTML() {
  // Lines the browser wraps in <div>s become <br>s; the server keeps b/i/u/br/a and FAQ cards.
  const copy = editor.cloneNode(true);
  for (const block of copy.querySelectorAll("div:not(.faq-card), p")) {
    block.before(document.createElement("br"));
    block.replaceWith(...block.childNodes);
  }
  for (const [from, to] of [["strong", "b"], ["em", "i"]]) {
    for (const node of copy.querySelectorAll(from)) {
      const replacement = document.createElement(to);
      replacement.append(...node.childNodes);
      node.replaceWith(replacement);
    }
  }
  return copy.innerHTML.replace(/^(<br>)+/, "").trim();
}

function send() {
  if (current === null) return;
  const body = bodyHTML();
  if (!editor.textContent.trim() && !editor.querySelector(".faq-card")) return;
  const frame = { room_id: current, body, client_msg_id: crypto.randomUUID() };
  pending.set(frame.client_msg_id, frame);
  live.send("room.send", frame);
  $("chat-error").textContent = "";
  editor.replaceChildren();
  editor.focus();
}

function format(command) {
  editor.focus();
  document.execCommand(command);
}

editor.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    send();
  } else if ((event.ctrlKey || event.metaKey) && ["b", "i", "u"].includes(event.key.toLowerCase())) {
    event.preventDefault();
    format({ b: "bold", i: "italic", u: "underline" }[event.key.toLowerCase()]);
  }
});
editor.addEventListener("blur", () => {
  const selection = getSelection();
  if (selection.rangeCount) savedRange = selection.getRangeAt(0);
});
for (const button of section.querySelectorAll("[data-format]")) {
  button.addEventListener("click", () => format(button.dataset.format));
}
$("send-button").addEventListener("click", send);

function insertAtCaret(node) {
  editor.focus();
  const selection = getSelection();
  let range = savedRange && editor.contains(savedRange.startContainer) ? savedRange : null;
  if (!range) {
    range = document.createRange();
    range.selectNodeContents(editor);
    range.collapse(false);
  }
  range.deleteContents();
  range.insertNode(node);
  range.setStartAfter(node);
  range.collapse(true);
  selection.removeAllRanges();
  selection.addRange(range);
  savedRange = range;
}

function togglePopup(button, popup, open = popup.hidden) {
  popup.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
}

// Emoji picker: vendored, loaded on first use, its data served from our own static files.
$("emoji-button").addEventListener("click", async () => {
  const popup = $("emoji-popup");
  if (!popup.firstElementChild) {
    await import(section.dataset.emojiModule);
    const picker = document.createElement("emoji-picker");
    picker.dataSource = section.dataset.emojiData;
    picker.addEventListener("emoji-click", (event) => {
      insertAtCaret(document.createTextNode(event.detail.unicode));
      togglePopup($("emoji-button"), popup, false);
    });
    popup.append(picker);
  }
  togglePopup($("emoji-button"), popup);
});

// Files go out at once, each as its own message.
$("attach-button").addEventListener("click", () => $("attach-input").click());
$("attach-input").addEventListener("change", async () => {
  const input = $("attach-input");
  for (const file of input.files) {
    const form = new FormData();
    form.append("file", file);
    form.append("client_msg_id", crypto.randomUUID());
    try {
      await getJSON(urlFor(section.dataset.fileUrl, current), { method: "POST", body: form });
      $("chat-error").textContent = "";
    } catch (error) {
      $("chat-error").textContent = `${file.name}: ${error.message}`;
    }
  }
  input.value = "";
});

// FAQs: search the public FAQ groups and insert one as a card with its link.
let faqTimer = null;
$("faq-button").addEventListener("click", () => {
  togglePopup($("faq-button"), $("faq-popup"));
  if (!$("faq-popup").hidden) $("faq-search").focus();
});
$("faq-search").addEventListener("input", () => {
  clearTimeout(faqTimer);
  faqTimer = setTimeout(searchFaqs, 200);
});

async function searchFaqs() {
  const url = new URL(section.dataset.faqUrl, location.href);
  url.searchParams.set("q", $("faq-search").value);
  const { faqs } = await getJSON(url);
  const results = $("faq-results");
  results.replaceChildren();
  for (const faq of faqs) {
    const button = document.createElement("button");
    button.type = "button";
    button.textContent = faq.question;
    button.addEventListener("click", () => {
      insertAtCaret(faqCard(faq));
      togglePopup($("faq-button"), $("faq-popup"), false);
    });
    const item = document.createElement("li");
    item.append(button);
    results.append(item);
  }
  if (!faqs.length) results.textContent = "No FAQ found.";
}

function faqCard(faq) {
  const card = document.createElement("div");
  card.className = "faq-card";
  const question = document.createElement("b");
  question.textContent = faq.question;
  card.append(question, document.createElement("br"), faq.answer);
  if (faq.link) {
    const link = document.createElement("a");
    link.href = faq.link;
    link.textContent = faq.link;
    card.append(document.createElement("br"), link);
  }
  return card;
}

showTotal();
