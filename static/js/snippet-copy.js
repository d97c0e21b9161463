// The widget's admin page: a Copy button puts its snippet on the clipboard and says so; a click
// in a snippet selects all of it.

const said = document.getElementById("snippet-copied");

document.addEventListener("click", async (event) => {
  const button = event.target.closest("button[data-copy]");
  if (!button) return;
  const snippet = document.getElementById(button.dataset.copy);
  try {
    await navigator.clipboard.writeText(snippet.value);
    said.textContent = "Copied.";
  } catch {
    // No clipboard (an insecure origin, or refused): select it for Ctrl+C instead.
    snippet.select();
    said.textContent = "Press Ctrl+C to copy the selected snippet.";
  }
});

for (const snippet of document.querySelectorAll("textarea[id$='-snippet']")) {
  snippet.addEventListener("click", () => snippet.select());
}
