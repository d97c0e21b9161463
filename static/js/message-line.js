// One message of a patron chat as both sides show it (operator.js on the dashboard, patron.js in
// the widget; chats/transcript.html renders the same): who said it, its body, its files.

import { fileLink } from "./files.js";
import { dateTimeText, langMark, timeText } from "./i18n.js";

// When it was sent, in the reader's own clock: <time datetime="…">14:05</time>.
function sentAt(iso) {
  const time = document.createElement("time");
  time.className = "sent-at";
  time.dateTime = iso;
  time.textContent = timeText(iso);
  time.title = dateTimeText(iso);
  return time;
}

// Adds the message to the list in id order, once; returns its <li>, or null if already shown.
// `patron` names the patron's lines ("You" on their own page); `patronLanguage`, their widget's
// language, marks what they wrote when the page speaks another.
export function messageLineAdd(list, message, patron, patronLanguage = "") {
  if (list.querySelector(`[data-id="${message.id}"]`)) return null;
  const item = document.createElement("li");
  item.dataset.id = message.id;
  item.className = `from-${message.sender}`;
  if (message.created_at) item.append(sentAt(message.created_at), " ");
  if (message.sender !== "system") {
    const who = document.createElement("span");
    who.className = "who";
    who.textContent = `${message.sender === "patron" ? patron : message.operator}:`;
    item.append(who, " ");
  }
  const text = document.createElement("span");
  text.className = "body";
  // HTML the server made safe (libchat/core/richtext.py): no script, handler or style survives.
  // Files arrive as data, not HTML.
  text.innerHTML = message.body;
  if (message.sender === "patron") langMark(text, patronLanguage);
  item.append(text, ...message.attachments.map(fileLink));
  const later = [...list.children].find((li) => Number(li.dataset.id) > message.id);
  list.insertBefore(item, later || null);
  list.scrollTop = list.scrollHeight;
  return item;
}
