// Attendance page: instant filtering while typing, and one-tap check-in without
// a page reload. Without this file the search form and the per-person POST
// forms work the same way, just with a reload.
(function () {
  var root = document.querySelector("[data-attendance]");
  if (!root) return;

  var search = root.querySelector("[data-attendance-search]");
  if (search) {
    search.addEventListener("input", function () {
      var term = search.value.trim().toLowerCase();
      root.querySelectorAll(".attendee").forEach(function (row) {
        row.hidden = term !== "" && row.getAttribute("data-name").indexOf(term) === -1;
      });
    });
  }

  var counter = root.querySelector("[data-present-count]");
  root.addEventListener("submit", function (event) {
    var form = event.target.closest("[data-checkin-form]");
    if (!form || !window.fetch) return;
    event.preventDefault();
    var button = form.querySelector("button");
    var undo = form.querySelector("input[name=undo]");
    button.disabled = true;
    fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "Accept": "application/json" },
      credentials: "same-origin"
    }).then(function (response) {
      if (!response.ok) throw new Error("HTTP " + response.status);
      return response.json();
    }).then(function (data) {
      var row = form.closest(".attendee");
      row.classList.toggle("attendee--present", data.checked_in);
      button.classList.toggle("checkin-btn--done", data.checked_in);
      button.setAttribute("aria-pressed", data.checked_in ? "true" : "false");
      button.textContent = data.checked_in ? button.getAttribute("data-label-done") : button.getAttribute("data-label-in");
      undo.value = data.checked_in ? "1" : "0";
      if (counter) counter.textContent = data.present;
    }).catch(function () {
      form.submit();  // fall back to the plain form post
    }).finally(function () {
      button.disabled = false;
    });
  });
})();
