// Qingshan (青山): small enhancements only; every page works without this file.
// 1. Pages with <meta name="qs-refresh" content="SECONDS"> reload themselves.
// 2. Inputs with data-filter="TABLE_ID" filter that table's rows as you type.
(function () {
  "use strict";
  var meta = document.querySelector('meta[name="qs-refresh"]');
  if (meta) {
    var seconds = parseInt(meta.getAttribute("content"), 10);
    if (seconds > 0) { setTimeout(function () { location.reload(); }, seconds * 1000); }
  }
  document.querySelectorAll("input[data-filter]").forEach(function (input) {
    var table = document.getElementById(input.getAttribute("data-filter"));
    if (!table) { return; }
    input.hidden = false;
    input.addEventListener("input", function () {
      var needle = input.value.trim().toLowerCase();
      table.querySelectorAll("tbody tr").forEach(function (row) {
        row.hidden = needle !== "" && row.textContent.toLowerCase().indexOf(needle) < 0;
      });
    });
  });
})();
