// 获取短信验证码: <button data-sms-send="URL" data-purpose="login" data-mobile="#id_mobile">.
// Posts the mobile and the image captcha of the same form, shows the answer, counts down
// before the next send, and swaps in the fresh captcha the server returns.
(function () {
  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function feedback(button) {
    var id = button.getAttribute("aria-describedby");
    return id ? document.getElementById(id) : null;
  }

  function countdown(button, seconds) {
    var label = button.getAttribute("data-label") || button.textContent;
    button.setAttribute("data-label", label);
    button.disabled = true;
    var left = seconds;
    var timer = setInterval(function () {
      left -= 1;
      button.textContent = "重新获取（" + left + "秒）";
      if (left <= 0) {
        clearInterval(timer);
        button.disabled = false;
        button.textContent = label;
      }
    }, 1000);
    button.textContent = "重新获取（" + left + "秒）";
  }

  function swapCaptcha(form, captcha) {
    var group = form.querySelector(".captcha-group");
    if (!group || !captcha) return;
    group.querySelector("img.captcha-image").src = captcha.image_url;
    group.querySelector("input[type=hidden]").value = captcha.key;
    group.querySelector("input[type=text]").value = "";
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-sms-send]");
    if (!button) return;
    event.preventDefault();
    var form = button.closest("form");
    var mobile = form.querySelector(button.getAttribute("data-mobile"));
    var captcha = form.querySelector(".captcha-group");
    var body = new FormData();
    body.append("mobile", mobile ? mobile.value : "");
    body.append("purpose", button.getAttribute("data-purpose"));
    if (captcha) {
      body.append("captcha_0", captcha.querySelector("input[type=hidden]").value);
      body.append("captcha_1", captcha.querySelector("input[type=text]").value);
    }
    var note = feedback(button);
    button.disabled = true;
    fetch(button.getAttribute("data-sms-send"), {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(form) },
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (note) {
          note.textContent = data.message;
          note.className = data.ok ? "form-text text-success" : "form-text text-danger";
        }
        swapCaptcha(form, data.captcha);
        if (data.ok) {
          countdown(button, data.wait);
        } else {
          button.disabled = false;
        }
      })
      .catch(function () {
        if (note) {
          note.textContent = "网络异常，请稍后重试。";
          note.className = "form-text text-danger";
        }
        button.disabled = false;
      });
  });
})();
