// The console page's stylesheet: readable on a phone, visible keyboard focus, light and dark.

/** The stylesheet, as the page inlines it (allowed by its hash in the page's CSP). */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --fg: #1d2430; --muted: #5b6472; --bg: #f6f7f9; --card: #fff; --line: #d5d9e0;
  --accent: #1f5fbf; --accent-fg: #fff; --bad: #b3261e; --ok: #1b7a3a; --focus: #e8a200; }
@media (prefers-color-scheme: dark) {
  :root { --fg: #e6e9ef; --muted: #a3acb9; --bg: #14171c; --card: #1d2229; --line: #37404c; --accent: #6ea2ff; --accent-fg: #0c1220;
    --bad: #ff8a80; --ok: #7bd88f; }
}
* { box-sizing: border-box; }
body { margin: 0; background: var(--bg); color: var(--fg); font: 16px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 12px; display: grid; gap: 12px; grid-template-columns: 1fr; }
@media (min-width: 900px) { main { grid-template-columns: minmax(0, 5fr) minmax(0, 6fr); } header, #log-section { grid-column: 1 / -1; } }
header h1 { margin: 4px 0; font-size: 1.4rem; }
header p { margin: 0; color: var(--muted); }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px; padding: 12px 14px; min-width: 0; }
h2 { margin: 0 0 8px; font-size: 1.1rem; }
.field { display: flex; flex-direction: column; gap: 2px; margin-bottom: 10px; }
.field.check { flex-direction: row; flex-wrap: wrap; align-items: center; gap: 6px; }
.field.check small { flex-basis: 100%; }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(220px, 1fr)); gap: 0 12px; margin-top: 8px; }
label { font-weight: 600; }
small { color: var(--muted); font-size: 0.85rem; }
input[type=text], select { font: inherit; width: 100%; padding: 6px 8px; border: 1px solid var(--line); border-radius: 6px; background: var(--bg); color: var(--fg); }
input[type=checkbox], input[type=radio] { width: 1.1rem; height: 1.1rem; }
input[aria-invalid=true], select[aria-invalid=true] { border-color: var(--bad); border-width: 2px; }
#url { font-family: ui-monospace, Menlo, Consolas, monospace; font-size: 0.9rem; }
.row { display: flex; gap: 8px; align-items: center; flex-wrap: wrap; }
.row > input[type=text] { flex: 1 1 12rem; width: auto; }
.row > .field { flex: 1 1 9rem; margin-bottom: 4px; }
button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 1px solid var(--accent); background: var(--accent); color: var(--accent-fg); cursor: pointer; min-height: 2.4rem; }
button.secondary { background: transparent; color: var(--accent); }
button:disabled { opacity: 0.45; cursor: not-allowed; }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
details { margin: 4px 0 10px; }
summary { cursor: pointer; font-weight: 600; padding: 4px 0; }
fieldset { border: 0; padding: 0; margin: 0 0 8px; display: flex; gap: 16px; align-items: center; flex-wrap: wrap; }
legend { font-weight: 600; float: left; margin-right: 8px; }
fieldset label { font-weight: normal; display: inline-flex; gap: 6px; align-items: center; }
.error { color: var(--bad); margin: 4px 0; min-height: 1.2em; }
#state { font-weight: 600; margin: 8px 0 0; }
#state[data-state=open] { color: var(--ok); }
#ended { margin: 8px 0 0; font-weight: 600; min-height: 1.2em; }
#ended[data-clean=true] { color: var(--ok); }
#ended[data-clean=false] { color: var(--bad); }
#log { list-style: none; margin: 8px 0 0; padding: 0; max-height: 22rem; overflow: auto; font-family: ui-monospace, Menlo, Consolas, monospace;
  font-size: 0.85rem; border-top: 1px solid var(--line); }
#log li { padding: 3px 2px; border-bottom: 1px solid var(--line); overflow-wrap: anywhere; }
#log time { color: var(--muted); }
#log .echo b, #log .open b { color: var(--ok); }
#log .error b { color: var(--bad); }
.log-head { display: flex; justify-content: space-between; align-items: center; gap: 8px; flex-wrap: wrap; }
.log-head h2 { margin: 0; }
`;
