// A meeting: WebRTC mesh between participants, signalled over the page's LibChat socket.
// Each pair of participants negotiates with the "perfect negotiation" pattern, so either side may
// add or remove a track (audio on join, a screen when shared) at any time without glare.

import { live } from "./live.js";

const $ = (id) => document.getElementById(id);
const section = $("meeting");
const meetingId = Number(section.dataset.meetingId);
const role = $("meeting-role").dataset;
const isHost = role.isHost === "1";
const isGuest = role.guest === "1";
const iceServers = JSON.parse($("ice-servers").textContent);

const peers = new Map(); // participant id -> {pc, polite, makingOffer, ignoreOffer, screenSender}
const people = new Map(); // participant id -> participant event
let me = null;
let localAudio = null;
let screen = null;
let ended = false;

window.__meeting = { peers, people };

function status(text) {
  $("meeting-status").textContent = text;
}

function send(action, payload = {}) {
  live.send(action, { meeting: meetingId, ...payload });
}

async function microphone() {
  try {
    localAudio = await navigator.mediaDevices.getUserMedia({ audio: true });
  } catch {
    status("Your microphone is not available: you can listen and watch.");
  }
}

function renderPeople() {
  const list = $("participants");
  list.replaceChildren();
  for (const person of [me, ...people.values()].filter(Boolean)) {
    const item = document.createElement("li");
    item.dataset.participant = person.id;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = person.id === me?.id ? `${person.name} (you)` : person.name;
    const state = document.createElement("span");
    state.className = "status-label";
    state.textContent = [person.muted ? "muted" : "", person.sharing ? "sharing screen" : ""]
      .filter(Boolean).join(", ");
    item.append(name, state);
    const pc = peers.get(person.id)?.pc;
    if (pc) item.dataset.connection = pc.connectionState;
    if (isHost && person.guest) {
      const remove = document.createElement("button");
      remove.type = "button";
      remove.textContent = "Remove";
      remove.setAttribute("aria-label", `Remove ${person.name}`);
      remove.addEventListener("click", () => send("meeting.remove", { participant: person.id }));
      item.append(remove);
    }
    list.append(item);
  }
}

function mediaFor(id, kind) {
  const key = `media-${id}-${kind}`;
  let element = document.getElementById(key);
  if (!element) {
    element = document.createElement(kind === "video" ? "video" : "audio");
    element.id = key;
    element.autoplay = true;
    element.playsInline = true;
    if (kind === "video") {
      element.muted = true;
      element.setAttribute("aria-label", `${people.get(id)?.name || "Someone"}'s screen`);
      $("stage").append(element);
    } else {
      document.body.append(element);
    }
  }
  return element;
}

function peer(id) {
  if (peers.has(id)) return peers.get(id);
  const pc = new RTCPeerConnection({ iceServers });
  const state = { pc, polite: me.id > id, makingOffer: false, ignoreOffer: false, screenSender: null };
  peers.set(id, state);
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
    stream.addEventListener("removetrack", () => element.remove());
    track.addEventListener("ended", () => element.remove());
  };
  pc.onconnectionstatechange = () => {
    renderPeople();
    if (pc.connectionState === "connected") status("Connected.");
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
  for (const kind of ["audio", "video"]) document.getElementById(`media-${id}-${kind}`)?.remove();
  renderPeople();
}

function finish(text) {
  ended = true;
  for (const id of [...peers.keys()]) drop(id);
  for (const stream of [localAudio, screen]) stream?.getTracks().forEach((t) => t.stop());
  status(text);
  for (const control of section.querySelectorAll("button, input")) control.disabled = true;
}

function sendState() {
  send("meeting.state", {
    muted: Boolean(localAudio && !localAudio.getAudioTracks()[0]?.enabled),
    sharing: Boolean(screen),
  });
}

async function toggleShare() {
  const button = $("share");
  if (screen) {
    for (const state of peers.values()) {
      if (state.screenSender) state.pc.removeTrack(state.screenSender);
      state.screenSender = null;
    }
    screen.getTracks().forEach((t) => t.stop());
    screen = null;
  } else {
    try {
      screen = await navigator.mediaDevices.getDisplayMedia({ video: true });
    } catch {
      status("Screen sharing was not allowed.");
      return;
    }
    const track = screen.getVideoTracks()[0];
    track.addEventListener("ended", () => screen && toggleShare());
    for (const state of peers.values()) state.screenSender = state.pc.addTrack(track, screen);
  }
  button.textContent = screen ? "Stop sharing" : "Share screen";
  button.setAttribute("aria-pressed", String(Boolean(screen)));
  sendState();
}

$("mute").addEventListener("click", () => {
  const track = localAudio?.getAudioTracks()[0];
  if (!track) return;
  track.enabled = !track.enabled;
  $("mute").textContent = track.enabled ? "Mute" : "Unmute";
  $("mute").setAttribute("aria-pressed", String(!track.enabled));
  sendState();
});
$("share").addEventListener("click", toggleShare);
$("leave").addEventListener("click", () => {
  send("meeting.leave");
  finish("You left the meeting.");
});

$("invite-form")?.addEventListener("submit", async (event) => {
  event.preventDefault();
  const form = event.currentTarget;
  const response = await fetch(form.action, { method: "POST", body: new FormData(form) });
  const body = await response.json();
  $("invite-result").textContent = response.ok ? `Invitation sent to ${form.email.value}.` : body.error;
  if (response.ok) form.reset();
});

live.on("hello", () => {
  if (!isGuest && !ended) send("meeting.join");
});
live.on("meeting_joined", async (frame) => {
  if (frame.meeting !== meetingId) return;
  me = frame.me;
  if (!localAudio) await microphone();
  status(frame.participants.length ? "Connecting to the others…" : "Waiting for the others to join…");
  for (const person of frame.participants) {
    people.set(person.id, person);
    peer(person.id); // the newcomer offers to everyone already in
  }
  renderPeople();
});
live.on("participant_joined", (frame) => {
  if (frame.meeting !== meetingId || frame.participant.id === me?.id) return;
  people.set(frame.participant.id, frame.participant);
  renderPeople();
});
live.on("participant_left", (frame) => {
  if (frame.meeting === meetingId) drop(frame.participant);
});
live.on("participant_state", (frame) => {
  if (frame.meeting !== meetingId) return;
  if (frame.participant.id === me?.id) me = frame.participant;
  else people.set(frame.participant.id, frame.participant);
  if (!frame.participant.sharing) document.getElementById(`media-${frame.participant.id}-video`)?.remove();
  renderPeople();
});
live.on("meeting_signal", (frame) => {
  if (frame.meeting === meetingId && me) onSignal(frame.from, frame.signal);
});
live.on("meeting_ended", (frame) => {
  if (frame.meeting === meetingId) finish("The meeting has ended.");
});
live.on("meeting_removed", (frame) => finish(frame.message));
live.on("error", (frame) => {
  if (["full", "ended", "not_invited", "removed", "expired", "bad_token"].includes(frame.code)) {
    finish(frame.message);
  } else {
    status(frame.message);
  }
});
