// Tags on a chat, in the console's chat pane and on a transcript: each box is saved the moment
// it is ticked or cleared, one tag at a time, so two operators tagging the same chat (the one who
// handed it over and the one who took it) never undo each other. A form's saves go one after
// another, so the boxes always end as the last answer says.
import { format, gettext } from "./i18n.js";
import { requestJSON } from "./http.js";

const queues = new WeakMap(); // form -> the promise of its last save

// A box whose own save is still to come keeps what the operator made it.
function boxesShow(form, tags) {
  const on = new Set(tags.map((tag) => String(tag.id)));
  for (const box of form.querySelectorAll('input[name="tag"]')) {
    if (!Number(box.dataset.pending || 0)) box.checked = on.has(box.value);
  }
}

function say(form, text, { error = false } = {}) {
  const status = form.querySelector(".tags-status");
  status.textContent = text;
  status.classList.toggle("is-error", error);
}

function ask(form, options = {}) {
  return requestJSON(form.dataset.url, {
    csrf: form.elements.csrfmiddlewaretoken.value,
    headers: { Accept: "application/json" },
    ...options,
  });
}

// The chat's tags as the server has them (a console pane opening, or coming back).
export async function tagsLoad(form, url) {
  form.dataset.url = url;
  say(form, "");
  try {
    boxesShow(form, (await ask(form)).tags);
    form.querySelector("fieldset").disabled = false;
  } catch (error) {
    say(form, format(gettext("Tags could not be loaded: %(error)s"), { error: error.message }), { error: true });
  }
}

async function save(form, box, on) {
  const body = new FormData();
  body.set("tag", box.value);
  body.set("on", on ? "1" : "0");
  try {
    const { tags } = await ask(form, { method: "POST", body });
    box.dataset.pending = Number(box.dataset.pending) - 1;
    boxesShow(form, tags);
    say(
      form,
      tags.length
        ? format(gettext("Saved. Tags: %(tags)s."), { tags: tags.map((tag) => tag.name).join(", ") })
        : gettext("Saved. No tags."),
    );
  } catch (error) {
    box.dataset.pending = Number(box.dataset.pending) - 1;
    if (!Number(box.dataset.pending)) box.checked = !on; // as it was: nothing was saved
    say(form, format(gettext("Not saved: %(error)s"), { error: error.message }), { error: true });
  }
}

document.addEventListener("change", (event) => {
  const box = event.target;
  const form = box.closest?.("form.chat-tags");
  if (!form || box.name !== "tag") return;
  const on = box.checked;
  box.dataset.pending = Number(box.dataset.pending || 0) + 1;
  const next = (queues.get(form) || Promise.resolve()).then(() => save(form, box, on));
  queues.set(form, next);
});
// A page drawn with the chat's tags (a transcript) is ready as soon as this module runs.
for (const form of document.querySelectorAll("form.chat-tags")) form.querySelector("fieldset").disabled = false;

document.addEventListener("submit", (event) => {
  if (event.target.matches?.("form.chat-tags")) event.preventDefault(); // Enter in a box: saved already
});
