// How many open tickets the operator's widgets have, in the header and on the console's Tickets
// link: asked when the page opens, again after every reconnect (what changed while the socket was
// down), and whenever a dashboard hears that its widgets' tickets changed. A new ticket rings
// like a waiting chat.
import { format, gettext, ngettext } from "./i18n.js";
import { live } from "./live.js";
import { notify } from "./notify.js";

const header = document.getElementById("open-tickets");

async function countShow() {
  if (!header) return;
  let open;
  try {
    const response = await fetch(header.dataset.url, { credentials: "same-origin" });
    if (!response.ok) return;
    ({ open } = await response.json());
  } catch {
    return; // the next change or reconnect asks again
  }
  const words = format(ngettext("%(count)s open ticket", "%(count)s open tickets", open), { count: open });
  header.hidden = open === 0;
  header.querySelector(".count").textContent = words;
  const rail = document.getElementById("rail-tickets");
  if (rail) rail.textContent = open ? format(gettext("Tickets (%(count)s)"), { count: open }) : gettext("Tickets");
  document.body.dataset.openTickets = String(open);
}

live.on("hello", countShow);
live.on("tickets.changed", (frame) => {
  countShow();
  if (frame.new) notify({ tone: "chat", title: gettext("A new ticket"), body: gettext("A patron left a question for your widgets."), tag: "libchat-ticket" });
});
