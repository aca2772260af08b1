// 打印: <button data-print> opens the browser's print dialog (print CSS in print-form.css).
(function () {
  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-print]")) {
      event.preventDefault();
      window.print();
    }
  });
})();
