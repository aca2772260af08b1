// 绑定既往数据提醒: open the welcome page's reminder dialog once the page has loaded.
// 下次再说 is a form (POST) that hides it for the session; closing with Esc only hides it now.
(function () {
  "use strict";
  var dialog = document.querySelector("[data-binding-reminder]");
  if (!dialog || !window.bootstrap) {
    return;
  }
  window.bootstrap.Modal.getOrCreateInstance(dialog).show();
})();
