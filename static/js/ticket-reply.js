// A ticket's reply box is the chat editor (bold, italic, links, FAQ cards, canned replies), with
// the page's own buttons: Send Answer and Add note post the form with what the editor holds.
// Enter adds a line here: an email is not a chat line. What is typed is kept in the tab as a
// draft, so a reload (or a tab restored) keeps a half-written answer; once posted, it is the
// server's: sent, or back in the page after a refusal, which goes back into the editor.
import { bodyHTML, createEditor, editorDraftForget } from "./editor.js";

const form = document.querySelector("form.ticket-reply");
if (form) {
  const error = form.querySelector("#ticket-error");
  const key = `ticket:${form.dataset.ticket}`;
  const editor = createEditor(form.querySelector("[data-editor]"), {
    send: () => false,
    fileUrl: () => null,
    enterSends: false,
    draftKey: () => key,
    showError(message) {
      error.textContent = message;
    },
  });
  if (form.dataset.draft) editor.innerHTML = form.dataset.draft; // the server's sanitised copy
  form.addEventListener("submit", () => {
    form.elements.body.value = bodyHTML(editor);
    editorDraftForget(key);
  });
}
