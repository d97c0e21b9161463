// The patron's side of a chat in the widget iframe: the pre-chat form starts it, then one socket
// per chat (ws/widget/<token>/) carries the queue position, messages, typing and the end.
// The token lives in sessionStorage (never a cookie: third-party cookies may be blocked), or
// where that is blocked too in the page's URL fragment, and with the embedding page (savedToken),
// so a reload of the iframe or of the library's page resumes the chat. After a reconnect the page
// asks for messages after the last id it has and re-sends what was never confirmed (the server
// stores each client_msg_id once).

import { tellEmbedder } from "./embedder.js";
import { format, gettext, ngettext } from "./i18n.js";
import { lengthRefusal } from "./limits.js";
import { patronScreenshare } from "./screenshare-patron.js";
import { LiveSocket } from "./socket.js";
import { messageLineAdd } from "./message-line.js";
import { chatStateShow, widgetHoldOffline } from "./widget-state.js";

const $ = (id) => document.getElementById(id);
const body = document.body;
const widgetId = body.dataset.widgetId;
const storageKey = `libchat-chat-${widgetId}`;

// Where the chat's token is kept so a reload resumes the chat: the iframe's sessionStorage. A
// browser that blocks third-party storage with third-party cookies (Chromium does) throws on
// any use of it; the token then lives in this page's URL fragment instead, which survives a
// reload of the iframe and is never sent to a server. The embedding page (embed.js) is told the
// token too and keeps it in its own, first-party sessionStorage: when the library's page reloads
// or the patron moves to another of its pages, it puts the token back into this page's fragment.
const savedToken = {
  get() {
    let token = null;
    try {
      token = sessionStorage.getItem(storageKey);
    } catch {
      // refused: the fragment is all there is
    }
    return token || new URLSearchParams(location.hash.slice(1)).get("chat");
  },
  set(token) {
    try {
      sessionStorage.setItem(storageKey, token);
    } catch {
      history.replaceState(null, "", `#chat=${encodeURIComponent(token)}`);
    }
    tellEmbedder("chat_token", { token });
  },
  clear() {
    try {
      sessionStorage.removeItem(storageKey);
    } catch {
      // refused: nothing was kept there
    }
    if (location.hash) history.replaceState(null, "", location.pathname + location.search);
    tellEmbedder("chat_token", { token: null }); // the next visit starts a new chat
  },
};

const CLOSE_UNKNOWN_CHAT = 4404;

// Where the patron asks from, as embed.js put it in this page's fragment: the library page (only
// when the widget is set to send it) and the patron id the library's pages keep. Read once, at
// load: the fragment may later hold the chat's token alone. Sent with the pre-chat form only.
const fragment = new URLSearchParams(location.hash.slice(1));
const askedFrom = { page: fragment.get("page") || "", patron: fragment.get("patron") || "" };

let socket = null;
let lastId = 0;
let hasEmail = false;
let typingTimer = null;
let lastTypingSent = 0;
let replyTo = "patron-rating-error"; // where an error frame goes once the chat has ended
const outbox = new Map(); // client_msg_id -> text, until the server echoes it
const screenshare = patronScreenshare(() => socket);

function status(text) {
  $("patron-status").textContent = text;
}

function showState(frame) {
  if ("has_email" in frame) hasEmail = frame.has_email;
  if (frame.state === "waiting" && frame.position) {
    chatStateShow("waiting");
    status(format(
      ngettext("You are number %(position)s in line", "You are number %(position)s in line", frame.position),
      { position: frame.position },
    ));
  } else if (frame.state === "active" && frame.operator) {
    chatStateShow("active");
    status(format(gettext("You are chatting with %(name)s"), { name: frame.operator }));
  }
}

function addMessage(message) {
  if (!messageLineAdd($("patron-messages"), message, gettext("You"))) return;
  lastId = Math.max(lastId, message.id);
  if (message.sender === "patron") outbox.delete(message.client_msg_id);
  if (message.sender === "operator") $("patron-typing").textContent = "";
}

// A chat restored while the widget is still closed (the library's page reloaded) is drawn in a
// list with no height, where scrolling does nothing: when the patron opens the widget, the
// list gets its height and shows its latest lines.
let listHeight = 0;
new ResizeObserver(([entry]) => {
  if (!listHeight) entry.target.scrollTop = entry.target.scrollHeight;
  listHeight = entry.contentRect.height;
}).observe($("patron-messages"));

// The question from the pre-chat form opens the patron's side of the conversation, as theirs.
// It is stored once, on the chat, so it comes with the chat's state, as HTML made safe by the
// server like the patron's messages (id 0: before any message).
function showQuestion(question, askedAt) {
  if (question) {
    addMessage({ id: 0, sender: "patron", body: question, created_at: askedAt, attachments: [] });
  }
}

function showChat() {
  body.dataset.chat = "open";
  $("patron-end").parentElement.hidden = false;
  $("patron-end-confirm").hidden = true;
  $("patron-chat").hidden = false;
  $("patron-ended").hidden = true;
}

function showEnded(message) {
  // The socket stays open for the rating; a reconnect to an ended chat is refused anyway.
  // The conversation stays on screen, read-only, so the patron can still read the answers.
  savedToken.clear();
  body.dataset.chat = "ended";
  chatStateShow("ended");
  status("");
  $("patron-typing").textContent = "";
  $("patron-ended").hidden = false;
  $("patron-ended-title").textContent = message;
  // The message box and End Chat are gone: a cursor that was in the chat goes to what follows.
  const inChat = $("patron-chat").contains(document.activeElement) || document.activeElement === body;
  if (document.hasFocus() && inChat) {
    $("patron-ended-title").focus();
  }
  $("patron-email-row").hidden = !hasEmail;
}

function backToForm(message) {
  savedToken.clear();
  socket?.stop();
  delete body.dataset.chat;
  chatStateShow(null);
  $("patron-chat").hidden = true;
  $("patron-ended").hidden = true;
  $("prechat-error").textContent = message || "";
}

const handlers = {
  ...screenshare.handlers,
  "chat.hello"(frame) {
    showState(frame);
    showQuestion(frame.question, frame.question_at);
    screenshare.hello(frame);
    socket.send("sync", { after: lastId });
    for (const [clientMsgId, text] of outbox) {
      socket.send("send", { body: text, client_msg_id: clientMsgId });
    }
  },
  "chat.history"(frame) {
    frame.messages.forEach(addMessage);
    showState(frame);
  },
  "chat.queue"(frame) {
    showState({ state: "waiting", position: frame.position });
  },
  "chat.requeued"(frame) {
    chatStateShow("waiting");
    status(frame.message);
  },
  "chat.transferred"(frame) {
    chatStateShow("waiting");
    status(format(gettext("You were transferred to %(department)s. Please wait…"), { department: frame.department }));
  },
  "chat.claimed"(frame) {
    showState({ state: "active", operator: frame.operator });
  },
  "chat.message"(frame) {
    addMessage(frame.message);
    // The library's page shows a closed widget's button with "New reply" (embed.js).
    if (frame.message.sender === "operator") tellEmbedder("operator_reply", {});
  },
  "chat.typing"(frame) {
    $("patron-typing").textContent = format(gettext("%(name)s is typing…"), { name: frame.operator });
    clearTimeout(typingTimer);
    typingTimer = setTimeout(() => {
      $("patron-typing").textContent = "";
    }, 4000);
  },
  "chat.ended"(frame) {
    if (frame.widget_online === false) widgetHoldOffline();
    showEnded(frame.message);
  },
  "chat.emailed"(frame) {
    $("patron-email-row").hidden = true;
    $("patron-emailed").textContent = format(gettext("The transcript was sent to %(email)s."), { email: frame.to });
  },
  "chat.rated"() {
    const hadFocus = $("patron-rating").contains(document.activeElement);
    $("patron-rating").hidden = true;
    $("patron-rated").hidden = false;
    if (hadFocus) $("patron-rated").focus();
  },
  error(frame) {
    if (screenshare.error(frame)) return;
    // An unknown token names no chat, so no language either: the page says it in its own.
    if (frame.code === "unknown_chat") backToForm(gettext("This chat has ended. Start a new chat."));
    else if (body.dataset.chat === "ended") $(replyTo).textContent = frame.message;
    else status(frame.message);
  },
};

function open(token) {
  showChat();
  status(gettext("Connecting…"));
  socket = new LiveSocket(`/ws/widget/${encodeURIComponent(token)}/`, handlers, {
    onStateChange(state, code) {
      body.dataset.chatSocket = state;
      if (state !== "closed") return;
      if (code === CLOSE_UNKNOWN_CHAT || body.dataset.chat === "ended") socket.stop();
      else if (!$("patron-chat").hidden) status(gettext("Reconnecting…"));
    },
  });
}

const form = document.querySelector("form.prechat");
form?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { response, answer } = await postForm(`/widget/${widgetId}/chat/`, form, "prechat-error", askedFrom);
  if (response?.status !== 201) return;
  savedToken.set(answer.token);
  lastId = 0;
  $("patron-messages").replaceChildren();
  outbox.clear();
  open(answer.token);
  $("patron-input").focus(); // Start Chat: the next thing to do is write
});

$("patron-compose").addEventListener("submit", (event) => {
  event.preventDefault();
  const input = $("patron-input");
  const text = input.value.trim();
  if (!text) return;
  // Refused here, as the server would refuse it, so the whole text stays to be shortened.
  const refused = lengthRefusal(text, Number(input.dataset.maxChars));
  $("patron-compose-error").textContent = refused;
  if (refused) return;
  const clientMsgId = crypto.randomUUID();
  // Plain text, as typed: the server stores it escaped, its line breaks as <br>.
  outbox.set(clientMsgId, text);
  socket.send("send", { body: text, client_msg_id: clientMsgId });
  input.value = "";
});

$("patron-input").addEventListener("keydown", (event) => {
  if (event.key === "Enter" && !event.shiftKey) {
    event.preventDefault();
    $("patron-compose").requestSubmit();
  }
});

$("patron-input").addEventListener("input", () => {
  $("patron-compose-error").textContent = "";
  if (Date.now() - lastTypingSent < 2000) return;
  lastTypingSent = Date.now();
  socket?.send("typing");
});

// End Chat asks first, in the widget itself rather than with window.confirm, whose dialog in a
// frame from another site names LibChat's address and which browsers may suppress there.
function endConfirm(asking) {
  $("patron-end").parentElement.hidden = asking;
  $("patron-end-confirm").hidden = !asking;
  $(asking ? "patron-end-keep" : "patron-end").focus();
}

$("patron-end").addEventListener("click", () => endConfirm(true));
$("patron-end-keep").addEventListener("click", () => endConfirm(false));
$("patron-end-confirm").addEventListener("keydown", (event) => {
  if (event.key !== "Escape") return;
  event.preventDefault(); // this Escape answers the question; it does not close the widget
  endConfirm(false);
});
$("patron-end-yes").addEventListener("click", () => {
  if (!socket.send("end")) status(gettext("Not connected: try again in a moment."));
});

$("patron-rating").addEventListener("submit", (event) => {
  event.preventDefault();
  // Either may be left out, not both; the server says so.
  const chosen = new FormData(event.target).get("rating");
  const rating = chosen === null ? null : Number(chosen);
  const error = $("patron-rating-error");
  replyTo = error.id;
  error.textContent = socket.send("rate", { rating, comment: $("patron-comment").value })  ? "" : gettext("Not connected.");
});

async function postForm(url, form, errorId, extra = {}) {
  $(errorId).textContent = "";
  const data = new FormData(form);
  for (const [name, value] of Object.entries(extra)) if (value) data.set(name, value);
  try {
    const response = await fetch(url, { method: "POST", body: data });
    const answer = await response.json();
    // Not for this patron, whatever the widget's status says: the page shows its offline side.
    if (response.status === 403) widgetHoldOffline();
    if (!response.ok) {
      const errors = answer.errors ? Object.values(answer.errors).flat() : [answer.message];
      $(errorId).textContent = errors.join(" ") || gettext("That did not work. Try again.");
    }
    return { response, answer };
  } catch {
    $(errorId).textContent = gettext("Could not reach the library. Check your connection.");
    return { response: null, answer: {} };
  }
}

$("offline-ticket-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { response, answer } = await postForm(`/widget/${widgetId}/ticket/`, event.target, "ticket-error", {
    patron: askedFrom.patron,
  });
  if (response?.status !== 201) return;
  event.target.hidden = true;
  $("ticket-sent").textContent = answer.message;
  $("ticket-sent").hidden = false;
});

$("patron-email").addEventListener("click", () => {
  replyTo = "patron-emailed";
  if (!socket.send("email_transcript")) $("patron-emailed").textContent = gettext("Not connected.");
});

$("patron-new-chat").addEventListener("click", () => backToForm(""));

const saved = savedToken.get();
if (saved) open(saved);
