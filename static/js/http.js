// JSON from the server, the way the dashboard's modules ask for it: same-origin credentials, the
// page's CSRF token, and the server's own message when it refuses.

import { format, gettext } from "./i18n.js";

export async function requestJSON(url, { csrf = "", headers = {}, ...options } = {}) {
  const response = await fetch(url, {
    credentials: "same-origin",
    ...options,
    headers: { "X-CSRFToken": csrf, ...headers },
  });
  const data = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(data.message || format(gettext("The server said %(status)s."), { status: response.status }));
  return data;
}
