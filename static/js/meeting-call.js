// A meeting view: WebRTC mesh between participants, signalled over whatever LibChat socket the
// page has (the dashboard's, a guest's, or a patron's chat socket): `transport` is
// {on(event, handler), send(action, payload)}. Each pair of participants negotiates with the
// "perfect negotiation" pattern, so either side may add or remove a track (audio on join, a
// screen when shared) at any time without glare. `root` holds the markup of
// meetings/_meeting.html; its parts are found by class, so several views may share a page.
// Every shared screen, the sharer's own preview included, carries an annotation overlay
// (annotations.js); annotations travel on each peer connection's data channel, or over the
// socket to the peers whose channel is not open.

import { annotator } from "./annotations.js";
import { format, gettext } from "./i18n.js";

// A fresh copy of the page's <template id="meeting-template"> (meetings/_meeting.html), for a view
// mounted on demand; its ids are dropped, as the page may hold more than one.
export function meetingMarkup(title) {
  const root = document.getElementById("meeting-template").content.firstElementChild.cloneNode(true);
  for (const element of [root, ...root.querySelectorAll("[id]")]) element.removeAttribute("id");
  root.removeAttribute("aria-labelledby");
  root.setAttribute("aria-label", title);
  root.querySelector(".meeting-title").textContent = title;
  return root;
}

export function meetingView({
  root,
  transport,
  meetingId,
  isHost = false,
  isGuest = false,
  audio = true,
  joinNow = false,
  onEnd = () => {},
}) {
  const part = (name) => root.querySelector(`.meeting-${name}`);
  const peers = new Map(); // participant id -> {pc, polite, makingOffer, ignoreOffer, screenSender}
  const people = new Map(); // participant id -> participant event
  let me = null;
  let iceServers = [];
  let localAudio = null;
  let screen = null;
  let ended = false;

  window.__meeting = { peers, people };
  const annotations = annotator({
    root,
    me: () => me,
    send: annotationSend,
    // The sharer of a screen and the meeting's host may clear every stroke on it.
    mayClearAll: (screen, from) =>
      from === screen || (from === me?.id ? me : people.get(from))?.host === true,
  });
  root.dataset.meetingId = meetingId;
  part("mute").hidden = !audio;

  function status(text) {
    part("status").textContent = text;
  }

  function send(action, payload = {}) {
    transport.send(action, { meeting: meetingId, ...payload });
  }

  async function microphone() {
    try {
      localAudio = await navigator.mediaDevices.getUserMedia({ audio: true });
    } catch {
      status(gettext("Your microphone is not available: you can listen and watch."));
    }
  }

  function renderPeople() {
    const list = part("participants");
    list.replaceChildren();
    for (const person of [me, ...people.values()].filter(Boolean)) {
      const item = document.createElement("li");
      item.dataset.participant = person.id;
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = person.id === me?.id ? format(gettext("%(name)s (you)"), { name: person.name }) : person.name;
      const state = document.createElement("span");
      state.className = "status-label";
      state.textContent = [person.muted ? gettext("muted") : "", person.sharing ? gettext("sharing screen") : ""]
        .filter(Boolean).join(", ");
      item.append(name, state);
      const pc = peers.get(person.id)?.pc;
      if (pc) item.dataset.connection = pc.connectionState;
      if (isHost && person.guest) {
        const remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = gettext("Remove");
        remove.setAttribute("aria-label", format(gettext("Remove %(name)s"), { name: person.name }));
        remove.addEventListener("click", () => send("meeting.remove", { participant: person.id }));
        item.append(remove);
      }
      list.append(item);
    }
  }

  function annotationSend(annotation) {
    const bySocket = [];
    for (const [id, state] of peers) {
      if (state.channel.readyState === "open") state.channel.send(JSON.stringify({ annotation }));
      else bySocket.push(id);
    }
    if (bySocket.length) send("meeting.annotate", { annotation, to: bySocket });
  }

  function annotationReceived(from, { data }) {
    let message = null;
    try {
      message = typeof data === "string" && data.length < 16384 ? JSON.parse(data) : null;
    } catch {
      // not JSON: dropped below like any other malformed annotation
    }
    annotations.receive(from, message?.annotation);
  }

  // A participant's shared screen (mine: my preview of what I share) in a frame that also holds
  // its annotation overlay; the frame has the media id, so removing it removes both.
  function mediaFor(id, kind) {
    const key = `media-${id}-${kind}`;
    let element = document.getElementById(key);
    if (element) return kind === "video" ? element.querySelector("video") : element;
    element = document.createElement(kind === "video" ? "video" : "audio");
    element.className = "meeting-media";
    element.autoplay = true;
    element.playsInline = true;
    if (kind === "audio") {
      element.id = key;
      document.body.append(element);
      return element;
    }
    element.muted = true;
    const name = id === me?.id
      ? gettext("Your screen")
      : format(gettext("%(name)s's screen"), { name: people.get(id)?.name || gettext("Someone") });
    element.setAttribute("aria-label", name);
    const frame = document.createElement("div");
    frame.id = key;
    frame.className = "screen-frame";
    frame.append(element);
    part("stage").append(frame);
    annotations.attach(frame, element, id);
    return element;
  }

  // My preview of the screen I share, which the others annotate too (once I know my id).
  function previewShow() {
    if (screen && me) mediaFor(me.id, "video").srcObject = screen;
  }

  function mediaRemove(id, kind) {
    document.getElementById(`media-${id}-${kind}`)?.remove();
    if (kind === "video") annotations.detach(id); // annotations end with the share
  }

  function peer(id) {
    if (peers.has(id)) return peers.get(id);
    const pc = new RTCPeerConnection({ iceServers });
    const state = { pc, polite: me.id > id, makingOffer: false, ignoreOffer: false, screenSender: null };
    peers.set(id, state);
    // Both sides open the same pre-agreed data channel, so the two connect even when nobody sends
    // any media yet (a patron has no microphone; screens come later).
    // Annotations travel on it too.
    state.channel = pc.createDataChannel("meeting", { negotiated: true, id: 0 });
    state.channel.onmessage = (event) => annotationReceived(id, event);
    if (localAudio) for (const track of localAudio.getTracks()) pc.addTrack(track, localAudio);
    if (screen) state.screenSender = pc.addTrack(screen.getVideoTracks()[0], screen);
    pc.onnegotiationneeded = async () => {
      try {
        state.makingOffer = true;
        await pc.setLocalDescription();
        send("meeting.signal", { to: id, signal: { description: pc.localDescription.toJSON() } });
      } finally {
        state.makingOffer = false;
      }
    };
    pc.onicecandidate = ({ candidate }) => {
      if (candidate) send("meeting.signal", { to: id, signal: { candidate: candidate.toJSON() } });
    };
    pc.ontrack = ({ track, streams }) => {
      const element = mediaFor(id, track.kind);
      const stream = streams[0] || new MediaStream([track]);
      element.srcObject = stream;
      // A screen the sender stops sharing is removed from the stream, not ended.
      stream.addEventListener("removetrack", () => mediaRemove(id, track.kind));
      track.addEventListener("ended", () => mediaRemove(id, track.kind));
    };
    pc.onconnectionstatechange = () => {
      renderPeople();
      if (pc.connectionState === "connected") status(gettext("Connected."));
    };
    return state;
  }

  async function onSignal(from, { description, candidate }) {
    const state = peer(from);
    const { pc } = state;
    if (description) {
      const collision =
        description.type === "offer" && (state.makingOffer || pc.signalingState !== "stable");
      state.ignoreOffer = !state.polite && collision;
      if (state.ignoreOffer) return;
      await pc.setRemoteDescription(description);
      if (description.type === "offer") {
        await pc.setLocalDescription();
        send("meeting.signal", { to: from, signal: { description: pc.localDescription.toJSON() } });
      }
    } else if (candidate) {
      try {
        await pc.addIceCandidate(candidate);
      } catch (error) {
        if (!state.ignoreOffer) console.warn("ICE candidate refused", error);
      }
    }
  }

  function drop(id) {
    peers.get(id)?.pc.close();
    peers.delete(id);
    people.delete(id);
    for (const kind of ["audio", "video"]) mediaRemove(id, kind);
    renderPeople();
  }

  function finish(text) {
    if (ended) return;
    ended = true;
    for (const id of [...peers.keys()]) drop(id);
    for (const stream of [localAudio, screen]) stream?.getTracks().forEach((t) => t.stop());
    if (me) mediaRemove(me.id, "video");
    annotations.end();
    status(text);
    for (const control of root.querySelectorAll("button, input")) control.disabled = true;
    // Nobody can be invited into a meeting that is over; the meeting page offers a way on.
    part("invite")?.setAttribute("hidden", "");
    part("after")?.removeAttribute("hidden");
    onEnd(text);
  }

  function sendState() {
    send("meeting.state", {
      muted: Boolean(localAudio && !localAudio.getAudioTracks()[0]?.enabled),
      sharing: Boolean(screen),
    });
  }

  async function toggleShare() {
    const button = part("share");
    if (screen) {
      for (const state of peers.values()) {
        if (state.screenSender) state.pc.removeTrack(state.screenSender);
        state.screenSender = null;
      }
      screen.getTracks().forEach((t) => t.stop());
      screen = null;
      if (me) mediaRemove(me.id, "video");
    } else {
      try {
        screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
      } catch {
        status(gettext("Screen sharing was not allowed."));
        return;
      }
      const track = screen.getVideoTracks()[0];
      track.addEventListener("ended", () => screen && toggleShare());
      for (const state of peers.values()) state.screenSender = state.pc.addTrack(track, screen);
      previewShow();
    }
    button.textContent = screen ? gettext("Stop sharing") : gettext("Share screen");
    button.setAttribute("aria-pressed", String(Boolean(screen)));
    sendState();
  }

  part("mute").addEventListener("click", () => {
    const track = localAudio?.getAudioTracks()[0];
    if (!track) return;
    track.enabled = !track.enabled;
    part("mute").textContent = track.enabled ? gettext("Mute") : gettext("Unmute");
    part("mute").setAttribute("aria-pressed", String(!track.enabled));
    sendState();
  });
  part("share").addEventListener("click", toggleShare);
  part("leave").addEventListener("click", () => {
    send("meeting.leave");
    finish(gettext("You left the meeting."));
  });

  const join = () => {
    if (!isGuest && !ended) send("meeting.join");
  };
  transport.on("hello", join); // after every reconnect too
  if (joinNow) join();
  transport.on("meeting.joined", async (frame) => {
    if (frame.meeting !== meetingId || ended) return;
    if (me && me.id !== frame.me.id) mediaRemove(me.id, "video"); // rejoined after a reconnect
    me = frame.me;
    previewShow();
    iceServers = frame.ice_servers;
    if (audio && !localAudio) await microphone();
    status(frame.participants.length ? gettext("Connecting to the others…") : gettext("Waiting for the others to join…"));
    for (const person of frame.participants) {
      people.set(person.id, person);
      peer(person.id); // the newcomer offers to everyone already in
    }
    renderPeople();
    annotations.refresh();
  });
  transport.on("participant.joined", (frame) => {
    if (frame.meeting !== meetingId || frame.participant.id === me?.id) return;
    people.set(frame.participant.id, frame.participant);
    renderPeople();
  });
  transport.on("participant.left", (frame) => {
    if (frame.meeting === meetingId) drop(frame.participant);
  });
  transport.on("participant.state", (frame) => {
    if (frame.meeting !== meetingId) return;
    if (frame.participant.id === me?.id) me = frame.participant;
    else people.set(frame.participant.id, frame.participant);
    if (!frame.participant.sharing && frame.participant.id !== me?.id) mediaRemove(frame.participant.id, "video");
    renderPeople();
    annotations.refresh(); // the host's Clear all
  });
  transport.on("meeting.signal", (frame) => {
    if (frame.meeting === meetingId && me) onSignal(frame.from, frame.signal);
  });
  transport.on("meeting.annotation", (frame) => {
    if (frame.meeting === meetingId && me) annotations.receive(frame.from, frame.annotation);
  });
  transport.on("meeting.ended", (frame) => {
    if (frame.meeting === meetingId) finish(gettext("The meeting has ended."));
  });
  transport.on("meeting.removed", (frame) => finish(frame.message));
  transport.on("error", (frame) => {
    if (ended) return;
    if (["full", "ended", "not_invited", "removed", "expired", "bad_token"].includes(frame.code)) {
      finish(frame.message);
    } else {
      status(frame.message);
    }
  });
}
