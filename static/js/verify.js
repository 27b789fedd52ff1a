// 辅助下单's order info panel: 复制 puts a value on the clipboard (a hidden textarea where the page is
// not a secure context, e.g. plain http from another PC, which has no navigator.clipboard).
(function () {
  function copied(button) {
    button.textContent = "已复制";
    setTimeout(function () { button.textContent = "复制"; }, 1500);
  }
  function fallback(value, button) {
    var area = document.createElement("textarea");
    area.value = value;
    area.setAttribute("readonly", "");
    area.className = "offscreen";
    document.body.appendChild(area);
    area.select();
    try { if (document.execCommand("copy")) copied(button); } finally { area.remove(); }
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.addEventListener("click", function () {
      var value = button.dataset.copy;
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(value).then(function () { copied(button); },
                                                  function () { fallback(value, button); });
      } else {
        fallback(value, button);
      }
    });
  });
})();

// 验证中心: refresh the live frame ~2/s and relay the person's drag, click, wheel and typing to the parked
// page (a verification, or a backend opened with 打开后台).
(function () {
  var img = document.getElementById("verify-screen");
  if (!img) return;
  var token = JSON.parse(document.body.getAttribute("hx-headers"))["X-CSRFToken"];

  function send(command) {
    return fetch(img.dataset.input, {
      method: "POST", credentials: "same-origin",
      headers: {"Content-Type": "application/json", "X-CSRFToken": token},
      body: JSON.stringify(command)
    });
  }

  // Screen pixels -> page pixels (the frame may be shown smaller than the page's viewport).
  function point(event) {
    var box = img.getBoundingClientRect();
    var scaleX = img.naturalWidth / box.width, scaleY = img.naturalHeight / box.height;
    return [Math.round((event.clientX - box.left) * scaleX), Math.round((event.clientY - box.top) * scaleY)];
  }

  var track = null, started = 0, moved = false;
  img.addEventListener("mousedown", function (event) {
    event.preventDefault();
    started = performance.now(); moved = false;
    track = [point(event).concat([0])];
  });
  window.addEventListener("mousemove", function (event) {
    if (!track) return;
    moved = true;
    track.push(point(event).concat([Math.round(performance.now() - started)]));
  });
  window.addEventListener("mouseup", function (event) {
    if (!track) return;
    var end = point(event);
    track.push(end.concat([Math.round(performance.now() - started)]));
    var command = moved && track.length > 2 ? {type: "drag", points: track} : {type: "click", x: end[0], y: end[1]};
    track = null;
    send(command);
  });

  document.getElementById("verify-send").addEventListener("click", function () {
    var box = document.getElementById("verify-text");
    if (box.value) { send({type: "text", text: box.value}); box.value = ""; }
  });
  document.querySelectorAll("[data-key]").forEach(function (button) {
    button.addEventListener("click", function () { send({type: "key", key: button.dataset.key}); });
  });
  document.querySelectorAll("[data-command]").forEach(function (button) {
    button.addEventListener("click", function () { send({type: button.dataset.command}); });
  });

  // The wheel scrolls the parked page; a burst of wheel events travels as one command.
  var wheel = null;
  img.addEventListener("wheel", function (event) {
    event.preventDefault();
    if (wheel) { wheel.dy += event.deltaY; return; }
    var at = point(event);
    wheel = {type: "wheel", x: at[0], y: at[1], dy: event.deltaY};
    setTimeout(function () {
      wheel.dy = Math.max(-4000, Math.min(4000, Math.round(wheel.dy)));
      send(wheel); wheel = null;
    }, 150);
  }, {passive: false});

  // Swap frames only once the next one has loaded, so the picture never flickers.
  var busy = false;
  setInterval(function () {
    var status = document.getElementById("verify-status");
    if (busy || (status && status.dataset.live !== "true")) return;
    busy = true;
    var next = new Image();
    next.onload = function () { img.src = next.src; busy = false; };
    next.onerror = function () { busy = false; };
    next.src = img.dataset.src + "?t=" + Date.now();
  }, 500);
})();
