// The operator's notifications, as they chose in Settings: a short tone if they want sound, a
// desktop notification if they want those and the browser allows them. The choice is rendered
// once, on the dashboard's <body> (data-notify-sound, data-notify-desktop), and read only here.
// Patron chats, internal chat and meeting invitations all ring through this module.

const chosen = document.body.dataset;
const wantsSound = chosen.notifySound === "1";
const wantsDesktop = chosen.notifyDesktop === "1";

// Each kind of news keeps its own sound, so an operator can tell them apart without looking.
const TONES = {
  chat: { frequency: 880, seconds: 0.3, volume: 1 }, // a patron waiting, or waiting too long
  message: { frequency: 880, seconds: 0.15, volume: 0.05 }, // an internal chat message
  patron: { frequency: 740, seconds: 0.15, volume: 0.3 }, // a patron's message in a chat not in view
  invite: { frequency: 660, seconds: 0.4, volume: 1 }, // a meeting or screenshare invitation
  mention: { frequency: 990, seconds: 0.25, volume: 0.5 }, // an internal chat @mention of you
};

// One audio context for the page's life: a desk rings all day, and every context a page opens
// holds an audio device until the page closes. Made on the first ring; a browser that made it
// before the operator's first click keeps it suspended until asked to resume.
let context = null;

function play({ frequency, seconds, volume }) {
  try {
    context ??= new (window.AudioContext || window.webkitAudioContext)();
    if (context.state === "suspended") context.resume();
    const oscillator = context.createOscillator();
    const gain = context.createGain();
    oscillator.frequency.value = frequency;
    gain.gain.value = volume;
    oscillator.connect(gain).connect(context.destination);
    oscillator.start();
    oscillator.stop(context.currentTime + seconds);
  } catch {
    // no audio output: what the page shows and announces is enough
  }
}

// Rings with the `tone` of TONES; with a `title`, also shows a desktop notification (a `tag`
// makes a newer one replace the last of the same tag).
export function notify({ tone, title = "", body = "", tag = "" }) {
  if (wantsSound) play(TONES[tone]);
  if (title && wantsDesktop && window.Notification?.permission === "granted") {
    new Notification(title, tag ? { body, tag } : { body });
  }
}

// Asks the browser once for desktop notifications, if the operator wants them. Call it from one
// of their clicks, so the browser's prompt never interrupts something else.
export function notificationsAsk() {
  if (wantsDesktop && window.Notification?.permission === "default") {
    Notification.requestPermission();
  }
}
