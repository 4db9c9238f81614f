// The phone navigation: the menu button opens and closes the links and the user's
// controls (CSS hides them below 760 px until the top bar has the class nav-open).
document.addEventListener("DOMContentLoaded", () => {
  const button = document.querySelector(".navtoggle");
  if (!button) return;
  const bar = button.closest(".topbar");
  button.addEventListener("click", () => {
    const open = bar.classList.toggle("nav-open");
    button.setAttribute("aria-expanded", String(open));
  });
});
