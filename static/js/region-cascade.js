// Cascading 行政区划 selects (templates/institutions/widgets/region_cascade.html).
// Choosing a region loads its subdivisions into the next select; choosing a leaf (an
// option marked data-leaf) hides what is below. The hidden input always holds the deepest
// region chosen so far: the server refuses anything but a leaf, and re-renders the form
// with the province and prefecture still chosen.
// One delegated listener serves every widget on the page, including ones added later.
(function () {
  "use strict";
  if (window.regionCascadeReady) return; // the form media may be included twice
  window.regionCascadeReady = true;

  function column(select) {
    return select.closest("[data-region-column]");
  }

  // Keep only the empty "请选择" option rendered by the server.
  function clear(select, hide) {
    while (select.options.length > 1) select.remove(1);
    select.selectedIndex = 0;
    select.disabled = true;
    column(select).classList.toggle("d-none", hide);
  }

  function setValue(input, value) {
    if (input.value === value) return;
    input.value = value;
    input.dispatchEvent(new Event("change", { bubbles: true }));
  }

  document.addEventListener("change", function (event) {
    var select = event.target.closest("select[data-region-level]");
    if (!select) return;
    var cascade = select.closest("[data-region-cascade]");
    var selects = cascade.querySelectorAll("select[data-region-level]");
    var level = Number(select.getAttribute("data-region-level"));
    var code = select.value;
    var option = select.options[select.selectedIndex];
    var leaf = Boolean(code) && option.hasAttribute("data-leaf");

    for (var i = level; i < selects.length; i++) clear(selects[i], leaf);
    var deepest = "";
    for (var j = 0; j < level; j++) deepest = selects[j].value || deepest;
    setValue(cascade.querySelector("input[data-region-value]"), deepest);
    if (!code || leaf || level >= selects.length) return;

    var next = selects[level];
    var url = cascade.getAttribute("data-options-url") + "?parent=" + encodeURIComponent(code);
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) throw new Error(response.status);
        return response.text();
      })
      .then(function (html) {
        if (select.value !== code) return; // a later choice superseded this one
        next.innerHTML = html;
        next.disabled = false;
      })
      .catch(function () {
        next.disabled = true;
      });
  });
})();
