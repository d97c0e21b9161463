// The @-typeahead of the internal chat editor: typing "@" and the start of a name offers the
// room's members (and its department) in a listbox under the editor; Up/Down move, Enter or Tab
// picks, Escape closes. A pick becomes a non-editable mention that editor.js sends as @{o:ID}.
// The page gives the candidates for the open room (see internalchat.js).

import { format, gettext } from "./i18n.js";

const TYPED = /(?:^|\s)@([^\s@]{0,40})$/u;

export function mentionTypeahead(editor, list) {
  let candidates = []; // [{token: "o:12", name: "Alice", kind: "operator" | "department"}]
  let shown = [];
  let active = 0;
  let typed = null; // {node, start, end}: the "@text" being completed

  function close() {
    list.hidden = true;
    list.replaceChildren();
    shown = [];
    typed = null;
    editor.removeAttribute("aria-activedescendant");
  }

  function highlight(index) {
    active = index;
    [...list.children].forEach((item, i) => item.setAttribute("aria-selected", String(i === index)));
    editor.setAttribute("aria-activedescendant", list.children[index].id);
  }

  function show() {
    list.replaceChildren(
      ...shown.map((candidate, i) => {
        const item = document.createElement("li");
        item.id = `mention-option-${i}`;
        item.setAttribute("role", "option");
        item.textContent = candidate.kind === "department"
          ? format(gettext("@%(name)s (everyone in the department)"), { name: candidate.name })
          : `@${candidate.name}`;
        // mousedown, not click: the editor keeps its caret
        item.addEventListener("mousedown", (event) => {
          event.preventDefault();
          pick(candidate);
        });
        return item;
      }),
    );
    list.hidden = false;
    highlight(0);
  }

  // What is typed between an "@" and the caret, in the caret's text node.
  function typedAtCaret() {
    const selection = getSelection();
    if (!selection.rangeCount || !selection.isCollapsed) return null;
    const { startContainer: node, startOffset: offset } = selection.getRangeAt(0);
    if (node.nodeType !== Node.TEXT_NODE || !editor.contains(node)) return null;
    const match = TYPED.exec(node.data.slice(0, offset));
    if (!match) return null;
    return { node, start: offset - match[1].length - 1, end: offset, query: match[1] };
  }

  function update() {
    typed = typedAtCaret();
    if (!typed || !candidates.length) return close();
    const query = typed.query.toLowerCase();
    const kept = typed;
    shown = candidates
      .filter((c) => c.name.toLowerCase().split(/\s+/).some((w) => w.startsWith(query))
        || c.name.toLowerCase().startsWith(query))
      .slice(0, 8);
    if (!shown.length) {
      close();
      return;
    }
    typed = kept;
    show();
  }

  function pick(candidate) {
    const { node, start, end } = typed;
    const range = document.createRange();
    range.setStart(node, start);
    range.setEnd(node, end);
    range.deleteContents();
    const mention = document.createElement("span");
    mention.className = "mention";
    mention.contentEditable = "false";
    mention.dataset.mention = candidate.token;
    mention.textContent = `@${candidate.name}`;
    const space = document.createTextNode("\u00a0");
    range.insertNode(space);
    range.insertNode(mention);
    const selection = getSelection();
    const caret = document.createRange();
    caret.setStart(space, 1);
    caret.collapse(true);
    selection.removeAllRanges();
    selection.addRange(caret);
    close();
    editor.focus();
  }

  editor.setAttribute("aria-autocomplete", "list");
  editor.setAttribute("aria-controls", list.id);
  // A textbox may say it has a listbox popup, not whether it is open (aria-expanded is for a
  // combobox); the options it points to with aria-activedescendant say that.
  editor.setAttribute("aria-haspopup", "listbox");
  editor.addEventListener("blur", () => setTimeout(close, 150));

  return {
    // The room's candidates; [] turns the typeahead off (All Staff for a non-admin).
    setCandidates({ operators, departments }) {
      candidates = [
        ...departments.map((d) => ({ token: `d:${d.id}`, name: d.name, kind: "department" })),
        ...operators.map((o) => ({ token: `o:${o.id}`, name: o.name, kind: "operator" })),
      ];
      // They may arrive after an "@" was typed: offer them at once.
      if (document.activeElement === editor) update();
      else close();
    },
    update,
    // editor.js's onKeydown: true when the key was the typeahead's.
    keydown(event) {
      if (list.hidden || !shown.length) return false;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        const step = event.key === "ArrowDown" ? 1 : -1;
        highlight((active + step + shown.length) % shown.length);
      } else if (event.key === "Enter" || event.key === "Tab") {
        pick(shown[active]);
      } else if (event.key === "Escape") {
        close();
      } else {
        return false;
      }
      event.preventDefault();
      return true;
    },
    close,
  };
}
