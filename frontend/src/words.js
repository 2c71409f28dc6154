// The words a script shows, in the page's language: the server puts its gettext catalogue's translations
// (ljkg/i18n.py ui_strings) as JSON in the query form's data-ui-strings attribute. `english` names every
// word the script needs; a word the page does not give (or a page without the attribute) stays English.

export function pageWords(form, english) {
  let given = {};
  try { given = JSON.parse((form && form.dataset.uiStrings) || "{}"); } catch { given = {}; }
  const words = {...english};
  for (const key of Object.keys(english)) if (typeof given[key] === "string" && given[key]) words[key] = given[key];
  return words;
}
