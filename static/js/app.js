// 代发工作台 — the little JavaScript the pages need besides htmx: dialogs, error toasts and the few
// behaviours pages declare with data- attributes. The Content-Security-Policy allows no inline
// script, style or on* handler, so page behaviour lives here.
(function () {
  document.addEventListener("click", function (event) {
    var opener = event.target.closest("[data-open]");
    if (opener) {
      var dialog = document.getElementById(opener.dataset.open);
      if (dialog && !dialog.open) dialog.showModal();
    }
    // data-close: closes the dialog it is in, or removes the message (.alert) it is in (×, 取消)
    var closer = event.target.closest("[data-close]");
    var closing = closer && closer.closest("dialog, .alert");
    if (closing && closing.matches("dialog")) closing.close();
    else if (closing) closing.remove();
  });

  // The server asks for a dialog to close after a successful htmx save: HX-Trigger: close-dialog
  document.body.addEventListener("close-dialog", function () {
    document.querySelectorAll("dialog[open]").forEach(function (d) { d.close(); });
  });

  // 全选: a checkbox with data-check-all ticks or clears every enabled box its selector names; ticking the
  // boxes one by one updates it (checked / part-checked). Tables are swapped by htmx: listen on the document.
  function rowsOf(all) { return Array.prototype.slice.call(document.querySelectorAll(all.dataset.checkAll)); }
  function showTicks(all) {
    var rows = rowsOf(all), ticked = rows.filter(function (row) { return row.checked; }).length;
    all.checked = rows.length > 0 && ticked === rows.length;
    all.indeterminate = ticked > 0 && ticked < rows.length;
  }
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (box.matches("[data-check-all]")) {
      rowsOf(box).forEach(function (row) { if (!row.disabled) row.checked = box.checked; });
      box.indeterminate = false;
      return;
    }
    document.querySelectorAll("[data-check-all]").forEach(function (all) {
      if (rowsOf(all).indexOf(box) >= 0) showTicks(all);
    });
  });

  // A table that refreshes itself (data-keep-ticks) keeps the rows the person ticked. They are read at
  // the moment of the swap, so a tick made while the refresh was on its way is kept too.
  var kept = null;
  function tickKey(box) { return box.name + "=" + box.value; }
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    kept = event.detail.requestConfig.verb === "get" && target.matches("[data-keep-ticks]")
      ? Array.prototype.map.call(target.querySelectorAll("input[type=checkbox][name]:checked"), tickKey) : null;
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    if (!kept) return;
    document.querySelectorAll("[data-keep-ticks] input[type=checkbox][name]").forEach(function (box) {
      if (kept.indexOf(tickKey(box)) >= 0) box.checked = true;
    });
    document.querySelectorAll("[data-check-all]").forEach(showTicks);
    kept = null;
  });

  function toast(message) {
    var box = document.createElement("div");
    box.className = "alert alert-error toast";
    box.setAttribute("role", "alert");
    box.textContent = message;
    document.body.appendChild(box);
    setTimeout(function () { box.remove(); }, 5000);
  }
  document.body.addEventListener("htmx:responseError", function (event) {
    toast("服务器出错（" + event.detail.xhr.status + "），请稍后重试");
  });
  document.body.addEventListener("htmx:sendError", function () {
    toast("无法连接到代发工作台，请检查程序是否在运行");
  });

  document.addEventListener("change", function (event) {
    var target = event.target;
    // <select data-shows="id" data-shows-value="v">: show element #id only while v is chosen
    if (target.dataset.shows) {
      var shown = document.getElementById(target.dataset.shows);
      if (shown) shown.hidden = target.value !== target.dataset.showsValue;
    }
    // pager: 每页条数 reloads the list from page 1
    if (target.hasAttribute("data-per-page")) {
      var params = new URLSearchParams(location.search);
      params.set("per_page", target.value);
      params.set("page", "1");
      location.search = params.toString();
    }
  });

  // <form data-no-submit>: a form that only groups inputs for htmx buttons; Enter must not submit it
  document.addEventListener("submit", function (event) {
    if (event.target.hasAttribute("data-no-submit")) event.preventDefault();
  });

  // The server refused a value the user typed (e.g. a control character) without replacing the form:
  // HX-Trigger {"field-error": {"field": name, "message": text}} shows it under that input.
  document.body.addEventListener("field-error", function (event) {
    var detail = event.detail || {};
    var scope = (event.target.closest && event.target.closest("form")) || document;
    var input = scope.querySelector('[name="' + CSS.escape(detail.field || "") + '"]');
    if (!input) { toast(detail.message); return; }
    var note = input.parentNode.querySelector(".field-error[data-guard]");
    if (!note) {
      note = document.createElement("div");
      note.className = "field-error";
      note.setAttribute("role", "alert");
      note.setAttribute("data-guard", "");
      input.insertAdjacentElement("afterend", note);
    }
    note.textContent = detail.message;
    input.classList.add("invalid");
    input.setAttribute("aria-invalid", "true");
    input.focus();
  });
})();
