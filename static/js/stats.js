// 利润统计 charts: each [data-chart] element draws the series the server put in its data-series.
(function () {
  "use strict";
  if (!window.echarts) return;
  const money = { type: "value", axisLabel: { formatter: "{value}" } };
  const builders = {
    trend: (d) => ({
      tooltip: { trigger: "axis" }, legend: { data: ["实收金额", "采购金额", "订单利润"] },
      grid: { left: 60, right: 20, top: 36, bottom: 30 },
      xAxis: { type: "category", data: d.labels }, yAxis: money,
      series: [
        { name: "实收金额", type: "line", data: d.sales, smooth: true },
        { name: "采购金额", type: "line", data: d.purchase, smooth: true },
        { name: "订单利润", type: "line", data: d.profit, smooth: true },
      ],
    }),
    shops: (d) => ({
      tooltip: { trigger: "axis" }, legend: { data: ["实收金额", "订单利润"] },
      grid: { left: 60, right: 20, top: 36, bottom: 30 },
      xAxis: { type: "category", data: d.names }, yAxis: money,
      series: [{ name: "实收金额", type: "bar", data: d.sales }, { name: "订单利润", type: "bar", data: d.profit }],
    }),
  };
  document.querySelectorAll("[data-chart]").forEach((el) => {
    const build = builders[el.dataset.chart];
    if (!build) return;
    const chart = echarts.init(el);
    chart.setOption(build(JSON.parse(el.dataset.series)));
    window.addEventListener("resize", () => chart.resize());
  });
})();
