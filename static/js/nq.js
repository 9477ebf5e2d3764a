// Small progressive enhancements; every flow works without this file.
document.addEventListener("submit", function (event) {
  var button = event.submitter || event.target.querySelector("[data-confirm]");
  var message = button && button.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
document.addEventListener("click", function (event) {
  var target = event.target.closest("[data-copy]");
  if (!target || !navigator.clipboard) return;
  navigator.clipboard.writeText(target.getAttribute("data-copy"));
  target.textContent = target.getAttribute("data-copied") || "Copied";
});
