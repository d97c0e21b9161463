// The Reports tab: fetches every figure for the filters in the page's address, draws each as a
// Chart.js chart with a table of the same numbers ("Show as table") and a CSV of them, and keeps
// the Now panel current from the dashboard socket ("reports.now"), never by polling.
import { format, gettext } from "./i18n.js";
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
const WEEKDAYS = [gettext("Monday"), gettext("Tuesday"), gettext("Wednesday"), gettext("Thursday"), gettext("Friday"), gettext("Saturday"), gettext("Sunday")];

// The first column of a figure by period: "Period (week starting)".
const periodColumn = (grain) => format(gettext("Period (%(grain)s starting)"), { grain });

const minutes = (seconds) => (seconds === null || seconds === undefined ? null : Math.round(seconds / 6) / 10);
const blank = (value) => (value === null || value === undefined ? "" : value);

function duration(seconds) {
  if (seconds === null || seconds === undefined) return "–";
  const s = Math.round(seconds);
  if (s < 60) return format(gettext("%(s)s s"), { s });
  if (s < 3600) return format(gettext("%(min)s min %(s)s s"), { min: Math.floor(s / 60), s: s % 60 });
  return format(gettext("%(h)s h %(min)s min"), { h: Math.floor(s / 3600), min: Math.floor((s % 3600) / 60) });
}

// Each figure as one set of numbers: the chart, the table and the CSV are all drawn from it.
//   columns: the table's and CSV's header; rows: its cells; chart: a Chart.js config, or none.
const FIGURES = {
  volume(data) {
    const rows = data.volume.rows;
    const series = [
      ["answered", gettext("Answered"), COLOURS.green],
      ["missed", gettext("Missed"), COLOURS.red],
      ["in_progress", gettext("In progress"), COLOURS.amber],
      ["tickets", gettext("Offline tickets"), COLOURS.purple],
    ];
    return {
      columns: [periodColumn(data.volume.grain), ...series.map(([, label]) => label)],
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
  heatmap: (data) => weekdayHours(data.heatmap.rows, gettext("Chats started"), gettext("chats"), COLOURS.blue),
  widget_hours_by_hour: (data) => weekdayHours(data.widget_hours.rows, gettext("Hours online"), gettext("h online"), COLOURS.green),
  widget_hours(data) {
    const rows = data.widget_hours.widgets;
    return {
      columns: [gettext("Widget"), gettext("Hours online")],
      rows: rows.map((r) => [r.name, r.online_hours]),
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => r.name), datasets: [{ label: gettext("Hours online"), data: rows.map((r) => r.online_hours), backgroundColor: COLOURS.green }] },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true } } },
      },
    };
  },
  waits(data) {
    const rows = data.waits.rows;
    const series = [
      ["wait_median", gettext("Wait, median"), COLOURS.blue, []],
      ["wait_p90", gettext("Wait, 90th percentile"), COLOURS.blue, [6, 4]],
      ["first_response_median", gettext("First response, median"), COLOURS.pink, []],
      ["first_response_p90", gettext("First response, 90th percentile"), COLOURS.pink, [6, 4]],
    ];
    return {
      columns: [gettext("Day"), ...series.map(([, label]) => format(gettext("%(label)s (min)"), { label }))],
      rows: rows.map((r) => [r.day, ...series.map(([key]) => blank(minutes(r[key])))]),
      chart: {
        type: "line",
        data: {
          labels: rows.map((r) => r.day),
          datasets: series.map(([key, label, colour, dash]) => ({
            label, data: rows.map((r) => minutes(r[key])), borderColor: colour, backgroundColor: colour, borderDash: dash, spanGaps: true,
          })),
        },
        options: { scales: { y: { beginAtZero: true, title: { display: true, text: gettext("Minutes") } } } },
      },
    };
  },
  answered_within(data) {
    const rows = data.summary.answered_within;
    const percent = (share) => (share === null ? null : Math.round(share * 1000) / 10);
    return {
      columns: [gettext("Answered within"), gettext("Chats"), gettext("Share of all chats (%)")],
      rows: rows.map((r) => [r.label, r.chats, blank(percent(r.share))]),
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => r.label), datasets: [{ label: gettext("Share of all chats (%)"), data: rows.map((r) => percent(r.share)), backgroundColor: COLOURS.teal }] },
        options: { scales: { y: { beginAtZero: true, max: 100 } } },
      },
    };
  },
  handling(data) {
    const rows = data.handling.rows;
    return {
      columns: [gettext("Handling time"), gettext("Chats")],
      rows: rows.map((r) => [r.label, r.chats]),
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => r.label), datasets: [{ label: gettext("Chats"), data: rows.map((r) => r.chats), backgroundColor: COLOURS.purple }] },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      },
    };
  },
  ratings(data) {
    const rows = data.ratings.rows;
    return {
      columns: [gettext("Rating"), gettext("Chats")],
      rows: rows.map((r) => [r.rating, r.chats]),
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => format(gettext("%(rating)s of 5"), { rating: r.rating })), datasets: [{ label: gettext("Chats"), data: rows.map((r) => r.chats), backgroundColor: COLOURS.amber }] },
        options: { scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } },
      },
    };
  },
  rating_over_time(data) {
    const rows = data.rating_over_time.rows;
    return {
      columns: [periodColumn(data.rating_over_time.grain), gettext("Average rating"), gettext("Chats rated")],
      rows: rows.map((r) => [r.period, blank(r.average), r.rated]),
      chart: {
        type: "line",
        data: { labels: rows.map((r) => r.period), datasets: [{ label: gettext("Average rating"), data: rows.map((r) => r.average), borderColor: COLOURS.amber, backgroundColor: COLOURS.amber, spanGaps: true }] },
        options: { scales: { y: { min: 1, max: 5 } } },
      },
    };
  },
  tags(data) {
    const rows = [...data.tags.rows.map((r) => [r.tag, r.chats]), [gettext("No tag"), data.tags.untagged]];
    return {
      columns: [gettext("Tag"), gettext("Chats")],
      rows,
      chart: {
        type: "bar",
        data: { labels: rows.map((r) => r[0]), datasets: [{ label: gettext("Chats"), data: rows.map((r) => r[1]), backgroundColor: COLOURS.pink }] },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true, ticks: { precision: 0 } } } },
      },
    };
  },
  coverage(data) {
    const rows = data.coverage.operators;
    return {
      columns: [gettext("Operator"), gettext("Hours signed in"), gettext("Hours Online")],
      rows: rows.map((r) => [r.name, r.signed_in_hours, r.online_hours]),
      chart: {
        type: "bar",
        data: {
          labels: rows.map((r) => r.name),
          datasets: [
            { label: gettext("Hours signed in"), data: rows.map((r) => r.signed_in_hours), backgroundColor: COLOURS.blue },
            { label: gettext("Hours Online"), data: rows.map((r) => r.online_hours), backgroundColor: COLOURS.green },
          ],
        },
        options: { indexAxis: "y", scales: { x: { beginAtZero: true } } },
      },
    };
  },
  // Answering system × home system: a bar per answering library, a colour per home library.
  coop(data) {
    const rows = data.coop.rows;
    const answering = [...new Set(rows.map((r) => r.answering))];
    const homes = [...new Set(rows.map((r) => r.home))].sort();
    const palette = Object.values(COLOURS);
    return {
      columns: [gettext("Answered by"), gettext("Library of the patron"), gettext("Chats answered"), gettext("Median wait (min)")],
      rows: rows.map((r) => [r.answering, r.home, r.chats, blank(minutes(r.wait_median))]),
      textColumns: [1],
      chart: {
        type: "bar",
        data: {
          labels: answering,
          datasets: homes.map((home, i) => ({
            label: format(gettext("Patrons of %(library)s"), { library: home }),
            data: answering.map((a) => rows.find((r) => r.answering === a && r.home === home)?.chats ?? 0),
            backgroundColor: palette[i % palette.length],
          })),
        },
        options: { scales: { x: { title: { display: true, text: gettext("Answered by") } }, y: { beginAtZero: true, ticks: { precision: 0 } } } },
      },
    };
  },
  operators: (data) => people(data.operators, gettext("Operator"), true),
  departments: (data) => people(data.departments, gettext("Department"), false),
  widgets: (data) => people(data.widgets, gettext("Widget"), false),
  comments(data) {
    return {
      columns: [gettext("Started"), gettext("Rating"), gettext("Widget"), gettext("Comment"), gettext("Transcript")],
      rows: data.comments.map((c) => [c.at, blank(c.rating), c.widget, c.comment, { href: c.url, text: format(gettext("Chat %(id)s"), { id: c.chat_id }) }]),
      textColumns: [2, 3],
    };
  },
};

// A weekday × hour grid as a bubble chart (bigger dots: more) and a table of the same numbers.
function weekdayHours(rows, label, unit, colour) {
  const peak = Math.max(1e-9, ...rows.flatMap((r) => r.hours));
  const points = rows.flatMap((r, day) => r.hours.map((n, hour) => ({ x: hour, y: day, r: n ? 3 + 12 * Math.sqrt(n / peak) : 0, n })));
  return {
    columns: [gettext("Weekday"), ...Array.from({ length: 24 }, (_, h) => `${String(h).padStart(2, "0")}:00`)],
    rows: rows.map((r, day) => [WEEKDAYS[day], ...r.hours]),
    chart: {
      type: "bubble",
      data: { datasets: [{ label, data: points.filter((p) => p.n), backgroundColor: colour }] },
      options: {
        scales: {
          x: { min: -1, max: 24, ticks: { stepSize: 1, callback: (v) => (v >= 0 && v < 24 ? `${v}h` : "") }, title: { display: true, text: gettext("Hour") } },
          y: { min: -1, max: 7, reverse: true, ticks: { stepSize: 1, callback: (v) => WEEKDAYS[v]?.slice(0, 3) ?? "" } },
        },
        plugins: { tooltip: { callbacks: { label: (c) => `${WEEKDAYS[c.raw.y]} ${c.raw.x}:00: ${c.raw.n} ${unit}` } } },
      },
    },
  };
}

function people(rows, what, isOperator) {
  const transfers = isOperator
    ? [[gettext("Transfers made"), "transfers_made"], [gettext("Transfers received"), "transfers_received"]]
    : what === gettext("Widget") ? [[gettext("Transfers"), "transfers_made"]] : [[gettext("Transfers received"), "transfers_received"]];
  return {
    columns: [what, gettext("Chats"), gettext("Answered"), gettext("Median wait (min)"), gettext("Median handling (min)"), gettext("Average rating"), ...transfers.map(([label]) => label)],
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
    td.textContent = gettext("Nothing in this range.");
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
    [gettext("Chats"), s.chats],
    [gettext("Answered"), s.answered],
    [gettext("Missed"), s.missed],
    [gettext("Median wait"), duration(s.wait_median)],
    [gettext("Wait, 90th percentile"), duration(s.wait_p90)],
    [gettext("Median first response"), duration(s.first_response_median)],
    [gettext("Median handling time"), duration(s.handling_median)],
    [gettext("Average rating"), s.rating_average === null ? "–" : format(gettext("%(average)s (%(rated)s rated)"), { average: s.rating_average, rated: s.rated })],
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

const STATUS_WORDS = { online: gettext("Online"), internal: gettext("Internal"), away: gettext("Away") };

// An operator's status in the reader's words (the live frame goes to every reader at once).
function statusText(o) {
  if (!o.signed_in) return gettext("Signed out");
  const status = STATUS_WORDS[o.chosen_status] ?? o.chosen_status;
  return o.reachable ? status : format(gettext("%(status)s (not reachable)"), { status });
}

function nowOf(now) {
  const queue = now.waiting
    ? format(gettext("%(waiting)s waiting, the longest for %(longest)s"), { waiting: now.waiting, longest: duration(now.longest_wait_seconds) })
    : format(gettext("%(waiting)s waiting"), { waiting: now.waiting });
  document.getElementById("now-queue").textContent = `${queue} · ${format(gettext("%(count)s in progress"), { count: now.in_progress })}`;
  document.getElementById("now-at").textContent = format(gettext("(as of %(time)s)"), { time: now.at.slice(11, 19) });
  const rows = now.operators.map((o) => {
    const tr = document.createElement("tr");
    for (const text of [o.name || format(gettext("Operator %(id)s"), { id: o.operator_id }), statusText(o), String(o.chats)]) {
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
    td.textContent = gettext("Nobody is signed in to LibChat.");
    tr.append(td);
    rows.push(tr);
  }
  document.getElementById("now-operators").replaceChildren(...rows);
}

async function load() {
  statusLine.classList.remove("is-error");
  statusLine.textContent = gettext("Loading…");
  const query = new URLSearchParams(location.search);
  if (document.getElementById("figure-coop")) query.set("with", "coop"); // only shown when it concerns the reader
  const response = await fetch(`${root.dataset.dataUrl}?${query}`, { headers: { Accept: "application/json" } });
  const data = await response.json().catch(() => ({ error: format(gettext("The server answered %(status)s."), { status: response.status }) }));
  if (!response.ok) {
    statusLine.classList.add("is-error");
    statusLine.textContent = data.error;
    return;
  }
  await chartReady;
  window.Chart.defaults.color = "#4a5568"; // labels and ticks: 7.5:1 on white
  summaryOf(data.summary);
  nowOf(data.now);
  for (const [id, build] of Object.entries(FIGURES)) if (document.getElementById(`figure-${id}`)) draw(id, build(data), data.filters);
  root.dataset.loaded = new URLSearchParams(data.filters).toString();
  statusLine.textContent = format(gettext("Showing %(from)s to %(to)s."), { from: data.filters.from, to: data.filters.to });
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
  toggle.textContent = show ? gettext("Hide table") : gettext("Show as table");
});

live.on("reports.now", (frame) => nowOf(frame.now));

load();
