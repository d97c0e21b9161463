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
