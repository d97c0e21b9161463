// The page's words in its language. A widget page loads Django's JavaScriptCatalog (a script of
// this site, before any module) for its language; a page without one reads the English here.

const catalog = globalThis.django ?? {};

export const gettext = catalog.gettext ?? ((text) => text);
export const ngettext = catalog.ngettext ?? ((singular, plural, count) => (count === 1 ? singular : plural));

// Fills the named fields of a translated text: format("%(name)s is typing…", { name: "Ana" }).
export function format(text, fields) {
  return text.replace(/%\(([a-z_]+)\)s/g, (field, name) => String(fields[name]));
}

// The page's language (<html lang>), for numbers and times written in it.
export const pageLanguage = document.documentElement.lang || "en";

// Marks text a patron wrote with the language their widget spoke to them, when the page speaks
// another (WCAG 3.1.2 Language of parts): a screen reader then reads it in that language.
export function langMark(element, language) {
  if (language && language !== pageLanguage) element.lang = language;
  return element;
}

// Dates and times in the page's language, on the reader's clock, written as the server writes
// them in transcripts and lists (libchat/formats and Django's): a 12-hour language's hour as it
// is ("9:13 AM"), a 24-hour one's padded ("09:13"). What a <time>'s datetime attribute holds
// stays ISO.
const twelveHour = ["h11", "h12"].includes(
  new Intl.DateTimeFormat(pageLanguage, { hour: "numeric" }).resolvedOptions().hourCycle,
);
const clockFormat = new Intl.DateTimeFormat(pageLanguage, {
  hour: twelveHour ? "numeric" : "2-digit",
  minute: "2-digit",
});
const dateTimeFormat = new Intl.DateTimeFormat(pageLanguage, { dateStyle: "short", timeStyle: "short" });
export const timeText = (iso) => clockFormat.format(new Date(iso));
export const dateTimeText = (iso) => dateTimeFormat.format(new Date(iso));
