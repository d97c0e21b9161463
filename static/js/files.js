// A file sent in a chat as both chats show it: a download link with its size, and a thumbnail
// when it is an image. The size is written in the page's language (the widget's for a patron,
// the dashboard's for staff): "1.5 MB", "1,5 Mo".

import { format, gettext, pageLanguage } from "./i18n.js";

const oneDecimal = new Intl.NumberFormat(pageLanguage, { minimumFractionDigits: 1, maximumFractionDigits: 1 });

function formatSize(bytes) {
  if (bytes < 1024) return format(gettext("%(size)s B"), { size: bytes });
  if (bytes < 1024 * 1024) return format(gettext("%(size)s KB"), { size: Math.round(bytes / 1024) });
  return format(gettext("%(size)s MB"), { size: oneDecimal.format(bytes / 1024 / 1024) });
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
