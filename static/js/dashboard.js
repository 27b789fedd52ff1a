// 数据大屏: draws the data the page came with, then polls the data endpoint and redraws in place.
(function () {
  "use strict";
  const root = document.getElementById("screen");
  if (!root || !window.echarts) return;
  const text = "#cfe3ff", grid = "rgba(120,160,220,0.18)";
  const axis = { axisLine: { lineStyle: { color: grid } }, axisLabel: { color: text }, splitLine: { lineStyle: { color: grid } } };
  const charts = {};
  root.querySelectorAll("[data-screen-chart]").forEach((el) => { charts[el.dataset.screenChart] = echarts.init(el, null, { renderer: "canvas" }); });
  const legend = { textStyle: { color: text }, top: 0 };
  const options = {
    hourly: (d) => ({
      tooltip: { trigger: "axis" }, legend: { ...legend, data: ["今日", "昨日"] }, grid: { left: 56, right: 16, top: 30, bottom: 24 },
      xAxis: { type: "category", data: d.hourly.hours, ...axis }, yAxis: { type: "value", ...axis },
      series: [
        { name: "今日", type: "line", smooth: true, data: d.hourly.today_sales, areaStyle: { opacity: 0.25 }, lineStyle: { width: 3 } },
        { name: "昨日", type: "line", smooth: true, data: d.hourly.yesterday_sales, lineStyle: { type: "dashed" } },
      ],
    }),
    platforms: (d) => ({
      tooltip: { trigger: "item", formatter: "{b}: {c} 元 ({d}%)" }, legend: { ...legend, type: "scroll" },
      series: [{ type: "pie", radius: ["38%", "68%"], center: ["50%", "58%"], label: { color: text, formatter: "{b}\n{d}%" },
                 data: d.platforms.map((p) => ({ name: p.name, value: p.purchase })) }],
    }),
    ranking: (d) => ({
      tooltip: { trigger: "axis" }, grid: { left: 96, right: 40, top: 8, bottom: 20 },
      xAxis: { type: "value", ...axis }, yAxis: { type: "category", inverse: true, data: d.ranking.map((r) => r.shop), ...axis },
      series: [{ type: "bar", data: d.ranking.map((r) => r.sales), label: { show: true, position: "right", color: text } }],
    }),
    funnel: (d) => ({
      tooltip: { trigger: "item", formatter: "{b}: {c} 单" },
      series: [{ type: "funnel", left: "8%", width: "84%", top: 8, bottom: 8, sort: "none", minSize: "20%",
                 label: { color: "#fff", formatter: "{b} {c}" }, data: d.funnel }],
    }),
  };
  function render(d) {
    Object.entries(options).forEach(([name, build]) => charts[name] && charts[name].setOption(build(d), true));
    d.kpis.forEach((k) => {
      const value = root.querySelector(`[data-kpi="${k.label}"]`);
      const note = root.querySelector(`[data-kpi-note="${k.label}"]`);
      if (value) value.textContent = k.value;
      if (note) note.textContent = k.note || "";
    });
    root.querySelector("[data-now]").textContent = d.now;
    const feed = root.querySelector("[data-feed]");
    feed.replaceChildren(...d.feed.map((e) => {
      const li = document.createElement("li");
      [["time", e.at, ""], ["span", e.kind, "feed-kind"], ["span", e.text, "feed-text"]].forEach(([tag, value, cls]) => {
        const node = document.createElement(tag);
        node.textContent = value;
        if (cls) node.className = cls;
        li.appendChild(node);
      });
      return li;
    }));
  }
  const live = root.querySelector("[data-live]");
  async function poll() {
    try {
      const response = await fetch(root.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (!response.ok) throw new Error(response.status);
      render(await response.json());
      live.classList.remove("stale");
    } catch (err) {
      live.classList.add("stale");  // keep the last figures on screen; say they are not live
    }
  }
  render(JSON.parse(root.dataset.initial));
  setInterval(poll, Number(root.dataset.poll) * 1000);
  window.addEventListener("resize", () => Object.values(charts).forEach((c) => c.resize()));
})();
