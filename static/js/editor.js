// The message editor of internal chat and of the operator's reply in a patron chat
// (markup: templates/editor/editor.html): B/I/U and Ctrl+B/I/U, the vendored emoji picker loaded
// on first use, FAQ cards, canned replies (canned-picker.js), files, and Send Message (Enter
// sends, Shift+Enter adds a line).
// The page decides what sending a message and where sending a file mean.
// What is typed and not yet sent is kept per conversation for the tab's session (a reload gives
// it back); what is sent and not yet answered by the server is shown as "Waiting to send".

import { format, gettext } from "./i18n.js";
import { cannedPicker } from "./canned-picker.js";
import { requestJSON } from "./http.js";
import { lengthRefusal } from "./limits.js";

const SHORTCUTS = { b: "bold", i: "italic", u: "underline" };

// A pane cloned from a <template> carries the template's ids: give them a suffix of their own
// and keep the ARIA references among them pointing at the right elements.
function uniqueIds(root, suffix) {
  const renamed = new Map();
  for (const node of root.querySelectorAll("[id]")) {
    renamed.set(node.id, `${node.id}-${suffix}`);
    node.id = renamed.get(node.id);
  }
  for (const name of ["aria-controls", "aria-describedby", "aria-labelledby", "for"]) {
    for (const node of root.querySelectorAll(`[${name}]`)) {
      const ids = node.getAttribute(name).split(" ");
      node.setAttribute(name, ids.map((id) => renamed.get(id) || id).join(" "));
    }
  }
}

// The browser's contenteditable markup, as the server keeps it: lines the browser wraps in
// <div>s become <br>s, <strong>/<em> become <b>/<i>; b/i/u/br/a and FAQ cards survive nh3.
export function bodyHTML(editor) {
  const copy = editor.cloneNode(true);
  // A mention a page inserted (internal chat's @-typeahead) goes out as its token, @{o:ID}.
  for (const mention of copy.querySelectorAll("[data-mention]")) {
    mention.replaceWith(`@{${mention.dataset.mention}}`);
  }
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

// The page's side of options.send: sends the server has not answered yet, by client_msg_id.
// expect(frame) gives the Promise that send returns; settle(clientMsgId, accepted) resolves it
// when the server stores the message (room.sent, chat.sent) or refuses it (an error frame
// naming the id). frames() are the unanswered sends, for a page that sends them again after
// a reconnect (the server stores each client_msg_id once).
export function unansweredSends() {
  const waiting = new Map(); // client_msg_id -> {frame, resolve}
  return {
    expect(frame) {
      return new Promise((resolve) => waiting.set(frame.client_msg_id, { frame, resolve }));
    },
    settle(clientMsgId, accepted) {
      waiting.get(clientMsgId)?.resolve(accepted);
      waiting.delete(clientMsgId);
    },
    frames: () => [...waiting.values()].map((send) => send.frame),
  };
}

// A sent message the server has not answered yet: listed under the conversation at once when
// the socket is down (it goes when the socket is back), else only if the answer is slow.
const SLOW_ANSWER_MS = 1000;

function outboxShow(outbox, text, answered) {
  const item = document.createElement("li");
  const body = document.createElement("span");
  body.textContent = text;
  const state = document.createElement("span");
  state.className = "outbox-state";
  state.textContent = gettext("Waiting to send");
  item.append(body, " ", state);
  const show = () => {
    outbox.append(item);
    outbox.hidden = false;
  };
  const timer = setTimeout(show, document.body.dataset.socket === "open" ? SLOW_ANSWER_MS : 0);
  answered.then(() => {
    clearTimeout(timer);
    item.remove();
    outbox.hidden = !outbox.firstChild;
  });
}

// Drafts live in sessionStorage under the page's key for the conversation (one per tab, gone
// with it); the markup is the editor's own, put back as it was.
const DRAFT_PREFIX = "libchat-draft:";
const drafts = new WeakMap(); // editor element -> its loadDraft()

// For a page whose one editor serves several conversations (internal chat's rooms): after the
// conversation changed (options.draftKey() names the new one), show that conversation's draft.
export function editorDraftLoad(editor) {
  drafts.get(editor)?.();
}

// For a page that hands the editor's text to the server itself (a form post): the draft is the
// server's to keep from then on.
export function editorDraftForget(key) {
  sessionStorage.removeItem(DRAFT_PREFIX + key);
}

function togglePopup(button, popup, open = popup.hidden) {
  popup.hidden = !open;
  button.setAttribute("aria-expanded", String(open));
}

// options.send(body) sends the message's HTML and answers false when it could not (the text
// stays), or a Promise of whether the server accepted it (a refused text comes back; see
// unansweredSends; until it is answered the message shows as "Waiting to send");
// options.fileUrl() is where a file is POSTed (null: nowhere yet); options.showError shows a
// refusal ("" clears it); options.onInput runs on every change (typing indicators);
// options.onKeydown sees each key first and answers true when it handled it (a typeahead's
// arrows, Enter and Escape); options.draftKey() names the conversation whose draft the editor
// holds (null: none); options.cannedParams() names it to the server that fills canned replies'
// variables (e.g. {chat: 12}; {}: no patron chat); options.enterSends false makes Enter add a
// line (a page whose own buttons send, such as a ticket's Send Answer).
export function createEditor(
  root,
  {
    send,
    fileUrl,
    showError,
    onInput = () => {},
    onKeydown = () => false,
    idSuffix,
    draftKey = () => null,
    cannedParams = () => ({}),
    enterSends = true,
  },
) {
  if (idSuffix !== undefined) uniqueIds(root, idSuffix);
  const part = (name) => root.querySelector(`[data-part="${name}"]`);
  const editor = part("editor");
  const getJSON = (url, options = {}) => requestJSON(url, { csrf: root.dataset.csrf, ...options });
  let savedRange = null;

  function saveDraft() {
    const key = draftKey();
    if (key === null) return;
    const empty = !editor.textContent.trim() && !editor.querySelector(".faq-card");
    if (empty) sessionStorage.removeItem(DRAFT_PREFIX + key);
    else sessionStorage.setItem(DRAFT_PREFIX + key, editor.innerHTML);
  }

  function loadDraft() {
    const key = draftKey();
    editor.innerHTML = (key !== null && sessionStorage.getItem(DRAFT_PREFIX + key)) || "";
  }

  drafts.set(editor, loadDraft);
  loadDraft();
  // The page renders the box read-only: typing starts once this script holds it.
  editor.contentEditable = "true";
  editor.removeAttribute("aria-readonly");

  // The server refuses an empty or over-long message; say so here and keep the text, so
  // nothing typed is lost. The limit counts characters of the markup, as the server does.
  function refusal(body) {
    if (!editor.textContent.trim() && !editor.querySelector(".faq-card")) {
      return gettext("Type a message first.");
    }
    return lengthRefusal(body, Number(root.dataset.maxChars));
  }

  function submit() {
    const body = bodyHTML(editor);
    const refused = refusal(body);
    showError(refused);
    if (refused) return;
    const typed = [...editor.childNodes];
    const typedHTML = editor.innerHTML;
    const text = editor.innerText.trim();
    const key = draftKey();
    const outcome = send(body);
    if (outcome === false) return;
    canned.close();
    editor.replaceChildren();
    saveDraft();
    editor.focus();
    if (outcome instanceof Promise) outboxShow(part("outbox"), text, outcome);
    // A page that hears the server's answer returns a Promise: a refused message comes back
    // into the editor, before anything typed since (into the draft of its conversation when
    // the editor shows another one by then).
    Promise.resolve(outcome).then((accepted) => {
      if (accepted !== false) return;
      if (draftKey() !== key) {
        const later = sessionStorage.getItem(DRAFT_PREFIX + key);
        sessionStorage.setItem(DRAFT_PREFIX + key, typedHTML + (later ? `<br>${later}` : ""));
        return;
      }
      if (editor.firstChild) typed.push(document.createElement("br"));
      editor.prepend(...typed);
      saveDraft();
    });
  }

  function formatApply(command) {
    editor.focus();
    document.execCommand(command);
  }

  editor.addEventListener("keydown", (event) => {
    if (canned.keydown(event) || onKeydown(event)) return;
    const key = event.key.toLowerCase();
    if (event.key === "Enter" && !event.shiftKey && enterSends) {
      event.preventDefault();
      submit();
    } else if ((event.ctrlKey || event.metaKey) && key in SHORTCUTS) {
      event.preventDefault();
      formatApply(SHORTCUTS[key]);
    }
  });
  editor.addEventListener("input", () => {
    showError("");
    saveDraft();
    canned.update();
    onInput();
  });
  editor.addEventListener("blur", () => {
    const selection = getSelection();
    if (selection.rangeCount) savedRange = selection.getRangeAt(0);
  });
  for (const button of root.querySelectorAll("[data-format]")) {
    button.addEventListener("click", () => formatApply(button.dataset.format));
  }
  part("send").addEventListener("click", submit);

  // node: an element, a text or a fragment; range: what it replaces (default: the caret, or
  // where it was when the editor lost the focus, or the end).
  function insertAtCaret(node, range = null) {
    editor.focus();
    const selection = getSelection();
    range ??= savedRange && editor.contains(savedRange.startContainer) ? savedRange : null;
    if (!range) {
      range = document.createRange();
      range.selectNodeContents(editor);
      range.collapse(false);
    }
    const last = node instanceof DocumentFragment ? node.lastChild : node;
    range.deleteContents();
    range.insertNode(node);
    if (last) range.setStartAfter(last);
    range.collapse(true);
    selection.removeAllRanges();
    selection.addRange(range);
    savedRange = range;
    saveDraft();
    onInput();
  }

  const canned = cannedPicker({
    editor,
    part,
    url: root.dataset.cannedUrl,
    getJSON,
    params: cannedParams,
    insert: insertAtCaret,
  });

  // Emoji picker: vendored, loaded on first use, its data served from our own static files.
  const emojiButton = part("emoji-button");
  emojiButton.addEventListener("click", async () => {
    const popup = part("emoji-popup");
    if (!popup.firstElementChild) {
      await import(root.dataset.emojiModule);
      const picker = document.createElement("emoji-picker");
      picker.dataSource = root.dataset.emojiData;
      picker.addEventListener("emoji-click", (event) => {
        insertAtCaret(document.createTextNode(event.detail.unicode));
        togglePopup(emojiButton, popup, false);
      });
      popup.append(picker);
    }
    togglePopup(emojiButton, popup);
  });

  // Files go out at once, each as its own message.
  const input = part("attach-input");
  part("attach-button").addEventListener("click", () => input.click());
  input.addEventListener("change", async () => {
    const url = fileUrl();
    for (const file of url ? input.files : []) {
      const form = new FormData();
      form.append("file", file);
      form.append("client_msg_id", crypto.randomUUID());
      try {
        await getJSON(url, { method: "POST", body: form });
        showError("");
      } catch (error) {
        showError(format(gettext("%(file)s: %(error)s"), { file: file.name, error: error.message }));
      }
    }
    input.value = "";
  });

  // FAQs: search the public FAQ groups and insert one as a card with its link.
  const faqButton = part("faq-button");
  const faqPopup = part("faq-popup");
  const faqSearch = part("faq-search");
  let faqTimer = null;
  faqButton.addEventListener("click", () => {
    togglePopup(faqButton, faqPopup);
    if (!faqPopup.hidden) faqSearch.focus();
  });
  faqSearch.addEventListener("input", () => {
    clearTimeout(faqTimer);
    faqTimer = setTimeout(searchFaqs, 200);
  });

  async function searchFaqs() {
    const url = new URL(root.dataset.faqUrl, location.href);
    url.searchParams.set("q", faqSearch.value);
    const { faqs } = await getJSON(url);
    const results = part("faq-results");
    results.replaceChildren();
    for (const faq of faqs) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = faq.question;
      button.addEventListener("click", () => {
        insertAtCaret(faqCard(faq));
        togglePopup(faqButton, faqPopup, false);
      });
      const item = document.createElement("li");
      item.append(button);
      results.append(item);
    }
    if (!faqs.length) results.textContent = gettext("No FAQ found.");
  }

  return editor;
}
