// The meeting button of the open internal chat room: "Request Screenshare" in a one-to-one chat,
// "Start meeting" in a department room or All Staff.

const form = document.getElementById("room-meeting");
const button = document.getElementById("room-meeting-button");

document.addEventListener("libchat:room-opened", (event) => {
  const room = event.detail;
  form.querySelector("#room-meeting-room").value = room.roomId;
  const direct = Boolean(room.directOperator);
  button.textContent = direct ? "Request Screenshare" : "Start meeting";
  button.setAttribute(
    "aria-label",
    direct ? `Request Screenshare with ${room.roomName}` : `Start meeting with ${room.roomName}`,
  );
  form.hidden = false;
});
