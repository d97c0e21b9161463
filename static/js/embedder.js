// The page that embeds the widget's chat page (embed.js on a library's site) and how the chat
// page tells it something: by postMessage to that page's origin only, and only when it is one of
// the widget's allowed origins. widget.js tells it the status, patron.js the chat's token. The
// keyboard crosses the frame's edge here too: Escape in the chat closes it (embed.js puts the
// cursor back on its button), and opening it puts the cursor in the chat's first field. Opened by
// itself (the widget's invitation), the chat shows the invitation and takes no cursor.

const widgetId = Number(document.body.dataset.widgetId);
const origins = JSON.parse(document.getElementById("widget-origins").textContent);

// The allowed origin of the page that embeds this one, or null: Chromium and Safari name the
// parent's origin in ancestorOrigins, Firefox gives it only as the referrer. Posting to any other
// origin fails with a console error, so the page tells only its embedder, and nobody if it is not
// allowed.
function embedderOrigin() {
  if (window.parent === window) return null;
  let origin = location.ancestorOrigins?.[0];
  if (origin === undefined) {
    try {
      origin = new URL(document.referrer).origin;
    } catch {
      return null; // no referrer (a strict referrer policy): nobody to tell
    }
  }
  return origins.includes(origin) ? origin : null;
}

const embedder = embedderOrigin();

// kind names the message for embed.js ("widget_status", "chat_token", "operator_reply"); fields
// are its content.
export function tellEmbedder(kind, fields) {
  if (embedder) window.parent.postMessage({ libchat: kind, widget: widgetId, ...fields }, embedder);
}

// The first thing to type in or press in what the patron sees now: the pre-chat form's first
// field, the message box, the rating.
function firstField() {
  const visible = (element) => element.getClientRects().length > 0 && !element.disabled;
  const fields = [...document.querySelectorAll("input:not([type=hidden]), textarea, select")];
  return fields.find(visible) ?? [...document.querySelectorAll("button")].find(visible);
}

if (embedder) {
  window.addEventListener("message", (event) => {
    if (event.origin !== embedder || event.source !== window.parent) return;
    if (event.data?.widget !== widgetId) return;
    if (event.data.libchat === "focus") firstField()?.focus();
    // Opened by itself on the library's page: the invitation, unless a chat has begun.
    if (event.data.libchat === "invite" && !document.body.dataset.chatState) {
      const invitation = document.getElementById("invitation");
      if (invitation) invitation.textContent = invitation.dataset.text;
    }
  });
  // After the page's own Escape handlers (a question to confirm closes first; they call
  // preventDefault).
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !event.defaultPrevented) tellEmbedder("close", {});
  });
}
