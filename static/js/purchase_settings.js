// 设置 › 采购设置: show the panel of the chosen PDD自定义收货信息 mode (不修改 / 动态 / 固定).
// The 预览 itself is computed by the server (htmx on the form), never here: one rule, one home.
(function () {
  document.addEventListener("change", function (event) {
    var target = event.target;
    var form = target.closest && target.closest("[data-receiver-form]");
    if (!form || target.name !== "mode") return;
    form.querySelectorAll("[data-mode-panel]").forEach(function (panel) {
      panel.hidden = panel.dataset.modePanel !== target.value;
    });
  });
})();
