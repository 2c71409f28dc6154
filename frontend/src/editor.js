// The query page's SPARQL editor (built by frontend/build.sh into ljkg/static/vendor/editor.bundle.js).
//
// Progressive enhancement only: the page's <textarea name="query"> stays in its GET form and is what is
// submitted; this editor hides it, edits the same text and writes it back before every submit, so the page
// works the same without JavaScript. Everything it fetches comes from the page's own server (the
// vocabulary and label completion); nothing is loaded from anywhere else.

import {autocompletion, closeBrackets, closeBracketsKeymap, completionKeymap} from "@codemirror/autocomplete";
import {defaultKeymap, history, historyKeymap, indentWithTab} from "@codemirror/commands";
import {bracketMatching, defaultHighlightStyle, indentOnInput, StreamLanguage, syntaxHighlighting}
  from "@codemirror/language";
import {sparql} from "@codemirror/legacy-modes/mode/sparql";
import {lintGutter, setDiagnostics} from "@codemirror/lint";
import {EditorState} from "@codemirror/state";
import {drawSelection, EditorView, highlightActiveLine, highlightActiveLineGutter, keymap, lineNumbers}
  from "@codemirror/view";

import {completionSources} from "./completion.js";
import {errorRange} from "./errors.js";
import {pageWords} from "./words.js";

function start() {
  const textarea = document.getElementById("query");
  const form = document.getElementById("query-form");
  if (!textarea || !form) return;
  const lang = (form.querySelector("input[name=lang]") || {}).value || document.documentElement.lang || "en";
  // the template names both URLs, on the page's own server
  const urls = {vocabulary: form.dataset.vocabulary, search: form.dataset.complete};

  const run = (view) => {
    textarea.value = view.state.doc.toString();
    form.requestSubmit();
    return true;
  };
  const nonce = document.querySelector("meta[name=csp-nonce]");
  const extensions = [
    lineNumbers(), highlightActiveLineGutter(), history(), drawSelection(), indentOnInput(),
    bracketMatching(), closeBrackets(), highlightActiveLine(), lintGutter(),
    StreamLanguage.define(sparql), syntaxHighlighting(defaultHighlightStyle, {fallback: true}),
    autocompletion({override: completionSources(urls, lang, pageWords(form, {triples: "triples"})),
      activateOnTyping: true}),
    keymap.of([{key: "Mod-Enter", run, preventDefault: true}, ...closeBracketsKeymap, ...defaultKeymap,
      ...historyKeymap, ...completionKeymap, indentWithTab]),
    EditorView.contentAttributes.of({"aria-label": textarea.labels[0] ? textarea.labels[0].textContent : "SPARQL",
      spellcheck: "false"}),
    EditorView.theme({
      "&": {border: "1px solid #999", minHeight: "16em", fontSize: "0.95em", backgroundColor: "#fff"},
      ".cm-scroller": {fontFamily: "ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"},
      ".cm-content": {minHeight: "16em"},
      // CSS only, no data: images (lint's default squiggle and gutter dot are SVG data URIs, which a
      // strict img-src refuses)
      ".cm-lintRange-error": {backgroundImage: "none", textDecoration: "underline wavy #c00",
        textDecorationSkipInk: "none", backgroundColor: "#fdd"},
      ".cm-lint-marker-error": {content: "none", backgroundColor: "#c00", borderRadius: "50%",
        width: "0.7em", height: "0.7em", margin: "0.25em"},
    }),
  ];
  // keep the form's textarea in step, so whatever submits the form sends what the editor shows
  extensions.push(EditorView.updateListener.of((update) => {
    if (update.docChanged) textarea.value = update.state.doc.toString();
  }));
  if (nonce && nonce.content) extensions.push(EditorView.cspNonce.of(nonce.content));

  const view = new EditorView({
    state: EditorState.create({doc: textarea.value, extensions}),
  });
  textarea.after(view.dom);
  textarea.hidden = true;
  const keys = document.getElementById("editor-keys");
  if (keys) keys.hidden = false;
  view.dom.id = "query-editor";
  window.ljkgEditor = view; // for the curious and for the browser tests: the live EditorView

  form.addEventListener("submit", () => { textarea.value = view.state.doc.toString(); });
  for (const link of document.querySelectorAll("a.example")) {
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
      event.preventDefault();
      view.dispatch({changes: {from: 0, to: view.state.doc.length, insert: link.dataset.query}});
      view.focus();
      view.dom.scrollIntoView({block: "nearest"});
    });
  }

  // The server's message for a malformed query names line:column in the text as it was sent, which is
  // the text the editor starts with; mark it there.
  const error = document.getElementById("query-error");
  const range = error && errorRange(error.textContent, view.state.doc);
  if (range) {
    view.dispatch(setDiagnostics(view.state, [{...range, severity: "error", source: "SPARQL",
      message: error.textContent.trim()}]));
    view.dispatch({selection: {anchor: range.from}, scrollIntoView: true});
  }
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();
