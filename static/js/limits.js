import { format, gettext, pageLanguage } from "./i18n.js";

// The limit the server holds a message to, told the same way wherever a message is written:
// the operator's editor (editor.js) and the patron's box in the widget (patron.js).

// Why a message cannot be sent under a limit of `max` characters, or "". `body` is what the
// server counts, in code points: the markup of the operator's editor, the patron's plain text.
export function lengthRefusal(body, max) {
  const length = [...body].length;
  if (!max || length <= max) return "";
  const count = (n) => n.toLocaleString(pageLanguage);
  return format(gettext("Messages can be %(max)s characters at most; this one has %(length)s."), {
    max: count(max),
    length: count(length),
  });
}
