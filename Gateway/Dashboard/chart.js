// Hand-drawn SVG line charts of a function's last hour (one point a minute): no charting library, nothing fetched.
"use strict";

const svgNs = "http://www.w3.org/2000/svg";

function svg(name, attributes, parent) {
  const element = document.createElementNS(svgNs, name);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  parent?.append(element);
  return element;
}

// series: [{ name, color, values: [number|null x 60] }]; null is "no data that minute" (no point, a gap in the line).
// Each drawn point is a <circle class="point" data-series data-value>, with a <title> for the mouse.
function drawChart(container, minutes, series, unit) {
  const width = 640, height = 170, left = 48, right = 12, top = 12, bottom = 24;
  const values = series.flatMap(s => s.values).filter(v => v !== null);
  const max = Math.max(1e-9, ...values);
  const x = i => left + (i * (width - left - right)) / Math.max(1, minutes.length - 1);
  const y = v => top + (height - top - bottom) * (1 - v / max);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, class: "chart", role: "img" });
  svg("line", { x1: left, y1: y(0), x2: width - right, y2: y(0), class: "axis" }, chart);
  for (const [value, label] of [[max, format(max, unit)], [0, "0"]]) {
    svg("text", { x: left - 6, y: y(value) + 4, "text-anchor": "end", class: "tick" }, chart).textContent = label;
  }
  for (const [i, label] of [[0, time(minutes[0])], [minutes.length - 1, time(minutes[minutes.length - 1])]]) {
    svg("text", { x: x(i), y: height - 6, "text-anchor": i === 0 ? "start" : "end", class: "tick" }, chart).textContent = label;
  }
  for (const s of series) {
    let path = "";
    s.values.forEach((v, i) => { if (v !== null) path += `${path && s.values[i - 1] !== null ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`; });
    if (path) svg("path", { d: path, class: "line", stroke: s.color }, chart);
    s.values.forEach((v, i) => {
      if (v === null || v === 0) return;
      const point = svg("circle", { cx: x(i), cy: y(v), r: 3, fill: s.color, class: "point", "data-series": s.name, "data-value": v }, chart);
      svg("title", {}, point).textContent = `${time(minutes[i])} ${s.name}: ${format(v, unit)}`;
    });
  }
  const legend = document.createElement("div");
  legend.className = "legend";
  for (const s of series) {
    const key = document.createElement("span");
    key.style.color = s.color;
    key.textContent = `● ${s.name}`;
    legend.append(key);
  }
  container.replaceChildren(chart, legend);
}

function format(value, unit) {
  const rounded = value >= 100 ? Math.round(value) : Math.round(value * 100) / 100;
  return `${rounded}${unit}`;
}

function time(minute) {
  return minute ? new Date(minute.minute).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}
