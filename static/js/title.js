// The browser tab's title counts what the operator has not read yet, from every part of the
// page together: "(3) Chats · LibChat" for 2 patron messages and 1 internal message.
//   import { titleCountSet } from "./title.js";   titleCountSet("internal", 1);

const baseTitle = document.title;
const counts = new Map(); // source -> unread

export function titleCountSet(source, count) {
  counts.set(source, count);
  let total = 0;
  for (const value of counts.values()) total += value;
  document.title = total > 0 ? `(${total}) ${baseTitle}` : baseTitle;
}
