// 单位名称 follows 行政区划: when the region input of the same form changes, load the
// institutions of that region into <select data-institutions-url>.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var input = event.target.closest("input[data-region-value]");
    if (!input) return;
    var form = input.closest("form");
    var select = form && form.querySelector("select[data-institutions-url]");
    if (!select) return;
    var region = input.value;
    var url = select.getAttribute("data-institutions-url") + "?region=" + encodeURIComponent(region);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (input.value !== region) return; // a later choice superseded this one
        select.innerHTML = html;
      });
  });
})();
