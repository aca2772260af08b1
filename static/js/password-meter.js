// Live password strength (弱/中/强) under every <input data-password-meter>.
// Only a hint for the user: the server applies Django's password validators.
(function () {
  var LABELS = ["弱", "中", "强"];
  var CLASSES = ["bg-danger", "bg-warning", "bg-success"];

  function score(value) {
    if (value.length < 8 || /^\d+$/.test(value)) return 0;
    var kinds = [/[a-z]/, /[A-Z]/, /\d/, /[^A-Za-z0-9]/].filter(function (re) {
      return re.test(value);
    }).length;
    if (kinds >= 3 && value.length >= 10) return 2;
    return kinds >= 2 ? 1 : 0;
  }

  function meterFor(input) {
    var meter = document.createElement("div");
    meter.className = "password-meter mt-1";
    meter.setAttribute("aria-live", "polite");
    meter.innerHTML =
      '<div class="password-meter-bars"><span></span><span></span><span></span></div>' +
      '<span class="password-meter-label small text-body-secondary"></span>';
    var anchor = input.closest(".input-group") || input;
    anchor.insertAdjacentElement("afterend", meter);
    return meter;
  }

  function update(input, meter) {
    var value = input.value;
    var bars = meter.querySelectorAll(".password-meter-bars span");
    var label = meter.querySelector(".password-meter-label");
    var level = value ? score(value) : -1;
    bars.forEach(function (bar, i) {
      bar.className = i <= level ? CLASSES[level] : "";
    });
    label.textContent = level < 0 ? "" : "密码强度：" + LABELS[level];
  }

  document.querySelectorAll("input[data-password-meter]").forEach(function (input) {
    var meter = meterFor(input);
    input.addEventListener("input", function () { update(input, meter); });
    update(input, meter);
  });
})();
