// Ringing: an invitation to a screenshare or meeting shows a dialog with Accept and Decline,
// with a tone when the operator wants sound.

import { format, gettext } from "./i18n.js";
import { live } from "./live.js";
import { notify } from "./notify.js";

const dialog = document.getElementById("meeting-invite");

live.on("meeting.invite", (frame) => {
  dialog.querySelector("#meeting-invite-text").textContent =
    frame.kind === "direct"
      ? format(gettext("%(name)s requests a screenshare."), { name: frame.from })
      : format(gettext("%(name)s started a meeting: %(title)s."), { name: frame.from, title: frame.title });
  dialog.querySelector("#meeting-accept").href = frame.url;
  dialog.dataset.meeting = frame.meeting;
  if (!dialog.open) dialog.showModal();
  notify({ tone: "invite" });
});

dialog.querySelector("#meeting-decline").addEventListener("click", () => {
  live.send("meeting.decline", { meeting: Number(dialog.dataset.meeting) });
  dialog.close();
});

live.on("meeting.declined", (frame) => {
  const status = document.getElementById("meeting-status");
  if (status) status.textContent = format(gettext("%(name)s declined."), { name: frame.by });
  document.getElementById("announcer").textContent = format(gettext("%(name)s declined the invitation."), { name: frame.by });
});
