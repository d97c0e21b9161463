// "Offer screenshare" in the dashboard's patron chat pane (chats/dashboard.html): the offer goes
// over the dashboard socket, the meeting view opens inside the pane at once and waits for the
// patron to accept in their widget. Screens only, no microphones: the chat carries the words.

import { format, gettext } from "./i18n.js";
import { live } from "./live.js";
import { meetingMarkup, meetingView } from "./meeting-call.js";

const myChats = document.getElementById("my-chats");

const paneFor = (chatId) => myChats.querySelector(`.operator-chat[data-chat-id="${chatId}"]`);

function note(pane, text) {
  pane.querySelector(".screenshare-note").textContent = text;
}

myChats.addEventListener("click", (event) => {
  const button = event.target.closest(".offer-screenshare");
  if (!button) return;
  const pane = button.closest(".operator-chat");
  button.disabled = true;
  note(pane, gettext("Offering a screenshare…"));
  if (!live.send("meeting.offer", { chat_id: Number(pane.dataset.chatId) })) {
    button.disabled = false;
    note(pane, gettext("Not connected: try again in a moment."));
  }
});

live.on("meeting.offered", (frame) => {
  const pane = paneFor(frame.chat_id);
  if (!pane || pane.querySelector(".meeting")) return;
  const offer = pane.querySelector(".offer-screenshare");
  offer.hidden = true;
  note(pane, format(gettext("Waiting for %(name)s to accept the screenshare…"), { name: pane.dataset.patron }));
  const root = meetingMarkup(frame.title);
  pane.querySelector(".screenshare").append(root);
  meetingView({
    root,
    transport: live,
    meetingId: frame.meeting,
    isHost: true,
    audio: false,
    joinNow: true,
    onEnd() {
      root.remove();
      offer.hidden = Boolean(pane.dataset.ended);
      offer.disabled = false;
      // Once the patron accepted, the chat itself says "Screenshare ended after …" and an
      // ended chat says how it ended: a note would repeat it. A declined offer's note stays.
      if (pane.dataset.declined) delete pane.dataset.declined;
      else note(pane, pane.dataset.ended || root.dataset.accepted ? "" : gettext("The screenshare ended."));
    },
  });
});

live.on("participant.joined", (frame) => {
  if (!frame.participant.patron) return;
  const meeting = myChats.querySelector(`.meeting[data-meeting-id="${frame.meeting}"]`);
  if (!meeting) return;
  meeting.dataset.accepted = "true";
  note(
    meeting.closest(".operator-chat"),
    format(gettext("%(name)s accepted: Share screen to show yours."), { name: frame.participant.name }),
  );
});

live.on("meeting.declined", (frame) => {
  const pane = frame.chat_id && paneFor(frame.chat_id);
  if (!pane) return;
  note(pane, format(gettext("%(name)s declined the screenshare."), { name: frame.by }));
  pane.dataset.declined = "true";
});

live.on("chat.ended", (frame) => {
  const pane = paneFor(frame.chat_id);
  if (!pane) return;
  pane.querySelector(".offer-screenshare").hidden = true;
  note(pane, ""); // the pane's closing line says what happened; an older note would be stale
});

live.on("error", (frame) => {
  if (frame.code !== "not_your_chat") return;
  for (const button of myChats.querySelectorAll(".offer-screenshare:disabled")) {
    button.disabled = false;
    note(button.closest(".operator-chat"), frame.message);
  }
});
