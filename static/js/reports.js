// The Reports tab: fetches every figure for the filters in the page's address, draws each as a
// Chart.js chart with a table of the same numbers ("Show as table") and a CSV of them, and keeps
// the Now panel current from the dashboard socket ("reports.now"), never by polling.
import { live } from "./live.js";

const root = document.getElementById("reports");
const form = document.getElementById("report-filters");
const statusLine = document.getElementById("report-status");
const charts = new Map();

// Theme colours, each 4.5:1 or more against the white panel (WCAG AA for text and marks).
const COLOURS = {
  green: "#14653a",
  red: "#9b2c2c",
  amber: "#975a16",
  purple: "#553c9a",
  blue: "#2b6cb0",
  teal: "#2c7a7b",
  pink: "#b83280",
  ink: "#1a202c",
};
const WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

const minutes = (seconds) => (seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10);
const blank = (value) => (value === null || value === undefined ? "" : value);

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

// Each figure as one set of numbers: the chart, the table and the CSV are all drawn from it.
//   columns: the table's and CSV's header; rows: its cells; chart: a Chart.js config, or none.
const FIGURES = {
  volume(data) {
    const rows = data.volume.rows;
    const series = [
      ["answered", "Answered", COLOURS.green],
      ["missed", "Missed", COLOURS.red],
      ["in_progress", "In progress", COLOURS.amber],
      ["tickets", "Offline tickets", COLOURS.purple],
    ];
    return {
      columns: [`Period (${data.volume.grain} starting)`, ...series.map(([, label]) => label)],
      rows: rows.map((r) => [r.period, ...series.map(([key]) => r[key])]),
      chart: {
        type: "bar",
        data: {
          labels: rows.map((r) => r.period),
          datasets: series.map(([key, label, colour]) => ({
            label, data: rows.map((r) => r[key]), backgroundColor: colour,
          })),
        },
        options: { scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } } },
      },
    };
  },
  heatmap: (data) => weekdayHours(data.heatmap.rows, "Chats started", "chats", COLOURS.blue),
  widget_hours_by_hour: (data) => weekdayHours(data.widget_hours.rows, "Hours online", "h online", COLOURS.green),
  widget_hours(data) {
    const rows = data.widget_hours.widgets;
    return {
      columns: ["Widget", "Hours online"],
      rows: rows.map((r) => [r.name, r.online_hours]),
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => r.name), datasets: [{ label: "Hours online", data: rows.map((r) => r.online_hours), backgroundColor: COLOURS.green }] },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true } } },
      },
    };
  },
  waits(data) {
    const rows = data.waits.rows;
    const series = [
      ["wait_median", "Wait, median", COLOURS.blue, []],
      ["wait_p90", "Wait, 90th percentile", COLOURS.blue, [6, 4]],
      ["first_response_median", "First response, median", COLOURS.pink, []],
      ["first_response_p90", "First response, 90th percentile", COLOURS.pink, [6, 4]],
    ];
    return {
      columns: ["Day", ...series.map(([, label]) => `${label} (min)`)],
      rows: rows.map((r) => [r.day, ...series.map(([key]) => blank(minutes(r[key])))]),
      chart: {
        type: "line",
        data: {
          labels: rows.map((r) => r.day),
          datasets: series.map(([key, label, colour, dash]) => ({
            label, data: rows.map((r) => minutes(r[key])), borderColor: colour, backgroundColor: colour, borderDash: dash, spanGaps: true,
          })),
        },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: "Minutes" } } } },
      },
    };
  },
  answered_within(data) {
    const rows = data.summary.answered_within;
    const percent = (share) => (share === null ? null : Math.round(share * 1000) / 10);
    return {
      columns: ["Answered within", "Chats", "Share of all chats (%)"],
      rows: rows.map((r) => [r.label, r.chats, blank(percent(r.share))]),
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => r.label), datasets: [{ label: "Share of all chats (%)", data: rows.map((r) => percent(r.share)), backgroundColor: COLOURS.teal }] },
        options: { scales: { y: { beginAtZero: true, max: 100 } } },
      },
    };
  },
  handling(data) {
    const rows = data.handling.rows;
    return {
      columns: ["Handling time", "Chats"],
      rows: rows.map((r) => [r.label, r.chats]),
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => r.label), datasets: [{ label: "Chats", data: rows.map((r) => r.chats), backgroundColor: COLOURS.purple }] },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      },
    };
  },
  ratings(data) {
    const rows = data.ratings.rows;
    return {
      columns: ["Rating", "Chats"],
      rows: rows.map((r) => [r.rating, r.chats]),
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => `${r.rating} of 5`), datasets: [{ label: "Chats", data: rows.map((r) => r.chats), backgroundColor: COLOURS.amber }] },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      },
    };
  },
  rating_over_time(data) {
    const rows = data.rating_over_time.rows;
    return {
      columns: [`Period (${data.rating_over_time.grain} starting)`, "Average rating", "Chats rated"],
      rows: rows.map((r) => [r.period, blank(r.average), r.rated]),
      chart: {
        type: "line",
        data: { labels: rows.map((r) => r.period), datasets: [{ label: "Average rating", data: rows.map((r) => r.average), borderColor: COLOURS.amber, backgroundColor: COLOURS.amber, spanGaps: true }] },
        options: { scales: { y: { min: 1, max: 5 } } },
      },
    };
  },
  tags(data) {
    const rows = [...data.tags.rows.map((r) => [r.tag, r.chats]), ["No tag", data.tags.untagged]];
    return {
      columns: ["Tag", "Chats"],
      rows,
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => r[0]), datasets: [{ label: "Chats", data: rows.map((r) => r[1]), backgroundColor: COLOURS.pink }] },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
      },
    };
  },
  coverage(data) {
    const rows = data.coverage.operators;
    return {
      columns: ["Operator", "Hours signed in", "Hours Online"],
      rows: rows.map((r) => [r.name, r.signed_in_hours, r.online_hours]),
      chart: {
        type: "bar",
        data: {
          labels: rows.map((r) => r.name),
          datasets: [
            { label: "Hours signed in", data: rows.map((r) => r.signed_in_hours), backgroundColor: COLOURS.blue },
            { label: "Hours Online", data: rows.map((r) => r.online_hours), backgroundColor: COLOURS.green },
          ],
        },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true } } },
      },
    };
  },
  operators: (data) => people(data.operators, "Operator", true),
  departments: (data) => people(data.departments, "Department", false),
  widgets: (data) => people(data.widgets, "Widget", false),
  comments(data) {
    return {
      columns: ["Started", "Rating", "Widget", "Comment", "Transcript"],
      rows: data.comments.map((c) => [c.at, blank(c.rating), c.widget, c.comment, { href: c.url, text: `Chat ${c.chat_id}` }]),
      textColumns: [2, 3],
    };
  },
};

// A weekday × hour grid as a bubble chart (bigger dots: more) and a table of the same numbers.
function weekdayHours(rows, label, unit, colour) {
  const peak = Math.max(1e-9, ...rows.flatMap((r) => r.hours));
  const points = rows.flatMap((r, day) => r.hours.map((n, hour) => ({ x: hour, y: day, r: n ? 3 + 12 * Math.sqrt(n / peak) : 0, n })));
  return {
    columns: ["Weekday", ...Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`)],
    rows: rows.map((r) => [r.weekday, ...r.hours]),
    chart: {
      type: "bubble",
      data: { datasets: [{ label, data: points.filter((p) => p.n), backgroundColor: colour }] },
      options: {
        scales: {
          x: { min: -1, max: 24, ticks: { stepSize: 1, callback: (v) => (v >= 0 && v < 24 ? `${v}h` : "") }, title: { display: true, text: "Hour" } },
          y: { min: -1, max: 7, reverse: true, ticks: { stepSize: 1, callback: (v) => WEEKDAYS[v]?.slice(0, 3) ?? "" } },
        },
        plugins: { tooltip: { callbacks: { label: (c) => `${WEEKDAYS[c.raw.y]} ${c.raw.x}:00: ${c.raw.n} ${unit}` } } },
      },
    },
  };
}

function people(rows, what, isOperator) {
  const transfers = isOperator
    ? [["Transfers made", "transfers_made"], ["Transfers received", "transfers_received"]]
    : what === "Widget" ? [["Transfers", "transfers_made"]] : [["Transfers received", "transfers_received"]];
  return {
    columns: [what, "Chats", "Answered", "Median wait (min)", "Median handling (min)", "Average rating", ...transfers.map(([label]) => label)],
    rows: rows.map((r) => [
      r.name, r.chats, r.answered, blank(minutes(r.wait_median)), blank(minutes(r.handling_median)), blank(r.rating_average),
      ...transfers.map(([, key]) => r[key]),
    ]),
  };
}

function tableOf(figure, caption) {
  const table = document.createElement("table");
  table.className = "report-table";
  const cap = table.createCaption();
  cap.className = "visually-hidden";
  cap.textContent = caption;
  const head = table.createTHead().insertRow();
  for (const column of figure.columns) {
    const th = document.createElement("th");
    th.scope = "col";
    th.textContent = column;
    head.append(th);
  }
  const body = table.createTBody();
  for (const row of figure.rows) {
    const tr = body.insertRow();
    row.forEach((value, i) => {
      const cell = i === 0 ? document.createElement("th") : document.createElement("td");
      if (i === 0) cell.scope = "row";
      if (figure.textColumns?.includes(i)) cell.className = "text";
      if (value && typeof value === "object") {
        const a = document.createElement("a");
        a.href = value.href;
        a.textContent = value.text;
        cell.append(a);
      } else {
        cell.textContent = String(value);
      }
      tr.append(cell);
    });
  }
  if (!figure.rows.length) {
    const td = body.insertRow().insertCell();
    td.colSpan = figure.columns.length;
    td.className = "text";
    td.textContent = "Nothing in this range.";
  }
  return table;
}

function csvOf(figure) {
  const quote = (value) => {
    const text = value && typeof value === "object" ? new URL(value.href, location.href).href : String(value);
    return /[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
  };
  return [figure.columns, ...figure.rows].map((row) => row.map(quote).join(",")).join("\r\n") + "\r\n";
}

function draw(id, figure, filters) {
  const section = document.getElementById(`figure-${id}`);
  const title = section.querySelector("h2").textContent;
  section.querySelector(".figure-table").replaceChildren(tableOf(figure, title));
  const link = section.querySelector(".csv-download");
  if (link.href.startsWith("blob:")) URL.revokeObjectURL(link.href);
  link.href = URL.createObjectURL(new Blob([csvOf(figure)], { type: "text/csv" }));
  link.download = `${id}-${filters.from}-${filters.to}.csv`;
  const canvas = document.getElementById(`chart-${id}`);
  if (!canvas || !figure.chart) return;
  charts.get(id)?.destroy();
  const config = figure.chart;
  config.options = { ...config.options, responsive: true, maintainAspectRatio: false, animation: false };
  charts.set(id, new window.Chart(canvas, config));
  canvas.dataset.drawn = String(figure.rows.length);
}

function summaryOf(s) {
  const items = [
    ["Chats", s.chats],
    ["Answered", s.answered],
    ["Missed", s.missed],
    ["Median wait", duration(s.wait_median)],
    ["Wait, 90th percentile", duration(s.wait_p90)],
    ["Median first response", duration(s.first_response_median)],
    ["Median handling time", duration(s.handling_median)],
    ["Average rating", s.rating_average === null ? "–" : `${s.rating_average} (${s.rated} rated)`],
  ];
  document.getElementById("summary").replaceChildren(
    ...items.map(([label, value]) => {
      const div = document.createElement("div");
      const dt = document.createElement("dt");
      const dd = document.createElement("dd");
      dt.textContent = label;
      dd.textContent = String(value);
      div.append(dt, dd);
      return div;
    }),
  );
}

function nowOf(now) {
  const longest = now.waiting ? `, the longest for ${duration(now.longest_wait_seconds)}` : "";
  document.getElementById("now-queue").textContent = `${now.waiting} waiting${longest} · ${now.in_progress} in progress`;
  document.getElementById("now-at").textContent = `(as of ${now.at.slice(11, 19)})`;
  const rows = now.operators.map((o) => {
    const tr = document.createElement("tr");
    for (const text of [o.name || `Operator ${o.operator_id}`, o.status_label, String(o.chats)]) {
      const td = document.createElement("td");
      td.textContent = text;
      tr.append(td);
    }
    return tr;
  });
  if (!rows.length) {
    const tr = document.createElement("tr");
    const td = document.createElement("td");
    td.colSpan = 3;
    td.textContent = "Nobody is signed in to LibChat.";
    tr.append(td);
    rows.push(tr);
  }
  document.getElementById("now-operators").replaceChildren(...rows);
}

async function load() {
  statusLine.classList.remove("is-error");
  statusLine.textContent = "Loading…";
  const response = await fetch(`${root.dataset.dataUrl}${location.search}`, { headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => ({ error: `The server answered ${response.status}.` }));
  if (!response.ok) {
    statusLine.classList.add("is-error");
    statusLine.textContent = data.error;
    return;
  }
  await chartReady;
  window.Chart.defaults.color = "#4a5568"; // labels and ticks: 7.5:1 on white
  summaryOf(data.summary);
  nowOf(data.now);
  for (const [id, build] of Object.entries(FIGURES)) draw(id, build(data), data.filters);
  root.dataset.loaded = new URLSearchParams(data.filters).toString();
  statusLine.textContent = `Showing ${data.filters.from} to ${data.filters.to}.`;
}

// chart.umd.js is a deferred classic script: it has run before DOMContentLoaded.
const chartReady = new Promise((resolve) => {
  if (window.Chart) resolve();
  else document.addEventListener("DOMContentLoaded", resolve, { once: true });
});

form.addEventListener("submit", (event) => {
  event.preventDefault();
  const query = new URLSearchParams();
  for (const [name, value] of new FormData(form)) if (value) query.set(name, value);
  history.pushState(null, "", `${location.pathname}?${query}`);
  load();
});

window.addEventListener("popstate", () => {
  const query = new URLSearchParams(location.search);
  for (const field of form.elements) {
    if (!field.name) continue;
    const kept = field.type === "date" || field.name === "grain" ? field.value : "";
    field.value = query.get(field.name) ?? kept;
  }
  load();
});

root.addEventListener("click", (event) => {
  const toggle = event.target.closest(".table-toggle");
  if (!toggle) return;
  const table = document.getElementById(toggle.getAttribute("aria-controls"));
  const show = table.hidden;
  table.hidden = !show;
  toggle.setAttribute("aria-expanded", String(show));
  toggle.textContent = show ? "Hide table" : "Show as table";
});

live.on("reports.now", (frame) => nowOf(frame.now));

load();
