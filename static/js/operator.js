// Patron chats on the dashboard's Chats tab, over the tab's one dashboard socket: the Waiting list
// (with a live waiting time), Claim Chat, and a pane per claimed chat with the pre-chat answers,
// messages, typing and End Chat. "hello" (every reconnect) re-syncs everything from the server.

import { createEditor, unansweredSends } from "./editor.js";
import { live } from "./live.js";
import { messageLineAdd } from "./message-line.js";
import { notificationsAsk, notify } from "./notify.js";

const $ = (id) => document.getElementById(id);
const myId = Number(document.body.dataset.operatorId);
const waiting = new Map(); // chat id -> summary
const panes = new Map(); // chat id -> article
const claiming = new Set(); // chats this page asked to claim: only these take the focus
const typingTimers = new Map();
const sends = unansweredSends(); // replies the server has not stored or refused yet

function announce(text) {
  $("announcer").textContent = text;
}

function waitedText(since) {
  const seconds = Math.max(0, Math.floor((Date.now() - Date.parse(since)) / 1000));
  return `waiting ${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
}

function renderWaiting() {
  const list = $("waiting-list");
  list.replaceChildren();
  for (const chat of waiting.values()) {
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
    const claim = document.createElement("button");
    claim.type = "button";
    claim.textContent = "Claim Chat";
    claim.setAttribute("aria-label", `Claim Chat with ${who.textContent}`);
    claim.addEventListener("click", () => {
      notificationsAsk(); // a click of ours, so the browser's prompt never interrupts another
      $("claim-notice").textContent = "";
      claiming.add(chat.id);
      live.send("patron.claim", { chat_id: chat.id });
    });
    item.append(who, preview, waited, claim);
    list.append(item);
  }
  $("waiting-empty").hidden = waiting.size > 0 || !$("waiting-paused").hidden;
  if (!waiting.size) $("chat-alert").hidden = true;
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

setInterval(() => {
  for (const waited of document.querySelectorAll("#waiting-list .waited")) {
    waited.textContent = waitedText(waited.dataset.since);
  }
}, 1000);

function addMessage(pane, message) {
  const item = messageLineAdd(pane.querySelector(".chat-messages"), message, pane.dataset.patron);
  if (item && message.sender === "patron") {
    pane.querySelector(".typing").textContent = "";
    announce(`${pane.dataset.patron}: ${item.textContent}`);
  }
}

function openPane(chat) {
  waiting.delete(chat.id);
  renderWaiting();
  let pane = panes.get(chat.id);
  if (!pane) {
    pane = $("operator-chat-template").content.firstElementChild.cloneNode(true);
    const patron = chat.name || "Patron";
    pane.dataset.chatId = chat.id;
    pane.dataset.patron = patron;
    pane.setAttribute("aria-label", `Chat with ${patron}`);
    pane.querySelector(".chat-title").textContent = `${patron} · ${chat.widget}`;
    pane.querySelector(".answer-name").textContent = chat.name || "—";
    pane.querySelector(".answer-email").textContent = chat.email || "—";
    pane.querySelector(".answer-question").textContent = chat.question || "—";
    wireCompose(pane, chat.id, patron);
    pane.querySelector(".transfer").addEventListener("toggle", (event) => {
      if (event.target.open) live.send("patron.targets");
    });
    pane.querySelector(".transfer-go").addEventListener("click", () => {
      const [kind, id] = pane.querySelector(".transfer-target").value.split(":");
      if (!id) return;
      live.send("patron.transfer", {
        chat_id: chat.id,
        [kind === "operator" ? "operator_id" : "department_id"]: Number(id),
        note: pane.querySelector(".transfer-note").value,
      });
    });
    pane.querySelector(".end-chat").addEventListener("click", () => {
      if (!pane.dataset.ended) {
        live.send("patron.end", { chat_id: chat.id, note: pane.querySelector(".end-note").value });
        return;
      }
      pane.remove();
      panes.delete(chat.id);
      showEmpty();
    });
    panes.set(chat.id, pane);
    $("my-chats").append(pane);
  }
  if (chat.note) {
    // Every sync brings the notes again: redrawn, one line per note (each transfer or end adds one).
    let note = pane.querySelector(".note");
    if (!note) {
      note = document.createElement("div");
      note.className = "note";
      pane.querySelector("dl").after(note);
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
  for (const message of chat.messages || []) addMessage(pane, message);
  showEmpty();
  return pane;
}

function showEmpty() {
  $("my-chats-empty").hidden = panes.size > 0;
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

function markEnded(chatId, text) {
  const pane = panes.get(chatId);
  if (!pane) return;
  pane.dataset.ended = "true";
  patronPresence(chatId, "");
  pane.querySelector(".typing").textContent = text;
  pane.querySelector(".compose").hidden = true;
  pane.querySelector(".transfer").hidden = true;
  pane.querySelector(".end-note").closest("label").hidden = true;
  pane.querySelector(".end-chat").textContent = "Close";
}

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
});
live.on("chat.opened", (frame) => {
  const pane = openPane(frame.chat);
  // The reply box takes the focus only for a chat this operator just claimed: a chat transferred
  // in arrives while they may be typing to another patron, whose words must stay where they are.
  if (claiming.delete(frame.chat.id)) pane.querySelector(".editor").focus();
  else $("claim-notice").textContent = `${frame.chat.name || "A patron"}'s chat was transferred to you.`;
});
live.on("chat.claim_failed", (frame) => {
  claiming.delete(frame.chat_id);
  waiting.delete(frame.chat_id);
  renderWaiting();
  $("claim-notice").textContent = frame.message;
});
live.on("chat.message", (frame) => {
  const pane = panes.get(frame.chat_id);
  if (pane) addMessage(pane, frame.message);
  else live.send("patron.sync");
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
      if (!pane.dataset.ended) pane.querySelector(".typing").textContent = "";
    }, 4000),
  );
});
// The patron's page closed or lost its connection (it may come back: a reload, a phone waking).
function patronPresence(chatId, text) {
  const line = panes.get(chatId)?.querySelector(".patron-presence");
  if (!line) return;
  line.textContent = text;
  line.hidden = !text;
}
live.on("chat.patron_away", (frame) => {
  const patron = panes.get(frame.chat_id)?.dataset.patron;
  patronPresence(frame.chat_id, `${patron} closed the chat or lost the connection. The chat ends if they do not come back.`);
});
live.on("chat.patron_here", (frame) => patronPresence(frame.chat_id, ""));
live.on("chat.ended", (frame) => markEnded(frame.chat_id, frame.message));
live.on("chat.targets", (frame) => {
  for (const select of document.querySelectorAll(".transfer-target")) {
    const options = [
      ...frame.operators.map((o) => new Option(o.name, `operator:${o.id}`)),
      ...frame.departments.map((d) => new Option(`${d.name} (department queue)`, `department:${d.id}`)),
    ];
    select.replaceChildren(...options);
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
