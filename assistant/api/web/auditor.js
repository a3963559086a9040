/* Auditor views: legal references, quantitative targets and tasks. Data only ever goes in as text (textContent). */
(function () {
  "use strict";

  function $(id) { return document.getElementById(id); }

  function el(tag, text, attrs) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    return node;
  }

  function getJSON(url) {
    return fetch(url).then(function (r) {
      return r.json().then(function (body) {
        if (!r.ok) { throw new Error((body.error && body.error.message) || ("HTTP " + r.status)); }
        return body;
      });
    });
  }

  function docPath(source) { return "/api/documents/" + source.split("/").map(encodeURIComponent).join("/"); }

  function fillSelect(select, values, labels) {
    values.forEach(function (v) {
      var keep = Array.prototype.some.call(select.options, function (o) { return o.value === String(v); });
      if (!keep) { select.appendChild(el("option", labels ? labels[v] || v : v, { value: String(v) })); }
    });
  }

  function query(params) {
    var q = new URLSearchParams();
    Object.keys(params).forEach(function (k) { if (params[k]) { q.set(k, params[k]); } });
    var s = q.toString();
    return s ? "?" + s : "";
  }

  /* ---------- passage viewer ---------- */
  var lastFocus = null;
  function closeViewer() {
    $("viewer").hidden = true;
    if (lastFocus) { lastFocus.focus(); }
  }
  $("viewer-close").addEventListener("click", closeViewer);
  $("viewer").addEventListener("keydown", function (e) { if (e.key === "Escape") { closeViewer(); } });

  function openPassage(source, start, end, title, section) {
    lastFocus = document.activeElement;
    var url = docPath(source) + query({ start: start, end: end });
    $("viewer-title").textContent = title;
    $("viewer-section").textContent = section || "";
    $("viewer-link").href = url;
    var body = $("viewer-body");
    body.textContent = "Đang tải…";
    $("viewer").hidden = false;
    $("viewer-close").focus();
    getJSON(url).then(function (doc) {
      var h = doc.highlight, text = doc.text, s = h.start, e = h.end;
      if (doc.reading && h.reading_start !== null && h.reading_end !== null) {  // OCR text: show the restored reading
        text = doc.reading; s = h.reading_start; e = h.reading_end;
      }
      var from = Math.max(0, text.lastIndexOf("\n", Math.max(0, s - 300)));
      var to = text.indexOf("\n", Math.min(text.length, e + 300));
      if (to < 0) { to = text.length; }
      body.textContent = "";
      body.appendChild(document.createTextNode((from > 0 ? "…" : "") + text.slice(from, s)));
      body.appendChild(el("mark", text.slice(s, e)));
      body.appendChild(document.createTextNode(text.slice(e, to) + (to < text.length ? "…" : "")));
      if (doc.reading) { body.appendChild(el("p", "Văn bản gốc (OCR): " + h.text, { class: "section" })); }
    }).catch(function (err) { body.textContent = "Không mở được tài liệu: " + err.message; });
  }

  function openButton(label, onClick) {
    var b = el("button", label, { type: "button" });
    b.addEventListener("click", onClick);
    return b;
  }

  /* Filters change faster than responses arrive: only the latest request may fill a table, and the table says
     (aria-busy) while it is waiting, for screen readers and tests alike. `render` fills the table and returns
     the status line. */
  var latest = {};
  function load(table, status, url, render) {
    var token = (latest[table] || 0) + 1;
    var current = function () { return latest[table] === token; };
    latest[table] = token;
    $(table).setAttribute("aria-busy", "true");
    $(status).textContent = "Đang tải…";
    return getJSON(url)
      .then(function (body) { if (current()) { $(status).textContent = render(body); } })
      .catch(function (err) { if (current()) { $(status).textContent = "Lỗi: " + err.message; } })
      .then(function () { if (current()) { $(table).setAttribute("aria-busy", "false"); } });
  }

  /* ---------- legal references ---------- */
  function loadRefs() {
    var params = { doc: $("refs-doc").value, type: $("refs-type").value, cites: $("refs-cites").value.trim() };
    return load("refs-table", "refs-status", "/api/legal-refs" + query(params), function (body) {
      var tbody = $("refs-table").tBodies[0];
      tbody.textContent = "";
      fillSelect($("refs-type"), Array.from(new Set(body.rows.map(function (r) { return r.type; }))).sort());
      body.rows.forEach(function (r) {
        var tr = el("tr");
        [r.source, r.type, r.number + (r.own ? " (số của kế hoạch)" : ""), r.issuer || "—", r.date || "—",
          r.mentions.length].forEach(function (v) { tr.appendChild(el("td", v)); });
        var td = el("td");
        var m = r.mentions[0];
        if (m) {
          td.appendChild(openButton("Xem", function () {
            openPassage(r.source, m.start, m.end, r.type + " " + r.number + " — " + r.source, "");
          }));
        }
        tr.appendChild(td);
        tbody.appendChild(tr);
      });
      var counts = $("counts-table").tBodies[0];
      counts.textContent = "";
      Object.keys(body.counts).forEach(function (k) {
        var c = body.counts[k], tr = el("tr");
        [k, c.type, c.documents, c.mentions].forEach(function (v) { tr.appendChild(el("td", v)); });
        counts.appendChild(tr);
      });
      var warn = $("inconsistencies");
      warn.textContent = "";
      body.inconsistencies.forEach(function (i) {
        var parts = Object.keys(i.values).map(function (v) { return v + " (" + i.values[v].join(", ") + ")"; });
        warn.appendChild(el("li", i.number + ": " + (i.field === "date" ? "ngày" : "loại") + " khác nhau — " + parts.join("; ")));
      });
      return body.rows.length + " dòng";
    });
  }

  /* ---------- targets ---------- */
  function targetParams() {
    return { area: $("targets-area").value, province: $("targets-province").value, year: $("targets-year").value };
  }

  function loadTargets() {
    var params = targetParams();
    $("targets-csv").href = "/api/targets" + query(Object.assign({ format: "csv" }, params));
    return load("targets-table", "targets-status", "/api/targets" + query(params), function (body) {
      fillSelect($("targets-area"), body.areas);
      fillSelect($("targets-province"), body.provinces);
      fillSelect($("targets-year"), body.years);
      var tbody = $("targets-table").tBodies[0];
      tbody.textContent = "";
      body.targets.forEach(function (t) {
        var tr = el("tr");
        [t.source, t.area || "—", t.year || "—", t.comparator || "", t.value, t.subject].forEach(function (v) {
          tr.appendChild(el("td", v));
        });
        var td = el("td");
        td.appendChild(openButton("Xem", function () {
          openPassage(t.source, t.start, t.end, t.value + " — " + t.source, t.section);
        }));
        tr.appendChild(td);
        tbody.appendChild(tr);
      });
      return body.targets.length + " chỉ tiêu";
    });
  }

  /* ---------- tasks ---------- */
  function taskParams() {
    return { doc: $("tasks-doc").value, unit: $("tasks-unit").value.trim() };
  }

  function loadTasks() {
    var params = taskParams();
    $("tasks-csv").href = "/api/tasks" + query(Object.assign({ format: "csv" }, params));
    return load("tasks-table", "tasks-status", "/api/tasks" + query(params), function (body) {
      var units = $("tasks-units");
      if (!units.options.length) {
        body.units.forEach(function (u) { units.appendChild(el("option", null, { value: u })); });
      }
      var tbody = $("tasks-table").tBodies[0];
      tbody.textContent = "";
      body.tasks.forEach(function (t) {
        var tr = el("tr");
        [t.content, t.lead || "—", t.partners || "—", t.deadline || "—", t.product || "—", t.source]
          .forEach(function (v) { tr.appendChild(el("td", v)); });
        var td = el("td");
        td.appendChild(openButton("Xem", function () {
          var title = "Nhiệm vụ" + (t.lead ? " của " + t.lead : "") + " — " + t.source;
          openPassage(t.source, t.start, t.end, title, t.section);
        }));
        tr.appendChild(td);
        tbody.appendChild(tr);
      });
      return body.tasks.length + " nhiệm vụ";
    });
  }

  $("refs-filters").addEventListener("submit", function (e) { e.preventDefault(); loadRefs(); });
  $("refs-doc").addEventListener("change", loadRefs);
  $("refs-type").addEventListener("change", loadRefs);
  $("targets-filters").addEventListener("submit", function (e) { e.preventDefault(); loadTargets(); });
  ["targets-area", "targets-province", "targets-year"].forEach(function (id) { $(id).addEventListener("change", loadTargets); });
  $("tasks-filters").addEventListener("submit", function (e) { e.preventDefault(); loadTasks(); });
  $("tasks-doc").addEventListener("change", loadTasks);

  getJSON("/api/documents").then(function (body) {
    var labels = {};
    body.documents.forEach(function (d) {
      labels[d.id] = d.id + (d.metadata.province ? " — " + d.metadata.province : "");
    });
    var ids = body.documents.map(function (d) { return d.id; });
    fillSelect($("refs-doc"), ids, labels);
    fillSelect($("tasks-doc"), ids, labels);
  }).catch(function () { /* the tables below still load */ });
  loadRefs();
  loadTargets();
  loadTasks();
}());
