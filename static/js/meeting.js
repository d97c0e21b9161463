// The meeting page (an operator's, or a guest's from an email link): one meeting view on the
// page's socket, and the host's "Invite by email" form.

import { format, gettext } from "./i18n.js";
import { live } from "./live.js";
import { meetingView } from "./meeting-call.js";

const root = document.getElementById("meeting");
const role = document.getElementById("meeting-role").dataset;

meetingView({
  root,
  transport: live,
  meetingId: Number(root.dataset.meetingId),
  isHost: role.isHost === "1",
  isGuest: role.guest === "1",
  audio: root.dataset.audio !== "0",
});

document.getElementById("invite-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const response = await fetch(form.action, { method: "POST", body: new FormData(form) });
  const body = await response.json();
  document.getElementById("invite-result").textContent = response.ok
    ? format(gettext("Invitation sent to %(email)s."), { email: form.email.value })
    : body.error;
  if (response.ok) form.reset();
});
