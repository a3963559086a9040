/* Trợ lý kế hoạch CCHC — embeddable chat widget.
 *
 * Embed with one tag:  <script src="https://host/widget.js" data-api="https://host"></script>
 * Optional attributes: data-target="#selector" renders inline inside that element (otherwise a floating button),
 *                      data-title="…" replaces the heading.
 * Everything lives in a Shadow DOM, so the host page's CSS cannot reach it and its CSS cannot leak out.
 * All server text (answers, quotes, documents) is inserted with textContent / text nodes, never as HTML.
 */
(function () {
  "use strict";

  var script = document.currentScript;
  var scriptUrl = new URL(script && script.src ? script.src : "/widget.js", window.location.href);
  var apiBase = ((script && script.getAttribute("data-api")) || scriptUrl.origin).replace(/\/+$/, "");
  var targetSel = script && script.getAttribute("data-target");
  var title = (script && script.getAttribute("data-title")) || "Trợ lý kế hoạch CCHC";
  var STORE = "assistant-cchc:" + apiBase;
  var MAX_CHARS = 2000;
  var EXAMPLES = [
    "Mục tiêu cải cách hành chính của Sở Y tế năm 2023 là gì?",
    "Tỷ lệ hồ sơ thủ tục hành chính được số hóa tối thiểu là bao nhiêu?",
    "Kế hoạch đặt chỉ tiêu gì cho dịch vụ công trực tuyến toàn trình?",
    "Những kế hoạch nào đề cập đến Chỉ số PAR INDEX và SIPAS?"
  ];
  var ERROR_TEXT = {
    not_ready: "Hệ thống đang nạp chỉ mục tài liệu, vui lòng thử lại sau ít giây.",
    bad_request: "Yêu cầu không hợp lệ.",
    malformed_json: "Yêu cầu không hợp lệ.",
    invalid_request: "Yêu cầu không hợp lệ.",
    payload_too_large: "Câu hỏi quá dài.",
    internal_error: "Máy chủ gặp lỗi khi trả lời. Vui lòng thử lại.",
    upstream_error: "Mô hình ngôn ngữ không phản hồi. Vui lòng thử lại."
  };

  /* ---------- small DOM helpers (text only) ---------- */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) {
      if (k === "text") node.textContent = attrs[k];
      else if (k === "class") node.className = attrs[k];
      else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), attrs[k]);
      else node.setAttribute(k, attrs[k]);
    });
    (children || []).forEach(function (c) {
      node.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
    });
    return node;
  }

  function load() {
    try { return JSON.parse(sessionStorage.getItem(STORE) || "{}"); } catch (e) { return {}; }
  }
  function save(state) {
    try { sessionStorage.setItem(STORE, JSON.stringify(state)); } catch (e) { /* private mode: keep in memory */ }
  }

  async function api(path, options) {
    var resp;
    try {
      resp = await fetch(apiBase + path, options);
    } catch (e) {
      throw new Error("Không kết nối được máy chủ.");
    }
    if (!resp.ok) throw await errorOf(resp);
    return resp;
  }

  async function errorOf(resp) {
    var code = "", message = "";
    try {
      var body = await resp.json();
      code = body.error.code; message = body.error.message;
    } catch (e) { /* not our error shape */ }
    // The server's message is Vietnamese and names the problem; the table covers answers not in its shape (a proxy).
    var err = new Error(message || ERROR_TEXT[code] || "Lỗi " + resp.status + ".");
    err.code = code;
    return err;
  }

  /* ---------- mount ---------- */
  var host = el("div", { class: "assistant-cchc-host" });
  var root = host.attachShadow({ mode: "open" });
  root.appendChild(el("link", { rel: "stylesheet", href: new URL("widget.css", scriptUrl).href }));
  var inline = !!targetSel;
  var panel = el("section", { class: "panel" + (inline ? " inline" : ""), "aria-label": title });
  var state = load();
  state.turns = state.turns || [];

  var filterProvince = el("select", { "aria-label": "Lọc theo tỉnh" }, [el("option", { value: "", text: "Tất cả tỉnh" })]);
  var filterYear = el("select", { "aria-label": "Lọc theo năm" }, [el("option", { value: "", text: "Tất cả các năm" })]);
  var log = el("div", { class: "log", role: "log", "aria-live": "polite", "aria-label": "Hội thoại" });
  var input = el("textarea", {
    rows: "2", maxlength: String(MAX_CHARS), placeholder: "Nhập câu hỏi về kế hoạch CCHC…", "aria-label": "Câu hỏi"
  });
  var send = el("button", { type: "submit", class: "send", text: "Gửi" });
  var status = el("p", { class: "status", role: "status" });
  var form = el("form", { class: "ask", onsubmit: function (e) { e.preventDefault(); ask(input.value); } },
    [input, send]);
  var examples = el("div", { class: "examples", "aria-label": "Câu hỏi gợi ý" });
  EXAMPLES.forEach(function (q) {
    examples.appendChild(el("button", { type: "button", class: "example", text: q, onclick: function () { ask(q); } }));
  });

  panel.appendChild(el("header", {}, [
    el("h2", { text: title }),
    el("button", { type: "button", class: "ghost", text: "Cuộc trò chuyện mới", onclick: reset }),
    inline ? el("span") : el("button", { type: "button", class: "ghost close", "aria-label": "Đóng", text: "×",
      onclick: function () { toggle(false); } })
  ]));
  panel.appendChild(el("div", { class: "filters" }, [filterProvince, filterYear]));
  panel.appendChild(log);
  panel.appendChild(examples);
  panel.appendChild(status);
  panel.appendChild(form);
  root.appendChild(panel);

  var launcher = null;
  if (inline) {
    (document.querySelector(targetSel) || document.body).appendChild(host);
  } else {
    launcher = el("button", { type: "button", class: "launcher", "aria-expanded": "false", text: "Hỏi trợ lý CCHC",
      onclick: function () { toggle(panel.hidden); } });
    root.appendChild(launcher);
    panel.hidden = true;
    document.body.appendChild(host);
  }

  function toggle(open) {
    panel.hidden = !open;
    if (launcher) launcher.setAttribute("aria-expanded", String(open));
    if (open) input.focus(); else if (launcher) launcher.focus();
  }

  input.addEventListener("keydown", function (e) {
    // Enter sends, Shift+Enter breaks the line; IME composition (Telex/VNI typing) must not send half a word.
    if (e.key === "Enter" && !e.shiftKey && !e.isComposing) { e.preventDefault(); ask(input.value); }
  });

  /* ---------- filters ---------- */
  api("/api/documents").then(function (r) { return r.json(); }).then(function (body) {
    body.provinces.forEach(function (p) { filterProvince.appendChild(el("option", { value: p, text: p })); });
    body.years.forEach(function (y) { filterYear.appendChild(el("option", { value: String(y), text: String(y) })); });
    if (state.province) filterProvince.value = state.province;
    if (state.year) filterYear.value = state.year;
  }).catch(function (e) { status.textContent = e.message; });
  [filterProvince, filterYear].forEach(function (s) {
    s.addEventListener("change", function () {
      state.province = filterProvince.value; state.year = filterYear.value; save(state);
    });
  });

  function currentFilters() {
    var f = {};
    if (filterProvince.value) f.province = filterProvince.value;
    if (filterYear.value) f.year = parseInt(filterYear.value, 10);
    return Object.keys(f).length ? f : null;
  }

  /* ---------- conversation ---------- */
  function reset() {
    state = { turns: [], province: filterProvince.value, year: filterYear.value };
    save(state);
    log.textContent = "";
    examples.hidden = false;
    status.textContent = "Đã bắt đầu cuộc trò chuyện mới.";
    input.focus();
  }

  function bubble(role, text) {
    var b = el("div", { class: "msg " + role });
    b.appendChild(el("div", { class: "text", text: text }));
    log.appendChild(b);
    log.scrollTop = log.scrollHeight;
    return b;
  }

  async function ask(raw) {
    var question = (raw || "").trim();
    if (!question) { status.textContent = "Vui lòng nhập câu hỏi."; input.focus(); return; }
    if (question.length > MAX_CHARS) { status.textContent = "Câu hỏi quá dài (tối đa " + MAX_CHARS + " ký tự)."; return; }
    if (send.disabled) return;
    send.disabled = true;
    examples.hidden = true;
    input.value = "";
    status.textContent = "Đang tìm trong các kế hoạch…";
    bubble("user", question);
    var msg = bubble("assistant", "");
    msg.setAttribute("aria-busy", "true");
    var textNode = msg.querySelector(".text");
    var turn = { question: question, answer: "", citations: [], id: null };
    try {
      var body = { question: question, filters: currentFilters() };
      if (state.conversation_id) body.conversation_id = state.conversation_id;
      var resp = await api("/api/ask/stream", {
        method: "POST", headers: { "Content-Type": "application/json", Accept: "text/event-stream" },
        body: JSON.stringify(body)
      });
      await readEvents(resp, function (event, data) {
        if (event === "delta") { turn.answer += data.text; textNode.textContent = turn.answer; }
        else if (event === "citations") turn.citations = data;
        else if (event === "done") {
          turn.id = data.id; turn.abstained = data.abstained; state.conversation_id = data.conversation_id;
        } else if (event === "error") throw new Error(data.error.message || ERROR_TEXT[data.error.code] || "Lỗi.");
      });
      renderAnswer(msg, turn);
      state.turns.push(turn);
      save(state);
      status.textContent = turn.citations.length ? "Đã trả lời, kèm " + turn.citations.length + " trích dẫn." : "Đã trả lời.";
    } catch (e) {
      msg.classList.add("error");
      textNode.textContent = e.message;
      status.textContent = e.message;
    } finally {
      msg.removeAttribute("aria-busy");
      send.disabled = false;
      input.focus();
    }
  }

  async function readEvents(resp, onEvent) {
    var reader = resp.body.getReader();
    var decoder = new TextDecoder("utf-8");
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true });
      var blocks = buffer.split("\n\n");
      buffer = blocks.pop();
      blocks.forEach(function (block) {
        var event = "message", data = "";
        block.split("\n").forEach(function (line) {
          if (line.indexOf("event: ") === 0) event = line.slice(7);
          else if (line.indexOf("data: ") === 0) data += line.slice(6);
        });
        if (data) onEvent(event, JSON.parse(data));
      });
    }
  }

  /* ---------- rendering an answer ---------- */
  function renderAnswer(msg, turn) {
    var textBox = msg.querySelector(".text");
    textBox.textContent = "";
    var byN = {};
    turn.citations.forEach(function (c) { byN[c.n] = c; });
    // "[2]" markers become buttons that open the cited passage; everything else stays a text node.
    turn.answer.split(/(\[\d+\])/).forEach(function (part) {
      var m = /^\[(\d+)\]$/.exec(part);
      if (m && byN[m[1]]) {
        var c = byN[m[1]];
        textBox.appendChild(el("button", { type: "button", class: "cite", text: "[" + c.n + "]",
          "aria-label": "Mở trích dẫn " + c.n + ": " + docLabel(c), onclick: function (e) { openViewer(c, e.currentTarget); } }));
      } else if (part) textBox.appendChild(document.createTextNode(part));
    });
    if (turn.citations.length) {
      var list = el("ol", { class: "sources", "aria-label": "Nguồn trích dẫn" });
      turn.citations.forEach(function (c) {
        var open = el("button", { type: "button", class: "source", onclick: function (e) { openViewer(c, e.currentTarget); } }, [
          el("span", { class: "n", text: "[" + c.n + "]" }),
          el("span", { class: "label", text: docLabel(c) }),
          el("span", { class: "section", text: c.section || "" }),
          quote(c, 220)
        ]);
        list.appendChild(el("li", {}, [open]));
      });
      msg.appendChild(list);
    }
    msg.appendChild(actions(turn));
  }

  function docLabel(c) {
    var d = c.document || {};
    return [d.issuer, d.number, d.issue_date].filter(Boolean).join(" · ") || c.source;
  }

  // The quote as listed: the restored reading when there is one, whitespace flattened and cut at n characters,
  // with the words the restoration is unsure of marked and their OCR spelling on hover.
  function quote(c, n) {
    var text = c.reading || c.quote || "", words = c.reading ? c.unsure || [] : [];
    var pieces = splitUnsure(text, words).map(function (p) { return { text: p.text.replace(/\s+/g, " "), ocr: p.ocr }; });
    pieces[0].text = pieces[0].text.replace(/^ /, "");
    pieces[pieces.length - 1].text = pieces[pieces.length - 1].text.replace(/ $/, "");
    var total = pieces.reduce(function (sum, p) { return sum + p.text.length; }, 0);
    var budget = total > n ? n - 1 : total, box = el("span", { class: "quote" });
    pieces.forEach(function (p) {
      var t = p.text.slice(0, Math.max(0, budget));
      budget -= t.length;
      if (t) box.appendChild(p.ocr === undefined ? document.createTextNode(t) : unsureWord(t, p.ocr));
    });
    if (total > n) box.appendChild(document.createTextNode("…"));
    return box;
  }

  // Plain and unsure pieces of a reading; `words` are {start, end, ocr} spans of it, in order.
  function splitUnsure(text, words) {
    var pieces = [], pos = 0;
    words.forEach(function (u) {
      if (u.start < pos || u.end > text.length || u.start >= u.end) return;
      pieces.push({ text: text.slice(pos, u.start) }, { text: text.slice(u.start, u.end), ocr: u.ocr });
      pos = u.end;
    });
    pieces.push({ text: text.slice(pos) });
    return pieces;
  }

  function unsureWord(text, ocr) {
    return el("span", { class: "unsure", title: "Bản gốc OCR: " + ocr, text: text });
  }

  function actions(turn) {
    var note = el("span", { class: "note", role: "status" });
    var copy = el("button", { type: "button", class: "ghost", text: "Sao chép", onclick: function () {
      var lines = [turn.answer].concat(turn.citations.map(function (c) {
        return "[" + c.n + "] " + docLabel(c) + " — " + (c.section || "") + " (" + c.source + ")";
      }));
      copyText(lines.join("\n")).then(function () { note.textContent = "Đã sao chép."; },
        function () { note.textContent = "Không sao chép được."; });
    } });
    var up = el("button", { type: "button", class: "ghost rate", title: "Câu trả lời hữu ích",
      "aria-pressed": "false", text: "Hữu ích" });
    var down = el("button", { type: "button", class: "ghost rate", title: "Câu trả lời chưa tốt",
      "aria-pressed": "false", text: "Chưa tốt" });
    function rate(rating, button) {
      api("/api/feedback", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ answer_id: turn.id, question: turn.question, answer: turn.answer, rating: rating }) })
        .then(function () {
          up.setAttribute("aria-pressed", String(button === up));
          down.setAttribute("aria-pressed", String(button === down));
          note.textContent = "Cảm ơn phản hồi của bạn!";
        }, function (e) { note.textContent = e.message; });
    }
    up.addEventListener("click", function () { rate("up", up); });
    down.addEventListener("click", function () { rate("down", down); });
    return el("div", { class: "actions" }, [copy, up, down, note]);
  }

  function copyText(text) {
    if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
    return new Promise(function (resolve, reject) {
      var area = el("textarea", { class: "offscreen" });
      area.value = text;
      root.appendChild(area);
      area.select();
      var ok = document.execCommand("copy");
      area.remove();
      if (ok) resolve(); else reject(new Error("copy"));
    });
  }

  /* ---------- document viewer ---------- */
  var lastOpener = null;
  var viewer = el("div", { class: "viewer", role: "dialog", "aria-modal": "true", "aria-labelledby": "viewer-title" });
  viewer.hidden = true;
  root.appendChild(viewer);
  viewer.addEventListener("keydown", function (e) {
    if (e.key === "Escape") { e.preventDefault(); closeViewer(); }
    if (e.key === "Tab") trapFocus(e);
  });

  function trapFocus(e) {
    var items = viewer.querySelectorAll("button, [tabindex='0']");
    if (!items.length) return;
    var first = items[0], last = items[items.length - 1], active = root.activeElement;
    if (e.shiftKey && active === first) { e.preventDefault(); last.focus(); }
    else if (!e.shiftKey && active === last) { e.preventDefault(); first.focus(); }
  }

  function closeViewer() {
    viewer.hidden = true;
    viewer.textContent = "";
    if (lastOpener) lastOpener.focus();
  }

  async function openViewer(c, opener) {
    lastOpener = opener;
    viewer.textContent = "";
    viewer.hidden = false;
    var close = el("button", { type: "button", class: "ghost close", "aria-label": "Đóng tài liệu", text: "×", onclick: closeViewer });
    var box = el("div", { class: "viewer-box" }, [
      el("header", {}, [el("h3", { id: "viewer-title", text: "[" + c.n + "] " + docLabel(c) }), close]),
      el("p", { class: "section", text: c.section || "" }),
      el("p", { class: "loading", text: "Đang mở tài liệu…" })
    ]);
    viewer.appendChild(box);
    close.focus();
    try {
      var path = "/api/documents/" + c.source.split("/").map(encodeURIComponent).join("/") +
        "?start=" + c.start + "&end=" + c.end;
      var doc = await (await api(path)).json();
      box.querySelector(".loading").remove();
      if (doc.metadata && doc.metadata.title) box.insertBefore(el("p", { class: "doc-title", text: doc.metadata.title }), box.children[1]);
      var scan = scanPane(doc);
      var cols = el("div", { class: "columns" + (doc.reading || scan ? " two" : "") + (doc.reading && scan ? " three" : "") });
      if (scan) cols.appendChild(scan);
      cols.appendChild(pane(doc.reading || scan ? "Bản gốc (OCR)" : "Văn bản", doc.text, doc.highlight.start, doc.highlight.end));
      if (doc.reading) {
        var rs = doc.highlight.reading_start, rEnd = doc.highlight.reading_end;
        // the citation's unsure words are spans of its reading, which is the highlighted part of this pane
        var words = doc.reading.slice(rs, rEnd) === c.reading ? c.unsure || [] : [];
        cols.appendChild(pane("Bản đọc khôi phục dấu", doc.reading, rs, rEnd, words));
      }
      box.appendChild(cols);
      cols.querySelectorAll("mark").forEach(function (mark) {
        var body = mark.parentNode;
        // .doc-text is positioned, so the mark's offsetTop is measured from the top of its own pane.
        body.scrollTop = Math.max(0, mark.offsetTop - body.clientHeight / 3);
      });
    } catch (e) {
      var loading = box.querySelector(".loading");
      if (loading) loading.textContent = e.message;
    }
  }

  // The scanned page the quote starts on, with the quote's word boxes drawn over it (boxes are page fractions).
  function scanPane(doc) {
    var h = doc.highlight || {}, page = (doc.pages || []).filter(function (p) { return p.page === h.page; })[0];
    if (!page || !page.image) return null;
    var label = "Bản quét, trang " + page.page;
    var sheet = el("div", { class: "scan-page" }, [el("img", { src: apiBase + page.image, alt: label })]);
    (h.boxes || []).forEach(function (b) {
      if (b.page !== page.page) return;
      var box = el("span", { class: "scan-box" });
      box.style.left = 100 * b.left + "%"; box.style.top = 100 * b.top + "%";
      box.style.width = 100 * b.width + "%"; box.style.height = 100 * b.height + "%";
      sheet.appendChild(box);
    });
    var body = el("div", { class: "doc-text scan", tabindex: "0", "aria-label": label }, [sheet]);
    var first = (h.boxes || [])[0];
    if (first) sheet.querySelector("img").addEventListener("load", function () {
      body.scrollTop = Math.max(0, first.top * sheet.offsetHeight - body.clientHeight / 3);
    });
    return el("div", { class: "pane" }, [el("h4", { text: label }), body]);
  }

  function pane(label, text, start, end, words) {
    var body = el("div", { class: "doc-text", tabindex: "0", "aria-label": label });
    body.appendChild(document.createTextNode(text.slice(0, start)));
    var mark = el("mark");
    splitUnsure(text.slice(start, end), words || []).forEach(function (p) {
      if (p.text) mark.appendChild(p.ocr === undefined ? document.createTextNode(p.text) : unsureWord(p.text, p.ocr));
    });
    body.appendChild(mark);
    body.appendChild(document.createTextNode(text.slice(end)));
    return el("div", { class: "pane" }, [el("h4", { text: label }), body]);
  }

  /* ---------- restore this tab's conversation ---------- */
  if (state.turns.length) {
    examples.hidden = true;
    state.turns.forEach(function (t) {
      bubble("user", t.question);
      renderAnswer(bubble("assistant", ""), t);
    });
  }
})();
