// "看不清？换一张": fetch a new image captcha without reloading the page.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-captcha-refresh]");
  if (!button) return;
  var group = button.closest(".captcha-group");
  fetch(button.getAttribute("data-captcha-refresh"), {
    headers: { "X-Requested-With": "XMLHttpRequest" },
    credentials: "same-origin",
  })
    .then(function (response) { return response.json(); })
    .then(function (data) {
      if (!data.image_url) return; // 429: too many refreshes
      group.querySelector("img.captcha-image").src = data.image_url;
      group.querySelector("input[type=hidden]").value = data.key;
      var answer = group.querySelector("input[type=text]");
      answer.value = "";
      answer.focus();
    });
});
