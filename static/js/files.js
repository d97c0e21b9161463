// A file sent in a chat as both chats show it: a download link with its size, and a thumbnail
// when it is an image.

function formatSize(bytes) {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${Math.round(bytes / 1024)} KB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

export function fileLink(file) {
  const link = document.createElement("a");
  link.className = "attachment";
  link.href = file.url;
  link.setAttribute("download", file.name);
  if (file.is_image) {
    const thumb = document.createElement("img");
    thumb.className = "thumb";
    thumb.src = file.url;
    thumb.alt = file.name;
    link.append(thumb);
  }
  link.append(`${file.name} (${formatSize(file.size)})`);
  return link;
}
