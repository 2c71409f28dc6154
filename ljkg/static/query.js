// Progressive enhancement only: the page works without JavaScript (examples are links, the form is a GET).
// With it, clicking an example fills the editor instead of running it at once.
document.addEventListener("DOMContentLoaded", () => {
  const editor = document.getElementById("query");
  for (const link of document.querySelectorAll("a.example")) {
    link.addEventListener("click", (event) => {
      if (event.ctrlKey || event.metaKey || event.shiftKey) return;
      event.preventDefault();
      editor.value = link.dataset.query;
      editor.focus();
    });
  }
  editor.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      document.getElementById("query-form").submit();
    }
  });
});
