// Ringing: an invitation to a screenshare or meeting shows a dialog with Accept and Decline,
// with a tone when the operator wants sound.

import { live } from "./live.js";
import { notify } from "./notify.js";

const dialog = document.getElementById("meeting-invite");

live.on("meeting.invite", (frame) => {
  dialog.querySelector("#meeting-invite-text").textContent =
    frame.kind === "direct"
      ? `${frame.from} requests a screenshare.`
      : `${frame.from} started a meeting: ${frame.title}.`;
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
  if (status) status.textContent = `${frame.by} declined.`;
  document.getElementById("announcer").textContent = `${frame.by} declined the invitation.`;
});
