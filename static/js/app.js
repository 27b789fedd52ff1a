// 代发工作台 — the little JavaScript the pages need besides htmx: dialogs and error toasts.
(function () {
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.open);
      if (dialog && !dialog.open) dialog.showModal();
    }
    var closer = event.target.closest("[data-close]");
    if (closer && closer.closest("dialog")) closer.closest("dialog").close();
  });

  // The server asks for a dialog to close after a successful htmx save: HX-Trigger: close-dialog
  document.body.addEventListener("close-dialog", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });

  function toast(message) {
    var box = document.createElement("div");
    box.className = "alert alert-error toast";
    box.setAttribute("role", "alert");
    box.textContent = message;
    box.style.cssText = "position:fixed;top:56px;left:50%;transform:translateX(-50%);z-index:99";
    document.body.appendChild(box);
    setTimeout(function () { box.remove(); }, 5000);
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    toast("服务器出错（" + event.detail.xhr.status + "），请稍后重试");
  });
  document.body.addEventListener("htmx:sendError", function () {
    toast("无法连接到代发工作台，请检查程序是否在运行");
  });
})();
