// The meeting button of the open internal chat room: "Request Screenshare" in a one-to-one chat,
// "Start meeting" in a department room or All Staff.

import { format, gettext } from "./i18n.js";

const form = document.getElementById("room-meeting");
const button = document.getElementById("room-meeting-button");

document.addEventListener("libchat:room-opened", (event) => {
  const room = event.detail;
  form.querySelector("#room-meeting-room").value = room.roomId;
  const direct = Boolean(room.directOperator);
  button.textContent = direct ? gettext("Request Screenshare") : gettext("Start meeting");
  button.setAttribute(
    "aria-label",
    format(direct ? gettext("Request Screenshare with %(name)s") : gettext("Start meeting with %(name)s"), {
      name: room.roomName,
    }),
  );
  form.hidden = false;
});
