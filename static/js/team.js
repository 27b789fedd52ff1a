// 账号管理 › 权限管理: a child's box needs its page (ticking it ticks the page); the page's box ticks or
// clears all of its children. The page shows half-ticked while only some children are. The server
// normalises the codes again (services.team.normalize_grants): this only keeps the dialog honest.
(function () {
  function children(tree, code) {
    // a disabled box (即将开放) keeps its state: it gates nothing yet
    return Array.prototype.slice.call(tree.querySelectorAll('input[data-parent="' + CSS.escape(code) + '"]:not(:disabled)'));
  }
  function showHalf(tree, parent) {
    var kids = children(tree, parent.value), ticked = kids.filter(function (k) { return k.checked; }).length;
    parent.indeterminate = ticked > 0 && ticked < kids.length;
  }
  function refresh(tree) {
    tree.querySelectorAll("input:not([data-parent])").forEach(function (p) { showHalf(tree, p); });
  }
  document.addEventListener("change", function (event) {
    var box = event.target, tree = box.closest && box.closest("[data-perm-tree]");
    if (!tree) return;
    if (box.dataset.parent) {
      var parent = tree.querySelector('input[value="' + CSS.escape(box.dataset.parent) + '"]');
      if (box.checked) parent.checked = true;
      showHalf(tree, parent);
    } else {
      children(tree, box.value).forEach(function (k) { k.checked = box.checked; });
      box.indeterminate = false;
    }
  });
  document.body.addEventListener("htmx:afterSwap", function () {
    document.querySelectorAll("[data-perm-tree]").forEach(refresh);
  });
})();
