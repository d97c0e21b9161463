// Canned replies in a reply editor (editor.js): the Canned button opens a searchable list, and
// "/" typed at the start of the reply box opens the same list, filtered by what follows it.
// Up/Down move, Enter inserts (the operator can still edit before sending), Escape closes.
// The server fills each reply's variables for the conversation the editor is in, so the list
// is asked for each time it opens; it belongs to its editor, so it stays on its own chat
// whatever arrives meanwhile, and nothing but the operator's own keys moves the focus.

import { format, gettext } from "./i18n.js";

// "/" then what is being searched, from the very start of the box up to the caret.
const SLASH = /^\/([^\n]{0,40})$/u;
const MAX_SHOWN = 50;

function plainText(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  return template.content.textContent;
}

// Replies whose shortcut, title or text hold every word typed; a shortcut that starts with
// what was typed comes first.
function matching(replies, typed) {
  const query = typed.trim().toLowerCase();
  if (!query) return replies.slice(0, MAX_SHOWN);
  const words = query.split(/\s+/u);
  const found = replies.filter((reply) => words.every((word) => reply.haystack.includes(word)));
  const first = found.filter((reply) => reply.shortcut && reply.shortcut.startsWith(query));
  return [...first, ...found.filter((reply) => !first.includes(reply))].slice(0, MAX_SHOWN);
}

// part(name): the editor's parts; getJSON: a same-origin fetch of JSON; params(): the query
// that names the conversation (e.g. {chat: 12}); insert(fragment, range): puts the reply where
// the caret is (range: what it replaces, the "/" and the search).
export function cannedPicker({ editor, part, url, getJSON, params, insert }) {
  const button = part("canned-button");
  const popup = part("canned-popup");
  const search = part("canned-search");
  const list = part("canned-list");
  const status = part("canned-status");
  let mode = null; // null (closed), "button" or "slash"
  let replies = null; // loaded for this opening
  let shown = [];
  let active = 0;
  let opening = 0; // which opening a late answer belongs to
  let dismissed = false; // Escape closed the "/" list: not again until the "/" is gone
  let enterWhileLoading = false; // "/hi" and Enter before the list came: pick once it comes

  function slashAtCaret() {
    const selection = getSelection();
    if (!selection.rangeCount || !selection.isCollapsed) return null;
    const { startContainer: node, startOffset: offset } = selection.getRangeAt(0);
    if (node.nodeType !== Node.TEXT_NODE || node !== editor.firstChild) return null;
    const match = SLASH.exec(node.data.slice(0, offset));
    return match ? { node, end: offset, query: match[1] } : null;
  }

  const owner = () => (mode === "slash" ? editor : search);

  function highlight(index) {
    active = index;
    [...list.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    const item = list.children[index];
    if (item) {
      owner().setAttribute("aria-activedescendant", item.id);
      item.scrollIntoView({ block: "nearest" });
    } else {
      owner().removeAttribute("aria-activedescendant");
    }
  }

  function render() {
    if (replies === null) return;
    const typed = mode === "slash" ? slashAtCaret()?.query ?? "" : search.value;
    shown = matching(replies, typed);
    list.replaceChildren(
      ...shown.map((reply) => {
        const item = document.createElement("li");
        item.id = `${list.id}-${reply.id}`;
        item.setAttribute("role", "option");
        const title = document.createElement("span");
        title.className = "canned-title";
        title.textContent = reply.title;
        const about = document.createElement("span");
        about.className = "canned-about";
        about.textContent = [reply.shortcut && `/${reply.shortcut}`, reply.scope]
          .filter(Boolean)
          .join(" · ");
        item.append(title, " ", about);
        // mousedown, not click: the editor (or the search box) keeps its caret
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(reply);
        });
        return item;
      }),
    );
    list.hidden = !shown.length;
    status.textContent = shown.length ? "" : gettext("No canned reply found.");
    highlight(0);
  }

  async function load() {
    const mine = ++opening;
    replies = null;
    list.replaceChildren();
    list.hidden = true;
    status.textContent = gettext("Loading canned replies…");
    const address = new URL(url, location.href);
    for (const [name, value] of Object.entries(params())) address.searchParams.set(name, value);
    try {
      const answer = await getJSON(address);
      if (mine !== opening) return;
      replies = answer.replies.map((reply) => ({
        ...reply,
        haystack: `${reply.shortcut} ${reply.title} ${plainText(reply.body)}`.toLowerCase(),
      }));
      render();
      if (enterWhileLoading && shown.length) pick(shown[active]);
      enterWhileLoading = false;
    } catch (error) {
      enterWhileLoading = false;
      if (mine === opening) status.textContent = format(gettext("Canned replies could not be loaded: %(error)s"), { error: error.message });
    }
  }

  function open(how) {
    mode = how;
    enterWhileLoading = false;
    popup.hidden = false;
    button.setAttribute("aria-expanded", "true");
    search.hidden = how === "slash";
    if (how === "button") {
      search.value = "";
      search.focus();
    }
    load();
  }

  function close({ focusEditor = false } = {}) {
    if (mode === null) return;
    owner().removeAttribute("aria-activedescendant");
    mode = null;
    opening += 1;
    popup.hidden = true;
    button.setAttribute("aria-expanded", "false");
    list.replaceChildren();
    shown = [];
    if (focusEditor) editor.focus();
  }

  function pick(reply) {
    const template = document.createElement("template");
    template.innerHTML = reply.body; // sanitised by the server when stored, variables escaped
    let range = null;
    const typed = mode === "slash" ? slashAtCaret() : null;
    if (typed) {
      range = document.createRange();
      range.setStart(typed.node, 0);
      range.setEnd(typed.node, typed.end);
    }
    close();
    insert(template.content, range);
  }

  function keydown(event) {
    if (mode === null) return false;
    if (event.key === "Escape") {
      dismissed = mode === "slash";
      close({ focusEditor: true });
    } else if (event.key === "ArrowDown" || event.key === "ArrowUp") {
      if (!shown.length) return false;
      const step = event.key === "ArrowDown" ? 1 : -1;
      highlight((active + step + shown.length) % shown.length);
    } else if (event.key === "Enter" && !event.shiftKey && shown.length) {
      pick(shown[active]);
    } else if (event.key === "Enter" && !event.shiftKey && replies === null) {
      // Not yet loaded: this Enter is for the list, never a send of the bare "/hi".
      enterWhileLoading = true;
    } else {
      return false;
    }
    event.preventDefault();
    return true;
  }

  button.addEventListener("click", () => {
    if (mode === "button") close({ focusEditor: true });
    else open("button");
  });
  search.addEventListener("input", render);
  search.addEventListener("keydown", keydown);
  popup.addEventListener("focusout", (event) => {
    const to = event.relatedTarget;
    if (mode === "button" && to && !popup.contains(to) && to !== button) close();
  });
  editor.addEventListener("blur", (event) => {
    if (mode === "slash" && !popup.contains(event.relatedTarget)) close();
  });

  editor.setAttribute("aria-haspopup", "listbox");
  editor.setAttribute("aria-autocomplete", "list");
  const controls = (editor.getAttribute("aria-controls") || "").split(" ").filter(Boolean);
  editor.setAttribute("aria-controls", [...controls, list.id].join(" "));

  return {
    // After each change in the box: "/" at its start opens the list, and what follows filters it.
    update() {
      if (mode === "button") return;
      const typed = slashAtCaret();
      if (!typed) dismissed = false;
      if (!typed || dismissed) {
        if (mode === "slash") close();
      } else if (mode === "slash") {
        render();
      } else {
        open("slash");
      }
    },
    keydown,
    close,
  };
}
