"""The ``/docs`` page: one self-contained HTML page (no external scripts, styles or fonts) that reads
``/openapi.json`` and shows every operation with its parameters, body example and a form to try it with a key.

The curl line it shows is one a shell runs as written: the key is ``$KEY`` inside double quotes (so the shell
substitutes it), the URL and the JSON body inside single quotes (a single quote in the body is escaped). A
required parameter left empty is named on the page and no request is sent."""

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>recognition API</title><link rel="icon" href="data:,">
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:15px/1.45 system-ui,sans-serif;margin:0;color:#1d2330;background:#f6f7f9}
header{background:#1d2330;color:#fff;padding:14px 24px;display:flex;gap:16px;align-items:center;flex-wrap:wrap}
header h1{font-size:18px;margin:0}header input{width:28em;padding:6px;font:inherit}
main{max-width:1080px;margin:0 auto;padding:16px 24px}
details{background:#fff;border:1px solid #d9dde5;border-radius:6px;margin:8px 0}
summary{cursor:pointer;padding:10px 12px;display:flex;gap:12px;align-items:baseline}
.m{font:600 12px monospace;padding:2px 6px;border-radius:4px;color:#fff;min-width:52px;text-align:center}
.m{background:#5b6475}.GET{background:#2a7ab0}.POST{background:#2d8a4e}.PUT{background:#6a4bb0}
.PATCH{background:#a66a00}.DELETE{background:#b0352a}.missing{color:#b0352a;font-weight:600}
code,pre,textarea{font:13px/1.4 ui-monospace,monospace}.path{font-family:ui-monospace,monospace}
.body{padding:0 14px 14px}pre{background:#f0f2f5;padding:8px;overflow:auto;max-height:28em}
textarea{width:100%;min-height:9em}table{border-collapse:collapse}td{padding:3px 8px 3px 0;vertical-align:top}
.role{color:#5b6475;font-size:13px}h2{margin-top:24px;font-size:16px;text-transform:capitalize}
</style></head><body>
<header><h1>recognition API</h1>
<label>API key <input id="key" type="password" placeholder="rk_... (kept in this page only)"></label></header>
<main><p id="intro"></p><div id="ops">Loading /openapi.json ...</div></main>
<script>
"use strict";
const el = (tag, attrs, ...kids) => { const e = document.createElement(tag);
  Object.entries(attrs || {}).forEach(([k, v]) => k === "text" ? e.textContent = v : e.setAttribute(k, v));
  kids.forEach(k => e.append(k)); return e; };
const quote = text => "'" + String(text).replace(/'/g, "'\\\\''") + "'";
function curl(method, path, body) {
  let c = "curl -sS -X " + method + ' -H "Authorization: Bearer $KEY" ' + quote(location.origin + path);
  if (body) c += " -H 'Content-Type: application/json' -d " + quote(JSON.stringify(body));
  return c;
}
function prose(text) {  // `code` spans as <code>, the rest as text
  const p = el("p");
  String(text || "").split("`").forEach((part, i) => p.append(i % 2 ? el("code", {text: part}) : part));
  return p;
}
function operation(path, method, op) {
  const d = el("details"), s = el("summary");
  s.append(el("span", {class: "m " + method.toUpperCase(), text: method.toUpperCase()}),
           el("span", {class: "path", text: path}), el("span", {text: op.summary}));
  d.append(s);
  const b = el("div", {class: "body"});
  const about = prose(op.description); about.className = "role"; b.append(about);
  const inputs = {};
  if (op.parameters) {
    const t = el("table");
    op.parameters.forEach(p => { const i = el("input", {placeholder: p.schema.type + (p.required ? " (required)" : "")});
      inputs[p.name] = [p, i];
      t.append(el("tr", {}, el("td", {}, el("code", {text: p.name})), el("td", {}, i),
                  el("td", {class: "role", text: p.description || ""}))); });
    b.append(t);
  }
  let area = null;
  const media = op.requestBody && op.requestBody.content["application/json"];
  if (media) { area = el("textarea"); area.value = JSON.stringify(media.example || {}, null, 2);
    b.append(el("p", {text: "Body (application/json):"}), area); }
  const accept = el("select");
  Object.values(op.responses).forEach(r => Object.keys(r.content || {}).forEach(m => {
    if (!m.includes("problem") && ![...accept.options].some(o => o.value === m)) accept.append(el("option", {text: m, value: m})); }));
  const out = el("pre", {text: curl(method.toUpperCase(), path, media && media.example)});
  const send = el("button", {text: "Send"});
  send.onclick = async () => {
    let url = path; const q = new URLSearchParams();
    const missing = Object.entries(inputs).filter(([, [p, i]]) => p.required && !i.value.trim()).map(([n]) => n);
    if (missing.length) {
      out.textContent = ""; out.append(el("span", {class: "missing",
        text: "Fill in " + missing.join(", ") + " first: " + (missing.length > 1 ? "they are" : "it is") + " required."}));
      return;
    }
    for (const [name, [p, i]] of Object.entries(inputs)) { if (!i.value) continue;
      if (p.in === "path") url = url.replace("{" + name + "}", encodeURIComponent(i.value)); else q.set(name, i.value); }
    if ([...q].length) url += "?" + q;
    const headers = {"Authorization": "Bearer " + document.getElementById("key").value};
    if (accept.value) headers["Accept"] = accept.value;
    const init = {method: method.toUpperCase(), headers};
    if (area) { headers["Content-Type"] = "application/json"; init.body = area.value; }
    out.textContent = curl(method.toUpperCase(), url, area ? JSON.parse(area.value || "null") : null) + "\\n\\n...";
    const r = await fetch(url, init); let text = await r.text();
    try { text = JSON.stringify(JSON.parse(text), null, 2); } catch (e) {}
    out.textContent = curl(method.toUpperCase(), url, area ? JSON.parse(area.value || "null") : null) +
      "\\n\\nHTTP " + r.status + " " + (r.headers.get("Content-Type") || "") + "\\n" + text;
  };
  b.append(el("p", {}, "Response type ", accept, " ", send), out);
  d.append(b); return d;
}
fetch("/openapi.json").then(r => r.json()).then(spec => {
  document.getElementById("intro").replaceWith(prose(spec.info.description));
  const root = document.getElementById("ops"); root.textContent = "";
  const byTag = {};
  for (const [path, methods] of Object.entries(spec.paths))
    for (const [method, op] of Object.entries(methods)) (byTag[op.tags[0]] ||= []).push([path, method, op]);
  for (const [tag, ops] of Object.entries(byTag)) { root.append(el("h2", {text: tag}));
    ops.forEach(([p, m, o]) => root.append(operation(p, m, o))); }
});
</script></body></html>
"""
