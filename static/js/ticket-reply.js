// A ticket's reply box is the chat editor (bold, italic, links, FAQ cards, canned replies), with
// the page's own buttons: Send Answer and Add note post the form with what the editor holds.
// Enter adds a line here: an email is not a chat line. After a refusal the page comes back with
// the text, which goes back into the editor.
import { bodyHTML, createEditor } from "./editor.js";

const form = document.querySelector("form.ticket-reply");
if (form) {
  const error = form.querySelector("#ticket-error");
  const editor = createEditor(form.querySelector("[data-editor]"), {
    send: () => false,
    fileUrl: () => null,
    enterSends: false,
    showError(message) {
      error.textContent = message;
    },
  });
  if (form.dataset.draft) editor.innerHTML = form.dataset.draft; // the server's sanitised copy
  form.addEventListener("submit", () => {
    form.elements.body.value = bodyHTML(editor);
  });
}
