// The console's own static files: the stylesheet and the overview's chart script. Served
// from /ui/assets/ by dfw itself (the CSP allows scripts and styles from 'self' only).

export const CONSOLE_CSS = `
:root {
  --bg: #f5f6f8; --panel: #fff; --ink: #1b1f24; --muted: #57606a; --line: #d8dee4;
  --brand: #0b3d91; --brand-ink: #fff; --link: #0a58ca;
  --deny: #b42318; --deny-bg: #fdecea; --warn: #8a5300; --warn-bg: #fff4e0;
  --allow: #137333; --allow-bg: #e6f4ea; --info: #0b57d0; --info-bg: #e8f0fe;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
  font-size: 15px; line-height: 1.45; color: var(--ink); background: var(--bg);
}
* { box-sizing: border-box; }
body { margin: 0; }
a { color: var(--link); }
a:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible, summary:focus-visible { outline: 3px solid #7aa7ff; outline-offset: 2px; }
.skip { position: absolute; left: -999px; } .skip:focus { left: 8px; top: 8px; background: #fff; padding: 6px 10px; z-index: 10; }
header.top { background: var(--brand); color: var(--brand-ink); display: flex; align-items: center; gap: 24px; padding: 0 24px; height: 56px; }
header.top .logo { font-weight: 700; font-size: 18px; letter-spacing: .3px; color: #fff; text-decoration: none; }
header.top nav { display: flex; gap: 4px; flex-wrap: wrap; }
header.top nav a { color: #dce6ff; text-decoration: none; padding: 8px 12px; border-radius: 6px; }
header.top nav a[aria-current="page"], header.top nav a:hover { background: rgba(255,255,255,.16); color: #fff; }
header.top .who { margin-left: auto; display: flex; align-items: center; gap: 12px; font-size: 14px; }
header.top .who form { margin: 0; }
header.top .who .muted { color: #c9d6f5; }
header.top .who button { background: transparent; color: #fff; border: 1px solid rgba(255,255,255,.5); }
main { max-width: 1280px; margin: 0 auto; padding: 24px; }
h1 { font-size: 24px; margin: 0 0 16px; }
h2 { font-size: 18px; margin: 0 0 12px; }
h3 { font-size: 15px; margin: 16px 0 8px; }
.muted { color: var(--muted); }
.grid { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(360px, 1fr)); }
.cards { display: grid; gap: 16px; grid-template-columns: repeat(auto-fit, minmax(200px, 1fr)); margin-bottom: 16px; }
section.panel { overflow-x: auto; }
td.mono, td .mono, th.nowrap { white-space: nowrap; }
td.msg { overflow-wrap: anywhere; min-width: 420px; }
.card .value.small { font-size: 18px; overflow-wrap: anywhere; }
section.panel, .card { background: var(--panel); border: 1px solid var(--line); border-radius: 10px; padding: 16px 18px; margin-bottom: 16px; }
.card .value { font-size: 28px; font-weight: 700; }
.card .label { color: var(--muted); font-size: 13px; text-transform: uppercase; letter-spacing: .4px; }
table { width: 100%; border-collapse: collapse; font-size: 14px; }
th, td { text-align: left; padding: 8px 10px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { font-size: 12px; text-transform: uppercase; letter-spacing: .4px; color: var(--muted); background: #fafbfc; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
code, pre, .mono { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
pre { background: #0f172a; color: #e2e8f0; padding: 14px; border-radius: 8px; overflow: auto; max-height: 560px; }
.badge { display: inline-block; padding: 2px 8px; border-radius: 999px; font-size: 12px; font-weight: 600; border: 1px solid transparent; white-space: nowrap; }
.badge.deny, .badge.critical, .badge.drifted, .badge.error, .badge.dead { background: var(--deny-bg); color: var(--deny); border-color: #f5c2bd; }
.badge.high { background: #fde7e0; color: #9a3412; border-color: #f7c6b5; }
.badge.warn, .badge.medium, .badge.pending { background: var(--warn-bg); color: var(--warn); border-color: #f3d19c; }
.badge.low, .badge.info, .badge.off { background: var(--info-bg); color: var(--info); border-color: #c2d7fb; }
.badge.allow, .badge.compliant, .badge.delivered, .badge.active { background: var(--allow-bg); color: var(--allow); border-color: #b7dfc4; }
.badge.waived, .badge.revoked, .badge.expired { background: #eef0f3; color: #3d4752; border-color: #d0d7de; }
.verdict { display: flex; align-items: center; gap: 16px; padding: 16px 18px; border-radius: 10px; margin-bottom: 16px; border: 1px solid; }
.verdict.deny { background: var(--deny-bg); border-color: #f5c2bd; color: var(--deny); }
.verdict.allow { background: var(--allow-bg); border-color: #b7dfc4; color: var(--allow); }
.verdict strong { font-size: 22px; }
.violation { border: 1px solid var(--line); border-left: 4px solid var(--line); border-radius: 8px; padding: 10px 14px; margin: 8px 0; background: #fff; }
.violation.critical { border-left-color: var(--deny); } .violation.high { border-left-color: #c2410c; }
.violation.medium { border-left-color: #b7791f; } .violation.low { border-left-color: var(--info); }
.violation .head { display: flex; gap: 10px; align-items: baseline; flex-wrap: wrap; }
.violation p { margin: 6px 0 0; }
.remediation { white-space: pre-line; color: #24292f; }
form.filters { display: flex; flex-wrap: wrap; gap: 12px; align-items: flex-end; }
form.filters label, form.stack label { display: flex; flex-direction: column; gap: 4px; font-size: 13px; font-weight: 600; color: #24292f; }
form.stack { display: grid; gap: 12px; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); align-items: end; }
input, select, textarea { font: inherit; padding: 7px 10px; border: 1px solid #8c959f; border-radius: 6px; background: #fff; color: var(--ink); min-width: 0; }
button, .button { font: inherit; font-weight: 600; padding: 7px 14px; border-radius: 6px; border: 1px solid var(--brand); background: var(--brand); color: #fff; cursor: pointer; text-decoration: none; display: inline-block; }
button.secondary, .button.secondary { background: #fff; color: var(--brand); }
button.danger { background: #fff; color: var(--deny); border-color: var(--deny); }
.inline { display: inline; margin: 0; }
.notice { padding: 10px 14px; border-radius: 8px; margin-bottom: 16px; border: 1px solid; }
.notice.error { background: var(--deny-bg); border-color: #f5c2bd; color: #7a1b12; }
.notice.ok { background: var(--allow-bg); border-color: #b7dfc4; color: #0d5323; }
.pager { display: flex; justify-content: space-between; align-items: center; margin-top: 12px; }
.chart-box { position: relative; height: 300px; }
details summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 6px 16px; margin: 0; }
dl.facts dt { color: var(--muted); } dl.facts dd { margin: 0; }
.login { max-width: 420px; margin: 10vh auto; }
.login form { display: grid; gap: 12px; }
.login label { display: grid; gap: 4px; font-weight: 600; }
.empty { color: var(--muted); font-style: italic; padding: 8px 0; }
`;

/** Draws the overview chart from the JSON the page carries (Chart.js UMD is loaded first). */
export const OVERVIEW_JS = `
(function () {
  var data = document.getElementById('chart-data');
  var canvas = document.getElementById('decisions-chart');
  if (!data || !canvas || !window.Chart) return;
  var chart = JSON.parse(data.textContent);
  new window.Chart(canvas, {
    type: 'bar',
    data: chart,
    options: {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true, ticks: { precision: 0 } } },
      plugins: { legend: { position: 'bottom' } }
    }
  });
})();
`;
