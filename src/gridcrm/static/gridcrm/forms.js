// A select with data-reload="NAME" reloads its page with ?NAME=<the chosen value>, so that
// the server can draw the rest of the form for that choice (the CSP allows no inline script).
document.addEventListener("DOMContentLoaded", () => {
  for (const select of document.querySelectorAll("select[data-reload]")) {
    select.addEventListener("change", () => {
      const url = new URL(window.location.href);
      url.searchParams.set(select.dataset.reload, select.value);
      window.location.assign(url.toString());
    });
  }
});
