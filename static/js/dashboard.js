// The dashboard shell: live header indicators, status menu, sign-out confirmation, command bar.

import { format, gettext } from "./i18n.js";
import { live } from "./live.js";
import "./ticket-count.js";

const STATUS_LABELS = {
  online: gettext("Online"),
  internal: gettext("Internal"),
  away: gettext("Away"),
  offline: gettext("Offline"),
};
const ENDED_MESSAGES = {
  replaced: gettext("You were signed out of LibChat: you signed in at another location."),
  ended_by_admin: gettext("An admin ended your LibChat session."),
  logged_out: gettext("You logged out of the site in another tab."),
  scheduled: gettext("You were signed out of LibChat at the desk's closing time."),
};

const $ = (id) => document.getElementById(id);
const myId = Number(document.body.dataset.operatorId);

function announce(text) {
  $("announcer").textContent = text;
}

function setDot(dot, status) {
  dot.className = `dot status-${status}`;
  dot.dataset.status = status;
}

function showGlobal(online) {
  const el = $("libchat-global");
  el.textContent = online ? gettext("LibChat is Online") : gettext("LibChat is Offline");
  el.classList.toggle("is-online", online);
  el.classList.toggle("is-offline", !online);
}

// Three states: offline, signed in here, or signed in in another browser. Only the browser that
// holds the session gets the status menu; another one is offered "Sign in here".
function showMe(signedIn, signedInHere, status) {
  const here = signedIn && signedInHere;
  const elsewhere = signedIn && !signedInHere;
  $("me-offline").hidden = signedIn;
  $("me-online").hidden = !here;
  $("me-elsewhere").hidden = !elsewhere;
  $("status-form").hidden = !here;
  $("sign-out-link").hidden = !here;
  $("menu-sign-in-button").hidden = signedIn;
  $("menu-sign-in-here").hidden = !elsewhere;
  const shown = here ? status : "offline";
  $("me-status").textContent = STATUS_LABELS[shown].toLowerCase(); // "You are away: Go Chat"
  setDot($("my-dot"), shown);
  const label = elsewhere ? gettext("Signed in at another location") : STATUS_LABELS[shown];
  $("status-menu-button").setAttribute("aria-label", format(gettext("Your status: %(status)s"), { status: label }));
}

function showOperator(presence) {
  for (const row of document.querySelectorAll(`[data-presence-operator="${presence.id}"]`)) {
    const dot = row.querySelector(".dot");
    if (dot) setDot(dot, presence.shown_status);
    const label = row.querySelector(".status-label");
    if (label) label.textContent = STATUS_LABELS[presence.shown_status];
  }
}

function showEnded(reason, message) {
  showMe(reason === "replaced", false, "offline");
  $("sign-off-notice").hidden = true;
  $("banner-text").textContent =
    message || ENDED_MESSAGES[reason] || gettext("Your LibChat session ended.");
  $("banner").hidden = false;
  announce($("banner-text").textContent);
}

live.on("hello", (frame) => {
  showGlobal(frame.libchat_online);
  showMe(frame.me.signed_in, frame.me.signed_in_here, frame.me.status);
});
live.on("presence.changed", (frame) => {
  showGlobal(frame.libchat_online);
  for (const presence of frame.operators) {
    if (presence.id === myId) showMe(presence.signed_in, presence.signed_in_here, presence.status);
    showOperator(presence); // rows naming this operator, our own in a department's Members too
  }
});
live.on("session.ended", (frame) => showEnded(frame.reason, frame.message));
// A desk's scheduled sign-off: the warning a minute before, or "when your last chat ends".
live.on("session.sign_off", (frame) => {
  const notice = $("sign-off-notice");
  notice.hidden = false;
  notice.textContent = frame.message; // a role=alert region: read out as it changes
});
live.on("error", (frame) => announce(frame.message));

$("banner-reload").addEventListener("click", () => location.reload());

// Status menu
const menuButton = $("status-menu-button");
const menu = $("status-menu");
function toggleMenu(open) {
  menu.hidden = !open;
  menuButton.setAttribute("aria-expanded", String(open));
  if (open) menu.querySelector("[role=menuitem]:not([hidden])")?.focus();
}
menuButton.addEventListener("click", () => toggleMenu(menu.hidden));
document.addEventListener("click", (event) => {
  if (!menu.hidden && !menu.contains(event.target) && !menuButton.contains(event.target)) {
    toggleMenu(false);
  }
});
menu.addEventListener("keydown", (event) => {
  if (event.key === "Escape") {
    toggleMenu(false);
    menuButton.focus();
  }
});

// Sign out asks first
const signOutDialog = $("sign-out-dialog");
function confirmSignOut() {
  toggleMenu(false);
  signOutDialog.showModal();
}
$("sign-out-link").addEventListener("click", (event) => {
  event.preventDefault();
  confirmSignOut();
});
$("cancel-sign-out").addEventListener("click", () => signOutDialog.close());

// Command bar
const bar = $("command-bar");
const input = $("command-input");
// A page may add commands of its own (the Chats tab: "Claim next waiting chat", one per chat
// to find a chat by patron name); they are read each time the bar filters, and the page hears
// them as a "libchat:command" event naming the command.
const commandOptions = () => [...document.querySelectorAll("#command-list [data-command]")];
const commands = {
  connect: () => $("sign-in").closest("form").requestSubmit(),
  disconnect: confirmSignOut,
  "status-online": () => setStatus("online"),
  "status-internal": () => setStatus("internal"),
  "status-away": () => setStatus("away"),
  "go-chats": () => { location.href = "/dashboard/"; },
  "go-settings": () => { location.href = "/dashboard/settings/"; },
};

function setStatus(status) {
  const form = $("status-form");
  form.requestSubmit(form.querySelector(`button[value="${status}"]`));
}

// A status change goes over the socket when it is open, so the page stays as it is; the
// presence event that follows updates the dot. Without a socket the form posts as usual.
$("status-form").addEventListener("submit", (event) => {
  const status = event.submitter?.value;
  if (status && live.send("set_status", { status })) {
    event.preventDefault();
    toggleMenu(false);
  }
});

function visibleOptions() {
  return commandOptions().filter((option) => !option.hidden);
}

function highlight(option) {
  for (const o of commandOptions()) o.setAttribute("aria-selected", String(o === option));
}

function filterCommands() {
  // Each typed word must start a word of the command: "conn" finds Connect, not Disconnect.
  const typed = input.value.toLowerCase().split(/[\s>:]+/).filter(Boolean);
  for (const option of commandOptions()) {
    const words = option.textContent.toLowerCase().split(/[\s>:]+/).filter(Boolean);
    option.hidden = !typed.every((t) => words.some((word) => word.startsWith(t)));
  }
  highlight(visibleOptions()[0]);
  $("command-empty").hidden = visibleOptions().length > 0;
}

function openBar() {
  input.value = "";
  filterCommands();
  bar.showModal();
  input.focus();
}

function run(option) {
  if (!option) return;
  bar.close();
  const command = commands[option.dataset.command];
  if (command) command();
  else document.dispatchEvent(new CustomEvent("libchat:command", { detail: option.dataset.command }));
}

$("open-command-bar").addEventListener("click", openBar);
document.addEventListener("keydown", (event) => {
  if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === "k") {
    event.preventDefault();
    if (bar.open) bar.close();
    else openBar();
  }
});
input.addEventListener("input", filterCommands);
input.addEventListener("keydown", (event) => {
  const visible = visibleOptions();
  const current = visible.findIndex((o) => o.getAttribute("aria-selected") === "true");
  if (event.key === "ArrowDown" || event.key === "ArrowUp") {
    event.preventDefault();
    const step = event.key === "ArrowDown" ? 1 : -1;
    highlight(visible[(current + step + visible.length) % visible.length]);
  } else if (event.key === "Enter") {
    event.preventDefault();
    run(visible[Math.max(current, 0)]);
  }
});
$("command-list").addEventListener("click", (event) => run(event.target.closest("[data-command]")));
