// The patron's side of a screenshare, inside the widget iframe (chats/patron.html). The chat's
// own socket carries it (the token is the credential, no cookie): an offer shows Accept and
// Decline; Accept opens the meeting view, where the patron may share their screen (the iframe
// needs allow="display-capture", set by embed.js) and sees the librarian's. No microphone is
// asked for: the chat carries the words.

import { format, gettext } from "./i18n.js";
import { meetingMarkup, meetingView } from "./meeting-call.js";

const $ = (id) => document.getElementById(id);
const RELAYED = ["meeting.joined", "participant.joined", "participant.left", "participant.state",
  "meeting.signal", "meeting.removed", "meeting.annotation"];
const MEETING_ERRORS = new Set(["not_in_meeting", "bad_signal", "ended", "full"]);

export function patronScreenshare(socketOf) {
  const listeners = new Map();
  const transport = {
    on(event, handler) {
      if (!listeners.has(event)) listeners.set(event, []);
      listeners.get(event).push(handler);
    },
    send: (action, payload) => socketOf()?.send(action, payload) ?? false,
  };
  const emit = (event, frame) => (listeners.get(event) || []).forEach((handler) => handler(frame));
  const box = $("patron-screenshare-offer");
  let offered = null; // the meeting offered, until accepted or declined
  let offeredBy = "";
  let viewing = null; // the meeting whose view is open

  function offer({ meeting, operator }) {
    if (meeting === viewing) return;
    offered = meeting;
    offeredBy = operator;
    $("patron-screenshare-offer-text").textContent = format(
      // One literal, as xgettext reads it.
      gettext("%(name)s offers a screenshare: you can show them your screen or see theirs. Nothing of your screen is shared until you choose Share screen."),
      { name: operator },
    );
    box.hidden = false;
  }

  function withdraw() {
    offered = null;
    box.hidden = true;
  }

  $("patron-screenshare-accept").addEventListener("click", () => {
    const root = meetingMarkup(format(gettext("Screenshare with %(name)s"), { name: offeredBy }));
    $("patron-screenshare").append(root);
    viewing = offered;
    withdraw();
    meetingView({
      root, transport, meetingId: viewing, audio: false, joinNow: true,
      onEnd() {
        root.remove();
        viewing = null;
      },
    });
  });

  $("patron-screenshare-decline").addEventListener("click", () => {
    transport.send("meeting.decline", { meeting: offered });
    withdraw();
  });

  const handlers = Object.fromEntries(RELAYED.map((event) => [event, (f) => emit(event, f)]));
  return {
    handlers: {
      ...handlers,
      "screenshare.offer": offer,
      "meeting.ended"(frame) {
        if (frame.meeting === offered) withdraw();
        emit("meeting.ended", frame);
      },
    },
    hello(frame) {
      if (frame.screenshare) offer(frame.screenshare);
      else withdraw();
      emit("hello", frame);
    },
    // True when the error was about the screenshare, so the chat's status line stays as it is.
    error(frame) {
      emit("error", frame);
      return MEETING_ERRORS.has(frame.code);
    },
  };
}
